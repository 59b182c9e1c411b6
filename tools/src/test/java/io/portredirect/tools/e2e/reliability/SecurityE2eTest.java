package io.portredirect.tools.e2e.reliability;

import io.portredirect.protocol.io.RawPort;
import io.portredirect.protocol.lab.LabExtension;
import io.portredirect.protocol.lab.LabTest;
import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.IcmpView;
import io.portredirect.protocol.packet.PacketParser;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.wire.RedirectExtension;
import io.portredirect.tools.e2e.support.BalancerProcess;
import io.portredirect.tools.e2e.support.BalancerYaml;
import io.portredirect.tools.e2e.support.Capture;
import io.portredirect.tools.e2e.support.ClientAgentProcess;
import io.portredirect.tools.e2e.support.ClientAgentYaml;
import io.portredirect.tools.e2e.support.E2eLab;
import io.portredirect.tools.e2e.support.Metrics;
import io.portredirect.tools.e2e.support.Segment;
import io.portredirect.tools.e2e.support.ServerAgentProcess;
import io.portredirect.tools.e2e.support.ServerAgentYaml;
import io.portredirect.tools.pcap.PcapFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static io.portredirect.tools.e2e.reliability.ConnectionStream.Attempt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile input against the real programs (prrs-*): a spoofed ICMP error quoting a port no server
 * owns is dropped and counted, and reaches nobody; a SYN flood carrying REDIRECT on the redirect
 * port leaves the balancer's live heap flat (it keeps no per-flow state); a client agent never
 * follows a forged answer naming a port outside its allowed range.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@LabTest
class SecurityE2eTest {
    static final String PREFIX = "prrs";
    @RegisterExtension
    static final LabExtension<E2eLab> LAB = LabExtension.of(() -> E2eLab.up(PREFIX, E2eLab.options().servers(false), "tc", "jcmd", "jstat"));
    static final String P = "portredirect_balancer_";
    static final int ICMP_EACH = 100;
    static final int FLOOD_WARMUP = 5_000;
    static final int FLOOD = 60_000;
    /** Live-heap growth allowed over the flood: 256 KiB for 60 000 flows is under 4.4 bytes a flow, less than any table entry. */
    static final double HEAP_GROWTH_BOUND_KIB = 256;
    static final String PROBE_PORTS = "61440-61503";
    static final int FORGED_PORT = 40000;
    static final int FORGED_CONNECTIONS = 6;
    /** ICMP, and ICMPv6 errors (types below 128: not the neighbour discovery the lab's hosts do on their own). */
    static final String ICMP_ERRORS = "icmp or (icmp6 and ip6[40] < 128)";

    static E2eLab lab;
    static EchoServers echo;
    static BalancerProcess balancer;
    static List<ServerAgentProcess> serverAgents = new ArrayList<>();
    static ClientAgentProcess agent;
    static byte[] clientMac;
    static byte[] gwMac;

    @BeforeAll
    static void up(E2eLab fixture) throws Exception {
        lab = fixture;
        echo = EchoServers.start(lab);
        balancer = lab.startBalancer(BalancerYaml.lab(), "--no-watch");
        for (int n = 1; n <= 3; n++) {
            serverAgents.add(lab.launchServerAgent(n, ServerAgentYaml.forServer(n)));
        }
        agent = lab.launchClientAgent("agent", "client", ClientAgentYaml.builderForLab(8081).sourcePorts(PROBE_PORTS)
                .cacheTtl("0s").timeout("100ms").retries(2).build());
        for (ServerAgentProcess s : serverAgents) {
            s.awaitReady();
        }
        agent.awaitReady();
        clientMac = RawPort.parseMac(E2eLab.CLIENT_MAC);
        gwMac = RawPort.parseMac(E2eLab.GW_NET_MAC);
    }

    @AfterAll
    static void down() {
        if (echo != null) {
            echo.close();
        }
    }

    /** What a server would have sent (source VIP:port, to the client), as an ICMP error quotes it: IP header + 8 bytes. */
    private static byte[] quote(InetAddress vip, int port, InetAddress client, boolean tcp) {
        CraftedPacket.Builder b = CraftedPacket.builder().src(vip, port).dst(client, 40000);
        byte[] ip = (tcp ? b.tcp(TcpView.SYN | TcpView.ACK) : b.udp().payload(new byte[16])).build().encode();
        return Arrays.copyOf(ip, (vip.getAddress().length == 4 ? 20 : 40) + 8);
    }

    /** Number of ICMP/ICMPv6 packets in a capture's pcap (Capture's segments are TCP/UDP only). */
    private static int icmpPackets(Capture c) throws Exception {
        c.stop();
        int n = 0;
        ParsedPacket p = new ParsedPacket();
        for (var f : PcapFiles.readAll(c.file())) {
            PacketParser.parseFrame(f.data(), 0, f.data().length, p);
            if (p.ok() && p.isIcmp()) {
                n++;
            }
        }
        return n;
    }

    @Test
    @Order(1)
    void spoofedIcmpErrorQuotingAPortNoServerOwnsIsDroppedAndReflectedNowhere() throws Exception {
        InetAddress vip = InetAddress.getByName(E2eLab.VIP4);
        InetAddress vip6 = InetAddress.getByName(E2eLab.VIP6);
        InetAddress client = InetAddress.getByName(E2eLab.CLIENT4);
        InetAddress client6 = InetAddress.getByName("2001:2::2");
        InetAddress router = InetAddress.getByName("198.18.0.99");
        InetAddress router6 = InetAddress.getByName("2001:2::99");
        List<byte[]> spoofed = new ArrayList<>();
        for (int i = 0; i < ICMP_EACH; i++) {
            int unowned = 12000 + i; // no server's service port, no redirect port
            spoofed.add(CraftedPacket.builder().ethernet(clientMac, gwMac).src(router, 0).dst(vip, 0)
                    .icmp(IcmpView.V4_DEST_UNREACHABLE, IcmpView.V4_CODE_FRAG_NEEDED, 1280).payload(quote(vip, unowned, client, true)).build().encode());
            spoofed.add(CraftedPacket.builder().ethernet(clientMac, gwMac).src(router, 0).dst(vip, 0)
                    .icmp(IcmpView.V4_TIME_EXCEEDED, 0, 0).payload(quote(vip, unowned, client, false)).build().encode());
            spoofed.add(CraftedPacket.builder().ethernet(clientMac, gwMac).src(router6, 0).dst(vip6, 0)
                    .icmp(IcmpView.V6_PACKET_TOO_BIG, 0, 1280).payload(quote(vip6, unowned, client6, true)).build().encode());
        }
        // control: errors quoting s1's service port 8001 must reach s1 (so the captures can see what gets through)
        int control = 10;
        List<byte[]> owned = new ArrayList<>();
        for (int i = 0; i < control; i++) {
            owned.add(CraftedPacket.builder().ethernet(clientMac, gwMac).src(router, 0).dst(vip, 0)
                    .icmp(IcmpView.V4_DEST_UNREACHABLE, IcmpView.V4_CODE_FRAG_NEEDED, 1280).payload(quote(vip, 8001, client, true)).build().encode());
        }

        List<Capture> servers = new ArrayList<>();
        for (int n = 1; n <= 3; n++) {
            servers.add(lab.capture("s" + n, "eth0", ICMP_ERRORS));
        }
        // any ICMP error the gw side sends back toward the client (gw's MAC as source: the kernel or the balancer)
        Capture back = lab.capture("client", "eth0", "(" + ICMP_ERRORS + ") and ether src " + E2eLab.GW_NET_MAC);
        Metrics before = balancer.metrics();
        RawPort port = lab.rawPort("client", "eth0", "ether proto 0x88b5", RawPort.Direction.IN);
        for (int i = 0; i < spoofed.size(); i++) {
            port.send(spoofed.get(i));
            if (i % 50 == 49) {
                Thread.sleep(2);
            }
        }
        Thread.sleep(300);
        for (byte[] f : owned) {
            port.send(f);
        }
        Thread.sleep(1000);
        Metrics d = balancer.metrics().minus(before);
        int[] atServer = new int[3];
        for (int n = 0; n < 3; n++) {
            atServer[n] = icmpPackets(servers.get(n));
        }
        int reflected = icmpPackets(back);
        long dropped = d.drops("icmp_quote_unknown_port");

        Stats.figure("spoofed ICMP", "%d spoofed ICMP errors (v4 frag-needed, v4 time-exceeded, v6 packet-too-big) quoting VIP ports no "
                        + "server owns: dropped as icmp_quote_unknown_port %d, all drops %d; ICMP seen on s1/s2/s3 %d/%d/%d (of which %d "
                        + "control errors quoting s1's port 8001), sent back toward the client %d",
                spoofed.size(), dropped, d.drops(null), atServer[0], atServer[1], atServer[2], control, reflected);

        String why = "\n" + d.nonZero();
        assertEquals(spoofed.size(), dropped, "every spoofed error was dropped with its reason" + why);
        assertEquals(control, d.get(P + "decisions_total", "rule", "icmp_error_service_port"), "the control errors were forwarded" + why);
        assertEquals(control, atServer[0], "s1 saw exactly the control errors, none of the spoofed ones");
        assertEquals(0, atServer[1] + atServer[2], "no ICMP reached s2 or s3");
        assertEquals(0, reflected, "nothing was reflected back toward the client");
    }

    @Test
    @Order(2)
    void synFloodWithRedirectLeavesTheBalancerMemoryFlat() throws Exception {
        InetAddress vip = InetAddress.getByName(E2eLab.VIP4);
        RawPort port = lab.rawPort("client", "eth0", "ether proto 0x88b5", RawPort.Direction.IN);
        Random rnd = new Random(7);
        // the warm-up runs the same code paths once, so what follows measures state, not class loading or JIT
        flood(port, vip, rnd, FLOOD_WARMUP, 0);
        Thread.sleep(500);
        long pid = balancer.pid();
        double heap0 = JvmHeap.liveKib(pid);
        long rss0 = JvmHeap.rssKib(pid);
        long agentsBefore = serverAgentSynAcks();
        Metrics before = balancer.metrics();
        long t0 = System.nanoTime();
        flood(port, vip, rnd, FLOOD, FLOOD_WARMUP);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Thread.sleep(1000);
        Metrics d = balancer.metrics().minus(before);
        double heap1 = JvmHeap.liveKib(pid);
        long rss1 = JvmHeap.rssKib(pid);
        Thread.sleep(1200); // the agents log their counters every second
        long answered = serverAgentSynAcks() - agentsBefore;
        long hashed = d.decisions("redirect_hash");
        long ring = d.get(P + "io_errors_total", "interface", "net0", "direction", "rx_ring");

        Stats.figure("SYN flood", "%d SYNs with REDIRECT to VIP:80 from %d distinct spoofed flows in %.1f s (%.0f/s): balancer hashed %d "
                        + "(ring losses %d), server agents answered %d; balancer live heap after full GC %.0f -> %.0f KiB (%+.0f KiB, "
                        + "%.2f bytes per flow), RSS %d -> %d KiB",
                FLOOD, FLOOD, seconds, FLOOD / seconds, hashed, ring, answered, heap0, heap1, heap1 - heap0,
                (heap1 - heap0) * 1024 / FLOOD, rss0, rss1);

        assertTrue(balancer.isAlive(), "the balancer survived the flood");
        assertEquals(FLOOD, hashed + ring, "every SYN was read and hashed to a server (or counted as lost in the capture ring)\n" + d.nonZero());
        assertTrue(heap1 - heap0 < HEAP_GROWTH_BOUND_KIB, "live heap grew by " + (heap1 - heap0) + " KiB over " + FLOOD + " flows");
        assertTrue(answered > 0, "the flood reached the server agents");
    }

    private static long serverAgentSynAcks() {
        long n = 0;
        for (ServerAgentProcess s : serverAgents) {
            n += s.stats().synAcks();
        }
        return n;
    }

    /** {@code count} SYNs carrying REDIRECT to VIP:80, each from its own spoofed address and port (198.19.0.0/16). */
    private static void flood(RawPort port, InetAddress vip, Random rnd, int count, int offset) throws Exception {
        for (int i = 0; i < count; i++) {
            int k = offset + i;
            InetAddress src = InetAddress.getByAddress(new byte[] {(byte) 198, 19, (byte) (k >> 8), (byte) k});
            byte[] syn = CraftedPacket.builder().ethernet(clientMac, gwMac).src(src, 1024 + rnd.nextInt(60000)).dst(vip, 80)
                    .tcp(TcpView.SYN).seq(rnd.nextInt() & 0xFFFFFFFFL).mss(1460).redirect(RedirectExtension.redirect()).build().encode();
            port.send(syn);
            if (i % 200 == 199) {
                Thread.sleep(4); // bounded rate (~30-50 k/s): the flood is about state, not about overrunning the ring
            }
        }
    }

    @Test
    @Order(3)
    void clientAgentNeverFollowsARedirectOutsideItsRange() throws Exception {
        // Legitimate answers to probes are lost on the servers' egress, so only forged ones reach the agent: for every
        // probe SYN the gw side answers twice, (1) right ack + CONFIRM + OPT=40000 (outside 8000-8999), (2) a wrong ack + OPT=8001.
        for (int n = 1; n <= 3; n++) {
            PacketLoss.add(lab, "s" + n, "eth0", "ip and tcp and src port 80 and dst portrange " + PROBE_PORTS, 1.0);
        }
        AtomicInteger forged = new AtomicInteger();
        RawPort gw = lab.rawPort("gw", "net0", "tcp dst port 80 and tcp[tcpflags] & tcp-syn != 0 and src portrange " + PROBE_PORTS,
                RawPort.Direction.IN);
        gw.start((frame, len) -> {
            ParsedPacket p = PacketParser.parseFrame(frame, 0, len, new ParsedPacket());
            if (!p.ok() || !p.isTcp() || !p.redirect().isPresent()) {
                return;
            }
            try {
                InetAddress client = InetAddress.getByAddress(Arrays.copyOfRange(frame, p.srcAddrOffset(), p.srcAddrOffset() + p.addrLength()));
                InetAddress vip = InetAddress.getByAddress(Arrays.copyOfRange(frame, p.dstAddrOffset(), p.dstAddrOffset() + p.addrLength()));
                long seq = Bytes.u32(frame, p.l4Offset() + TcpView.SEQ_OFFSET);
                gw.send(synAck(vip, client, p.srcPort(), seq + 1, RedirectExtension.confirm(FORGED_PORT)));
                gw.send(synAck(vip, client, p.srcPort(), seq + 7777, RedirectExtension.confirm(8001)));
                forged.addAndGet(2);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        Capture wire = lab.capture("client", "eth0", "tcp and (dst port " + FORGED_PORT + " or dst port 8001 or dst port 8002 or dst port 8003)");
        agent.settle();
        Map<String, Long> before = agent.stats();
        List<Attempt> attempts;
        try {
            ConnectionStream s = ConnectionStream.start(lab, "forged", new InetSocketAddress("127.0.0.1", 8081), 0, FORGED_CONNECTIONS, 30_000);
            attempts = s.awaitEnd();
        } finally {
            for (int n = 1; n <= 3; n++) {
                PacketLoss.remove(lab, "s" + n, "eth0");
            }
            gw.close();
        }
        agent.settle();
        Map<String, Long> after = agent.stats();
        List<Segment> upstream = wire.stop();
        long toForged = upstream.stream().filter(x -> x.isSyn() && x.dstPort() == FORGED_PORT).count();
        long toService = upstream.stream().filter(x -> x.isSyn() && x.dstPort() != FORGED_PORT).count();
        long ignoredRange = after.get("ignored_redirects") - before.get("ignored_redirects");
        long ignoredAck = after.get("ignored_wrong_ack") - before.get("ignored_wrong_ack");
        long timedOut = after.get("probe_timed_out") - before.get("probe_timed_out");
        long fallbacks = after.get("fallbacks") - before.get("fallbacks");

        Stats.figure("forged redirect", "%d connections through the client agent, every probe answered only by forgeries (%d sent): OPT=%d "
                        + "outside the allowed 8000-8999 ignored %d times, wrong-ack answers ignored %d times; probes timed out %d -> "
                        + "fallbacks %d; connections completed %d, landed %s; SYNs to port %d on the wire %d, to service ports %d",
                attempts.size(), forged.get(), FORGED_PORT, ignoredRange, ignoredAck, timedOut, fallbacks, ConnectionStream.completed(attempts),
                ConnectionStream.byBanner(attempts), FORGED_PORT, toForged, toService);

        assertEquals(FORGED_CONNECTIONS, attempts.size());
        assertTrue(forged.get() >= 2 * FORGED_CONNECTIONS, "the forger answered every probe: " + forged.get());
        assertEquals(0, toForged, "the agent connected to the forged port");
        assertEquals(0, toService, "the agent followed a forged answer (wrong ack) to a service port");
        assertTrue(ignoredRange >= FORGED_CONNECTIONS, "out-of-range answers counted: " + ignoredRange);
        assertTrue(ignoredAck >= FORGED_CONNECTIONS, "wrong-ack answers counted: " + ignoredAck);
        assertEquals(FORGED_CONNECTIONS, timedOut, "each probe ended without a usable answer");
        assertEquals(FORGED_CONNECTIONS, ConnectionStream.completed(attempts), "every connection fell back and completed:\n"
                + ConnectionStream.errors(attempts) + lab.diagnostics());
        assertEquals(Map.of("s1 80", FORGED_CONNECTIONS), ConnectionStream.byBanner(attempts), "plain VIP:80 (legacy owner s1)");
    }

    private static byte[] synAck(InetAddress vip, InetAddress client, int clientPort, long ack, RedirectExtension ext) {
        return CraftedPacket.builder().ethernet(gwMac, clientMac).src(vip, 80).dst(client, clientPort).tcp(TcpView.SYN | TcpView.ACK)
                .seq(0x1234_5678L).ack(ack & 0xFFFFFFFFL).mss(1460).redirect(ext).build().encode();
    }
}
