package io.portredirect.balancer.lab;

import io.portredirect.protocol.lab.LabExtension;
import io.portredirect.protocol.lab.LabProcess;
import io.portredirect.protocol.lab.LabSupport;
import io.portredirect.protocol.lab.LabTest;
import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.wire.RedirectExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real balancer in the lab (s1, s2 l2; s3 l3): legacy clients reach the owner of the port
 * they asked for, over IPv4 and IPv6, TCP and UDP, with ARP/NDP for the VIP answered by the
 * balancer; SYNs carrying REDIRECT to redirect port 80 land on the server the consistent hash
 * names and spread over the group by weight.
 */
@LabTest
class LegacyAndRedirectLabTest {
    @RegisterExtension
    static final LabExtension<BalancerLab> LAB = LabExtension.of(() -> BalancerLab.up("prbf", false));
    private static BalancerLab lab;
    private static LabProcess balancer;

    @BeforeAll
    static void up(BalancerLab fixture) throws Exception {
        lab = fixture;
        balancer = lab.startBalancer(lab.labConfig());
    }

    private static String curl(String url) {
        BalancerLab.Result r = lab.tryExec("client", 15, "curl", "-s", "-m", "5", "--retry", "2", url);
        return r.output().trim();
    }

    /**
     * The balancer answers ARP and neighbour solicitations for the VIPs, asked by the standard
     * tools (iputils arping, ndisc6). Asked explicitly: a client also learns the VIPs' MAC from the
     * balancer's own questions for its next hop, which it sends from a VIP (Linux creates a
     * neighbour entry for the sender of an ARP request or NS addressed to it), so traffic alone
     * does not always make the client ask.
     */
    @Test
    void vipNeighbourQuestionsAreAnsweredWithTheGatewaysMac() {
        LabSupport.assumeTool("arping");
        LabSupport.assumeTool("ndisc6");
        String m0 = lab.metrics();
        String arp = lab.exec("client", "arping", "-c", "1", "-w", "3", "-I", "eth0", BalancerLab.VIP4);
        assertTrue(arp.toLowerCase(Locale.ROOT).contains(BalancerLab.GW_NET_MAC), arp);
        String nd = lab.exec("client", "ndisc6", "-1", "-q", "-r", "3", "-w", "1000", BalancerLab.VIP6, "eth0");
        assertEquals(BalancerLab.GW_NET_MAC, nd.trim().toLowerCase(Locale.ROOT), nd);
        String m = lab.metrics();
        String arpReplies = "portredirect_balancer_neighbor_frames_total{result=\"arp_reply\"";
        String ndpAdverts = "portredirect_balancer_neighbor_frames_total{result=\"ndp_advert\"";
        assertTrue(BalancerLab.metric(m, arpReplies) > BalancerLab.metric(m0, arpReplies), m);
        assertTrue(BalancerLab.metric(m, ndpAdverts) > BalancerLab.metric(m0, ndpAdverts), m);
    }

    @Test
    void legacyClientsReachThePortsOwner() {
        // nothing cached: the client resolves the VIPs again (asking, or from the balancer's questions)
        lab.exec("client", "ip", "neigh", "flush", "all");
        lab.exec("client", "ip", "-6", "neigh", "flush", "all");
        assertEquals("s1", curl("http://198.18.0.10:8001/"));
        assertEquals("s2", curl("http://198.18.0.10:8002/"));
        assertEquals("s3", curl("http://198.18.0.10:8003/"), "l3 server: VIP rewritten to its address and back");
        assertEquals("s1", curl("http://198.18.0.10:80/"), "redirect port without REDIRECT goes to its owner");
        assertEquals("s2", curl("http://[2001:2::10]:8002/"));
        assertEquals("s3", curl("http://[2001:2::10]:8003/"));
        for (int port : new int[] {9001, 9002, 9003, 9000}) {
            BalancerLab.Result r = lab.tryExec("client", 10, "sh", "-c",
                    "echo hello-" + port + " | socat -t 0.5 - UDP4:198.18.0.10:" + port);
            assertEquals("hello-" + port, r.output().trim(), "UDP echo through the balancer on " + port);
        }
        String m = lab.metrics();
        assertTrue(BalancerLab.metric(m, "portredirect_balancer_decisions_total{rule=\"legacy_owner\"") >= 1, m);
        assertTrue(BalancerLab.metric(m, "portredirect_balancer_server_packets_total{server=\"s3\",direction=\"to_network\"") >= 1, m);
    }

    @Test
    void redirectSynsLandOnTheHashedServerInProportionToWeight() throws Exception {
        int count = 1000;
        int firstPort = 20000;
        InetAddress client = InetAddress.getByName(BalancerLab.CLIENT_IP);
        InetAddress vip = InetAddress.getByName(BalancerLab.VIP4);
        byte[] clientMac = macBytes(BalancerLab.CLIENT_MAC);
        byte[] gwMac = macBytes(BalancerLab.GW_NET_MAC);
        Predictor predictor = new Predictor(lab.labConfig());
        List<byte[]> frames = new ArrayList<>();
        Map<Integer, String> expected = new HashMap<>();
        for (int i = 0; i < count; i++) {
            int sport = firstPort + i;
            byte[] f = CraftedPacket.builder().ethernet(clientMac, gwMac).src(client, sport).dst(vip, 80)
                    .tcp(TcpView.SYN).seq(1_000_000L * i).mss(1460).redirect(RedirectExtension.redirect())
                    .build().encode();
            frames.add(f);
            expected.put(sport, predictor.serverFor(f));
        }
        Path file = lab.work.resolve("syns.bin");
        LabProbe.writeFrames(file, frames);

        String filter = "tcp dst port 80 and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn and src host " + BalancerLab.CLIENT_IP;
        Map<String, BalancerLab.Capture> captures = new TreeMap<>();
        for (String s : List.of("s1", "s2", "s3")) {
            captures.put(s, lab.capture(s, "eth0", filter));
        }
        BalancerLab.Result sent = lab.probe("client", 60, "inject", "eth0", file.toString(), "200");
        assertEquals(0, sent.exit(), sent.output());
        Thread.sleep(1000);

        Map<String, Integer> observed = new TreeMap<>();
        int misplaced = 0;
        int seen = 0;
        for (Map.Entry<String, BalancerLab.Capture> e : captures.entrySet()) {
            List<Integer> ports = BalancerLab.sourcePorts(e.getValue().stop());
            observed.put(e.getKey(), ports.size());
            for (int p : ports) {
                if (p >= firstPort && p < firstPort + count) {
                    seen++;
                    if (!e.getKey().equals(expected.get(p))) {
                        misplaced++;
                    }
                }
            }
        }
        int weightSum = 0;
        for (String s : observed.keySet()) {
            weightSum += predictor.weight(s);
        }
        StringBuilder report = new StringBuilder("REDIRECT SYNs per server (weight, share, expected share):");
        for (Map.Entry<String, Integer> e : observed.entrySet()) {
            report.append(String.format(" %s=%d (w%d, %.1f%%, %.1f%%)", e.getKey(), e.getValue(), predictor.weight(e.getKey()),
                    100.0 * e.getValue() / count, 100.0 * predictor.weight(e.getKey()) / weightSum));
        }
        System.out.println(report);
        assertEquals(count, seen, "every SYN reached exactly one server; " + report);
        assertEquals(0, misplaced, "every SYN on the server the consistent hash names; " + report);
        // the weighted table approximates the weights; 1000 samples: 5 points is > 3 sigma
        double tolerance = 0.05;
        for (Map.Entry<String, Integer> e : observed.entrySet()) {
            double share = (double) e.getValue() / count;
            double want = (double) predictor.weight(e.getKey()) / weightSum;
            assertTrue(Math.abs(share - want) <= tolerance, e.getKey() + " share " + share + " vs weight share " + want + "; " + report);
        }
        String m = lab.metrics();
        assertTrue(BalancerLab.metric(m, "portredirect_balancer_decisions_total{rule=\"redirect_hash\"") >= count, m);
        assertTrue(balancer.isAlive());
    }

    static byte[] macBytes(String mac) {
        return Bytes.fromHex(mac.replace(":", ""));
    }
}
