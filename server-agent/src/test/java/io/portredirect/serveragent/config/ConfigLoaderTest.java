package io.portredirect.serveragent.config;

import io.portredirect.protocol.config.ConfigException;
import io.portredirect.protocol.config.LoadedConfig;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {
    static final Path FILE = Path.of("/etc/portredirect/server-agent.yaml");

    static final String FULL = """
            interface: eth0
            vips: [198.18.0.10, 2001:2::10]
            redirect-ports:
              - 8000
              - port: 8100
                legacy-proxy-to: 127.0.0.1:9100
            service-ports:
              - 8001
              - port: 8002
                proxy-to: "[::1]:9002"
            policy: queue-aware
            protocols: [tcp]
            refresh: 50ms
            all-full: drop
            mss: 1400
            nft-table: prs_agent
            reserve-local-ports: false
            stats-interval: 5s
            absorb-udp: false
            guard-timeout: 2s
            """;

    @Test
    void readsEverySetting() throws Exception {
        ServerAgentConfig c = ConfigLoader.parse(FILE, FULL);
        assertEquals("eth0", c.interfaceName());
        assertEquals(List.of(InetAddress.getByName("198.18.0.10"), InetAddress.getByName("2001:2::10")), c.vips());
        assertEquals(List.of(8000, 8100), c.redirectPorts());
        assertEquals(new InetSocketAddress("127.0.0.1", 9100), c.legacyProxies().get(8100));
        assertEquals(8001, c.servicePorts().get(0).port());
        assertNull(c.servicePorts().get(0).proxyTo());
        assertEquals(new InetSocketAddress("::1", 9002), c.servicePorts().get(1).proxyTo());
        assertEquals(SelectionPolicy.QUEUE_AWARE, c.policy());
        assertTrue(c.tcp());
        assertFalse(c.udp());
        assertEquals(50, c.refreshMillis());
        assertEquals(ServerAgentConfig.AllFullAction.DROP, c.allFull());
        assertEquals(1400, c.mss());
        assertEquals("prs_agent", c.nftTable());
        assertFalse(c.reserveLocalPorts());
        assertEquals(5, c.statsSeconds());
        assertFalse(c.absorbUdp());
        assertEquals(2000, c.guardTimeoutMillis());
    }

    @Test
    void defaults() throws Exception {
        ServerAgentConfig c = ConfigLoader.parse(FILE, "interface: eth0\nvips: [198.18.0.10]\nredirect-ports: [8000]\nservice-ports: [8001]\n");
        assertEquals(SelectionPolicy.ROUND_ROBIN, c.policy());
        assertTrue(c.tcp() && c.udp());
        assertEquals(100, c.refreshMillis());
        assertEquals(ServerAgentConfig.AllFullAction.RESET, c.allFull());
        assertEquals("portredirect_server", c.nftTable());
        assertTrue(c.reserveLocalPorts());
        assertTrue(c.absorbUdp());
        assertEquals(1000, c.guardTimeoutMillis());
        assertEquals(250, c.guardRefreshMillis());
    }

    @Test
    void servicePortsMayServeOneTransport() throws Exception {
        ServerAgentConfig c = ConfigLoader.parse(FILE, "interface: eth0\nvips: [198.18.0.10]\nredirect-ports: [80, 9000]\n"
                + "service-ports: [8001, \"9001/udp\", 8002/tcp, {port: 9002, protocol: udp}]\n");
        assertEquals(List.of(8001, 8002), c.tcpServicePorts().stream().map(ServicePort::port).toList());
        assertEquals(List.of(8001, 9001, 9002), c.udpServicePorts().stream().map(ServicePort::port).toList());
        assertTrue(ConfigDigest.canonical(c).contains("service-ports=8001,9001/udp,8002/tcp,9002/udp\n"), ConfigDigest.canonical(c));
        // configs without a protocol keep their digest
        assertTrue(ConfigDigest.canonical(ConfigLoader.parse(FILE, "interface: eth0\nvips: [198.18.0.10]\nredirect-ports: [80]\n"
                + "service-ports: [8001]\n")).contains("service-ports=8001\n"));
    }

    @Test
    void aTransportWithoutAServicePortIsAnError() {
        String base = "interface: eth0\nvips: [198.18.0.10]\nredirect-ports: [80]\n";
        rejects(base + "service-ports: [9001/udp]\n", "service-ports", 4, "no service port serves tcp");
        rejects(base + "service-ports: [9001/sctp]\n", "service-ports[0]", 4, "protocol 'sctp' is not tcp or udp");
        rejects(base + "service-ports:\n  - 8001\n  - {port: 9001, protocol: udp, proxy-to: 127.0.0.1:9101}\n", "service-ports[1].proxy-to", 6,
                "the proxy relays TCP");
    }

    @Test
    void aGuardTimeoutOutOfRangeIsNamedWithItsLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(FILE,
                "interface: eth0\nvips: [198.18.0.10]\nredirect-ports: [8000]\nservice-ports: [8001]\nguard-timeout: 100ms\n"));
        assertEquals(List.of(FILE + ":5: guard-timeout: 100ms is out of range 400ms-1m"), e.problems());
    }

    @Test
    void oldCamelCaseSpellingsStillLoadWithAWarningEach() throws Exception {
        LoadedConfig<ServerAgentConfig> l = ConfigLoader.read(FILE, """
                interface: eth0
                vips: [198.18.0.10]
                redirectPorts: [8000]
                servicePorts: [{port: 8001, proxyTo: 127.0.0.1:9001}]
                refreshMillis: 50
                statsSeconds: 5
                """);
        assertEquals(50, l.config().refreshMillis());
        assertEquals(5, l.config().statsSeconds());
        assertEquals(List.of(
                FILE + ":3: redirectPorts: deprecated spelling, write redirect-ports",
                FILE + ":4: servicePorts: deprecated spelling, write service-ports",
                FILE + ":4: servicePorts[0].proxyTo: deprecated spelling, write proxy-to",
                FILE + ":5: refreshMillis: deprecated spelling, write refresh: 50ms",
                FILE + ":6: statsSeconds: deprecated spelling, write stats-interval: 5s"),
                l.warnings().stream().map(Object::toString).toList());
    }

    /** The first problem's line, key and message, as the operator reads it. */
    static void rejects(String yaml, String key, int line, String words) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(FILE, yaml));
        assertEquals(key, e.key(), e.getMessage());
        assertEquals(line, e.line(), e.getMessage());
        assertTrue(e.getMessage().startsWith(FILE + ":" + line + ": " + key + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(words), e.getMessage());
    }

    @Test
    void errorsNameFileLineAndKey() {
        String base = "interface: eth0\nvips: [198.18.0.10]\nredirect-ports: [8000]\n";
        rejects(base + "service-ports:\n  - 8001\n  - 70000\n", "service-ports[1]", 6, "out of range");
        rejects(base + "service-ports: [8001]\npolicy: fastest\n", "policy", 5, "is not one of round-robin");
        rejects(base + "service-ports: [8000]\n", "service-ports[0]", 4, "already a redirect or service port");
        rejects(base + "service-ports:\n  - port: 8001\n    proxy-to: localhost:9001\n", "service-ports[0].proxy-to", 6,
                "is not an IPv4 or IPv6 address literal");
        rejects(base + "service-ports:\n  - port: 8001\n    proxyto: 127.0.0.1:9001\n", "service-ports[0].proxyto", 6,
                "unknown key (did you mean 'proxy-to'?)");
        rejects(base + "service-ports: [8001]\ninterfaces: eth1\n", "interfaces", 5, "unknown key");
        rejects("interface: eth0\nvips: [not-an-ip]\nredirect-ports: [8000]\nservice-ports: [8001]\n", "vips[0]", 2, "IPv4 or IPv6");
        rejects("interface: eth0\nvips: [198.18.0.10]\nservice-ports: [8001]\n", "redirect-ports", 1, "missing");
        rejects(base + "service-ports: [8001]\nprotocols: [sctp]\n", "protocols[0]", 5, "is not one of tcp, udp");
        rejects(base + "service-ports: [8001]\nrefresh: 1ms\n", "refresh", 5, "1ms is out of range 10ms-1m");
        rejects(base + "service-ports: [8001]\nrefresh: 100\n", "refresh", 5, "'100' has no unit; write a number and a unit: 250ms, 1s, 2m or 1h");
        rejects(base + "service-ports: [8001]\nabsorb-udp: maybe\n", "absorb-udp", 5, "true or false");
        rejects(base + "service-ports: [8001]\nservicePorts: [8002]\n", "servicePorts", 5,
                "both service-ports (line 4) and servicePorts given; keep only service-ports");
    }

    @Test
    void everyProblemIsReportedWithFileAndLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(FILE, """
                interface: eth0
                vips: [198.18.0.10]
                redirect-ports: [8000]
                service-ports: [8001]
                policy: fastest
                policy: round-robin
                mss: 12
                """));
        assertEquals(List.of(
                FILE + ":5: policy: 'fastest' is not one of round-robin, least-connections, queue-aware",
                FILE + ":6: policy: duplicate key (first at line 5)",
                FILE + ":7: mss: an MSS below 88 is not useful (0 means: from the interface MTU)"), e.problems());
    }

    static final Path ROOT = Path.of(System.getProperty("portredirect.root", ".."));

    @Test
    void twoMistakesInAFileAreBothReported() {
        Path file = ROOT.resolve("testdata/server-agent/two-mistakes.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
        assertEquals(List.of(
                file + ":7: refresh: '100' has no unit; write a number and a unit: 250ms, 1s, 2m or 1h",
                file + ":8: policy: 'fastest' is not one of round-robin, least-connections, queue-aware"), e.problems());
    }

    @Test
    void shippedConfigsLoadWithoutWarnings() throws Exception {
        for (String f : List.of("tools/src/dist/conf/server-agent.yaml")) {
            assertEquals(List.of(), ConfigLoader.loadWithWarnings(ROOT.resolve(f)).warnings(), f);
        }
    }

    @Test
    void yamlSyntaxErrorsCarryTheLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(FILE, "interface: eth0\nvips: [198.18.0.10\n"));
        assertTrue(e.line() > 0, e.getMessage());
        assertTrue(e.getMessage().startsWith(FILE + ":" + e.line() + ": (yaml): not valid YAML: "), e.getMessage());
    }
}
