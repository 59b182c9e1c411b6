package io.portredirect.balancer.lab;

import io.portredirect.balancer.cli.BalancerCommand;
import io.portredirect.protocol.lab.LabExtension;
import io.portredirect.protocol.lab.LabProcess;
import io.portredirect.protocol.lab.LabSupport;
import io.portredirect.protocol.lab.LabTest;
import io.portredirect.protocol.lab.Netns;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.TcpView;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The network side is a LAN that floods: a bridge with MAC learning off, so every unicast frame
 * reaches every port, as on a switch whose table has aged out. Frames addressed to VIP:8001 but
 * to another host's MAC reach the gateway too; the balancer must not forward them (each replica
 * on such a LAN would otherwise deliver a copy). The same frames to the gateway's MAC are
 * forwarded: the control. Runs on the dataplane of the lab run (default nft).
 *
 * <pre>
 *   client 198.18.0.2 ─┐
 *   other  198.18.0.3 ─┼─ sw: br0, learning off ─ net0 gw 198.18.0.1 ── srv1 ── s1 (VIP on lo, l2)
 * </pre>
 */
@LabTest
class FloodingLanLabTest {
    @RegisterExtension
    static final LabExtension<Netns> LAB = LabExtension.of(() -> new Netns("prfl"));
    private static final int FRAMES = 200;
    private static final String VIP = "198.18.0.10";
    private static final String GW_MAC = "02:00:00:00:0f:01";
    private static final String OTHER_MAC = "02:00:00:00:0f:03";
    private static final String CLIENT_MAC = "02:00:00:00:0f:02";
    private static Netns lab;
    private static Path work;
    private static LabProcess balancer;

    @BeforeAll
    static void up(Netns netns) throws Exception {
        lab = netns;
        work = Files.createTempDirectory("portredirect-prfl-");
        for (String n : List.of("sw", "client", "other", "gw", "s1")) {
            lab.create(n);
        }
        String sw = lab.ns("sw");
        lab.exec(sw, "ip", "link", "add", "br0", "type", "bridge");
        lab.exec(sw, "ip", "link", "set", "br0", "up");
        lab.veth(lab.ns("client"), "eth0", "198.18.0.2/24", sw, "p-client", null);
        lab.veth(lab.ns("other"), "eth0", "198.18.0.3/24", sw, "p-other", null);
        lab.veth(lab.ns("gw"), "net0", null, sw, "p-gw", null);
        lab.veth(lab.ns("gw"), "srv1", "198.18.11.1/24", lab.ns("s1"), "eth0", "198.18.11.2/24");
        lab.exec(lab.ns("client"), "ip", "link", "set", "eth0", "address", CLIENT_MAC);
        lab.exec(lab.ns("other"), "ip", "link", "set", "eth0", "address", OTHER_MAC);
        lab.exec(lab.ns("gw"), "ip", "link", "set", "net0", "address", GW_MAC);
        for (String port : List.of("p-client", "p-other", "p-gw")) {
            lab.exec(sw, "ip", "link", "set", port, "master", "br0");
            lab.exec(sw, "bridge", "link", "set", "dev", port, "learning", "off", "flood", "on");
        }
        lab.exec(lab.ns("gw"), "ip", "addr", "add", "198.18.0.1/24", "dev", "net0");
        lab.exec(lab.ns("gw"), "sysctl", "-qw", "net.ipv4.ip_forward=1");
        lab.exec(lab.ns("s1"), "ip", "addr", "add", VIP + "/32", "dev", "lo");
        lab.exec(lab.ns("s1"), "ip", "route", "add", "default", "via", "198.18.11.1");
        String s1Mac = lab.mac(lab.ns("s1"), "eth0");
        Path config = work.resolve("balancer.yaml");
        Files.writeString(config, """
                vips: [%s]
                network:
                  interface: net0
                  next-hop: [198.18.0.2]
                servers:
                  - name: s1
                    interface: srv1
                    mac: %s
                    mode: l2
                    service-ports: ["8001"]
                """.formatted(VIP, s1Mac));
        List<String> cmd = new ArrayList<>(BalancerLab.javaCommand(BalancerCommand.class));
        cmd.addAll(List.of("run", "--config", config.toString(), "--no-watch"));
        cmd.addAll(LabSupport.balancerDataplaneArgs());
        balancer = lab.startProcess("balancer", lab.ns("gw"), cmd, work.resolve("balancer.log"));
        balancer.awaitLog("event=started", Duration.ofSeconds(30));
    }

    @Test
    void framesForAnotherHostAreNotForwardedFramesForUsAre() throws Exception {
        assertEquals(0, forwarded(OTHER_MAC), "frames to another host's MAC forwarded to s1");
        assertEquals(FRAMES, forwarded(GW_MAC), "frames to the gateway's MAC forwarded to s1 (the control)");
        assertTrue(balancer.isAlive());
    }

    /** Injects FRAMES SYNs to VIP:8001 addressed to {@code dstMac}; returns how many reached s1 (and checks the LAN flooded them). */
    private static long forwarded(String dstMac) throws Exception {
        String tag = dstMac.replace(":", "");
        Process atS1 = lab.start(lab.ns("s1"), List.of("tcpdump", "-i", "eth0", "-n", "-U", "-w",
                work.resolve("s1-" + tag + ".pcap").toString(), "tcp dst port 8001"), work.resolve("s1-" + tag + ".log").toFile());
        Process atOther = lab.start(lab.ns("other"), List.of("tcpdump", "-i", "eth0", "-n", "-U", "-w",
                work.resolve("other-" + tag + ".pcap").toString(), "tcp dst port 8001"), work.resolve("other-" + tag + ".log").toFile());
        Thread.sleep(1500);
        byte[] src = LegacyAndRedirectLabTest.macBytes(CLIENT_MAC);
        byte[] dst = LegacyAndRedirectLabTest.macBytes(dstMac);
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < FRAMES; i++) {
            frames.add(CraftedPacket.builder().ethernet(src, dst).src(InetAddress.getByName("198.18.0.2"), 20000 + i)
                    .dst(InetAddress.getByName(VIP), 8001).tcp(TcpView.SYN).build().encode());
        }
        Path bin = work.resolve("frames-" + tag + ".bin");
        LabProbe.writeFrames(bin, frames);
        List<String> probe = new ArrayList<>(List.of("ip", "netns", "exec", lab.ns("client")));
        probe.addAll(BalancerLab.javaCommand(LabProbe.class));
        probe.addAll(List.of("inject", "eth0", bin.toString(), "500"));
        Process p = new ProcessBuilder(probe).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        Thread.sleep(1500);
        for (Process c : List.of(atS1, atOther)) {
            c.toHandle().destroy();
            c.waitFor();
        }
        assertEquals(FRAMES, count(work.resolve("other-" + tag + ".pcap")), "the LAN floods: the other host saw every frame");
        return count(work.resolve("s1-" + tag + ".pcap"));
    }

    private static long count(Path pcap) throws Exception {
        long n = 0;
        try (org.pcap4j.core.PcapHandle h = org.pcap4j.core.Pcaps.openOffline(pcap.toString())) {
            while (true) {
                try {
                    h.getNextRawPacketEx();
                    n++;
                } catch (java.io.EOFException e) {
                    return n;
                }
            }
        }
    }
}
