package io.portredirect.balancer.io;

import io.portredirect.balancer.config.BalancerConfig;
import io.portredirect.protocol.packet.Bytes;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static io.portredirect.balancer.testing.Fixtures.VERDICT_YAML;
import static io.portredirect.balancer.testing.Fixtures.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The start-up interface check on {@code ethtool -k} text captured on this machine (Debian 12, ethtool 6.1). */
class InterfaceCheckTest {
    static String resource(String name) throws IOException {
        try (InputStream in = InterfaceCheckTest.class.getResourceAsStream("/ethtool/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void parsesTopLevelAndIndentedFeaturesWithFixedMarks() throws IOException {
        Map<String, InterfaceCheck.Feature> f = InterfaceCheck.parseFeatures(resource("lo.txt"));
        assertEquals(new InterfaceCheck.Feature(true, false), f.get("generic-receive-offload"));
        assertEquals(new InterfaceCheck.Feature(false, true), f.get("large-receive-offload"));
        assertEquals(new InterfaceCheck.Feature(true, false), f.get("tx-checksumming"));
        assertEquals(new InterfaceCheck.Feature(true, true), f.get("tx-checksum-ip-generic"), "indented sub-feature");
        assertEquals(new InterfaceCheck.Feature(true, true), f.get("rx-checksumming"));
        assertFalse(f.containsKey("Features for lo"), "the header is no feature");
    }

    @Test
    void loopbackHasEveryOffloadButLroOn() throws IOException {
        InterfaceCheck.Problem p = InterfaceCheck.offloadProblem("lo", resource("lo.txt"));
        assertEquals(List.of("ethtool", "-K", "lo", "gro", "off", "tso", "off", "gso", "off", "tx", "off"), p.fix());
        assertEquals("ethtool -K lo gro off tso off gso off tx off", p.fixLine());
        assertTrue(p.blocking());
        assertTrue(p.offloads());
    }

    @Test
    void aFreshVethHasSegmentationAndChecksumOffloadOn() throws IOException {
        InterfaceCheck.Problem p = InterfaceCheck.offloadProblem("pcs0", resource("veth-default.txt"));
        assertEquals("ethtool -K pcs0 tso off gso off tx off", p.fixLine(), "veth has GRO off by default");
    }

    @Test
    void aVethAfterTheFixPasses() throws IOException {
        assertNull(InterfaceCheck.offloadProblem("pcs0", resource("veth-offloads-off.txt")));
    }

    @Test
    void anOffloadTheDriverFixesOnCannotBeFixedByEthtool() {
        InterfaceCheck.Problem p = InterfaceCheck.offloadProblem("eth9", "Features for eth9:\n"
                + "generic-receive-offload: on\nlarge-receive-offload: on [fixed]\ntx-checksumming: off\n");
        assertEquals("ethtool -K eth9 gro off", p.fixLine());
        assertTrue(p.what().contains("the driver fixes lro on"), p.what());
        assertTrue(p.blocking());
        assertFalse(p.offloads(), "--fix-offloads cannot clear it");
    }

    @Test
    void everyInterfaceOfTheConfigIsCheckedWithMtuAndMac() throws IOException {
        BalancerConfig cfg = config(VERDICT_YAML);
        List<String> ifaces = InterfaceCheck.interfaces(cfg);
        assertEquals("net0", ifaces.get(0));
        assertEquals(List.of("net0", "sa", "sb", "sc", "sd", "se"), ifaces);
        String off = resource("veth-offloads-off.txt");
        String on = resource("veth-default.txt");
        List<InterfaceCheck.Problem> problems = InterfaceCheck.check(cfg,
                iface -> iface.equals("sb") ? on : iface.equals("sc") ? null : off,
                iface -> iface.equals("sd") ? 1400 : 1500,
                iface -> Bytes.fromHex("02:00:00:00:00:01"));
        assertEquals(3, problems.size(), problems.toString());
        assertEquals("sb", problems.get(0).iface());
        assertEquals("ethtool -K sb tso off gso off tx off", problems.get(0).fixLine());
        assertEquals("sc", problems.get(1).iface());
        assertFalse(problems.get(1).blocking(), "ethtool unreadable: a warning");
        assertEquals("sd", problems.get(2).iface());
        assertTrue(problems.get(2).what().startsWith("MTU 1400 is smaller than the network side's (net0, 1500)"), problems.get(2).what());
        assertFalse(problems.get(2).blocking());
    }

    @Test
    void aGivenNetworkMacThatIsNotTheInterfacesBlocks() {
        BalancerConfig cfg = config(VERDICT_YAML.replace("network: {interface: net0, mac: auto,", "network: {interface: net0, mac: \"02:00:00:00:00:07\","));
        List<InterfaceCheck.Problem> problems = InterfaceCheck.check(cfg, iface -> "", iface -> 1500,
                iface -> Bytes.fromHex("02:00:00:00:00:01"));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).blocking());
        assertTrue(problems.get(0).what().startsWith("network.mac 02:00:00:00:00:07 is not the interface's MAC 02:00:00:00:00:01"));
    }
}
