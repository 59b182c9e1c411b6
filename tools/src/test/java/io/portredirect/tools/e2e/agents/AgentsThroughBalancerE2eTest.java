package io.portredirect.tools.e2e.agents;

import io.portredirect.protocol.io.RawPort;
import io.portredirect.protocol.lab.Await;
import io.portredirect.protocol.lab.LabExtension;
import io.portredirect.protocol.lab.LabTest;
import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.PacketParser;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.wire.RedirectExtension;
import io.portredirect.tools.e2e.support.AgentStack;
import io.portredirect.tools.e2e.support.BalancerProcess;
import io.portredirect.tools.e2e.support.Capture;
import io.portredirect.tools.e2e.support.ClientAgentProcess;
import io.portredirect.tools.e2e.support.CommandResult;
import io.portredirect.tools.e2e.support.E2eLab;
import io.portredirect.tools.e2e.support.Metrics;
import io.portredirect.tools.e2e.support.Segment;
import io.portredirect.tools.e2e.support.ServerAgentProcess;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The must-show through the REAL balancer, server agents and client agents in the lab
 * (prefix "pria"): s1, s2 l2 and s3 l3 behind the balancer, a server agent on each (redirect port
 * 80, service port 800N), two client agents in the client namespace: "nocache" (cache TTL 0, so
 * every connection probes; probe ports 61000-61999, listener 127.0.0.1:8080) and "cached" (TTL
 * 60 s, probe ports 62000-62099, listener 127.0.0.1:8081), both to VIP:80 with service ports
 * 8000-8999 allowed. Tests run in order on the one topology.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@LabTest
class AgentsThroughBalancerE2eTest {
    @RegisterExtension
    static final LabExtension<E2eLab> LAB = LabExtension.of(() -> E2eLab.up("pria", E2eLab.options(), "curl"));

    static final String VIP = E2eLab.VIP4;
    static final int NOCACHE = 8080;
    static final int CACHED = 8081;
    static final int FORGED_PORT = 40000;

    static E2eLab lab;
    static BalancerProcess balancer;
    static List<ServerAgentProcess> servers;
    static ClientAgentProcess nocache;
    static ClientAgentProcess cached;

    @BeforeAll
    static void up(E2eLab fixture) throws Exception {
        lab = fixture;
        AgentStack stack = AgentStack.on(lab)
                .clientAgent("nocache", NOCACHE, "61000-61999", "0s")
                .clientAgent("cached", CACHED, "62000-62099", "60s")
                .start();
        balancer = stack.balancer();
        servers = stack.servers();
        nocache = stack.client("nocache");
        cached = stack.client("cached");
    }

    static ServerAgentProcess server(int n) {
        return servers.get(n - 1);
    }

    /** The server agents' counters once their once-a-second stats lines have caught up with a quiet lab. */
    static long[] quietSynAcks() throws InterruptedException {
        Thread.sleep(1200);
        return new long[] {0, server(1).stats().synAcks(), server(2).stats().synAcks(), server(3).stats().synAcks()};
    }

    static boolean probePort(int port) {
        return port >= 61000 && port <= 61999;
    }

    @Test
    @Order(1)
    void probeThenKernelConnectionOnTheServicePortThroughTheBalancer() throws Exception {
        long[] before = quietSynAcks();
        long[] rstsBefore = {0, server(1).stats().probeRsts(), server(2).stats().probeRsts(), server(3).stats().probeRsts()};
        Metrics m0 = balancer.metrics();
        Capture cap = lab.capture("client", "eth0", "tcp and host " + VIP);

        CommandResult curl = lab.run("client", 15, "curl", "-s", "-S", "-m", "5", "http://127.0.0.1:" + NOCACHE + "/");
        List<Segment> segs = cap.stop();
        String all = cap.dump();
        assertEquals(0, curl.exit(), curl + "\n" + lab.diagnostics());

        // the probe: SYN from a reserved port carrying REDIRECT (no port) to VIP:80
        Segment syn = segs.stream().filter(s -> s.isSyn() && s.dstPort() == 80 && probePort(s.srcPort())).findFirst()
                .orElseThrow(() -> new AssertionError("no probe SYN to VIP:80\n" + all));
        assertEquals(lab.clientAddress(), syn.src());
        assertEquals(VIP, syn.dst());
        assertTrue(syn.redirect() && !syn.confirm() && syn.redirectPort() == 0, "SYN carries REDIRECT only: " + syn);
        // the answer that came back through the balancer: CONFIRM + OPT=Y
        Segment synAck = segs.stream().filter(s -> s.isSynAck() && s.srcPort() == 80 && s.dstPort() == syn.srcPort()).findFirst()
                .orElseThrow(() -> new AssertionError("no SYN-ACK to the probe\n" + all));
        assertEquals(VIP, synAck.src(), "the answer comes from the VIP (s3's own address rewritten by the balancer)");
        assertTrue(synAck.confirm(), "SYN-ACK carries REDIRECT_CONFIRM: " + synAck);
        int y = synAck.redirectPort();
        assertTrue(y >= 8001 && y <= 8003, "REDIRECT_OPT names a lab service port: " + synAck);
        assertEquals(syn.seq() + 1, synAck.ack());
        // the probe's RST (with REDIRECT), then the kernel's own connection to VIP:Y
        Segment rst = segs.stream().filter(s -> s.isRst() && s.srcPort() == syn.srcPort() && s.dstPort() == 80).findFirst()
                .orElseThrow(() -> new AssertionError("no RST closing the probe\n" + all));
        assertTrue(rst.redirect(), "the probe's RST carries REDIRECT: " + rst);
        assertEquals(synAck.ack(), rst.seq());
        Segment kernelSyn = segs.stream().filter(s -> s.isSyn() && s.dstPort() == y).findFirst()
                .orElseThrow(() -> new AssertionError("no kernel connection to VIP:" + y + "\n" + all));
        assertFalse(kernelSyn.hasRedirectOption(), "the kernel's SYN carries no option");
        assertFalse(probePort(kernelSyn.srcPort()), "the real connection uses an ordinary ephemeral port");
        assertEquals(VIP, kernelSyn.dst());
        assertTrue(syn.index() < synAck.index() && synAck.index() < rst.index() && rst.index() < kernelSyn.index(),
                "order: probe SYN, SYN-ACK, RST, kernel SYN\n" + all);
        assertTrue(segs.stream().anyMatch(s -> s.isSynAck() && s.srcPort() == y && s.dstPort() == kernelSyn.srcPort()),
                "the server's kernel accepted VIP:" + y + "\n" + all);
        assertTrue(segs.stream().noneMatch(s -> probePort(s.srcPort()) && !s.isSyn() && !s.isRst()),
                "the probe never completes a handshake\n" + all);
        long probeSyns = segs.stream().filter(s -> s.isSyn() && s.srcPort() == syn.srcPort()).count();

        // the body names the server that owns Y ...
        int owner = y - 8000;
        assertEquals("s" + owner, curl.text(), "served by the owner of " + y);
        // ... which is the server the balancer hashed the probe to: only its agent answered, and saw the RST
        ServerAgentProcess.Stats answered = server(owner).awaitStats(s -> s.synAcks() >= before[owner] + probeSyns
                && s.probeRsts() > rstsBefore[owner], Duration.ofSeconds(4));
        assertEquals(before[owner] + probeSyns, answered.synAcks(), "s" + owner + "'s agent answered the probe: " + answered.line());
        assertEquals(rstsBefore[owner] + 1, answered.probeRsts(), "the probe's RST reached the same server: " + answered.line());
        Metrics d = balancer.metrics().minus(m0);
        for (int n = 1; n <= 3; n++) {
            if (n != owner) {
                assertEquals(before[n], server(n).stats().synAcks(), "s" + n + "'s agent saw no probe");
                assertEquals(0, d.toServer("s" + n), "the balancer sent nothing to s" + n + "\n" + d);
            }
        }
        assertEquals(probeSyns + 1, d.decisions("redirect_hash"), "probe SYN(s) and RST hashed\n" + d);
        assertTrue(d.decisions("service_port") >= 3, "the kernel connection went by service port\n" + d);
        assertEquals(d.decisions("redirect_hash") + d.decisions("service_port"), d.toServer("s" + owner),
                "every packet of the exchange went to s" + owner + "\n" + d);
        System.out.printf("[e2e agents] probe %s:%d -> SYN-ACK CONFIRM OPT=%d -> RST -> kernel %s:%d; body %s; balancer hashed to s%d%n",
                syn.src(), syn.srcPort(), y, VIP, y, curl.text(), owner);
    }

    @Test
    @Order(2)
    void legacyClientWithoutAgentIsStillServedOnTheSameVip() throws Exception {
        long[] before = quietSynAcks();
        Metrics m0 = balancer.metrics();
        assertEquals("s1", curlDirect("http://" + VIP + "/"), "redirect port without REDIRECT: its owner s1");
        assertEquals("s1", curlDirect("http://[" + E2eLab.VIP6 + "]/"), "and over IPv6");
        for (int n = 1; n <= 3; n++) {
            assertEquals("s" + n, curlDirect("http://" + VIP + ":" + (8000 + n) + "/"), "service port 800" + n);
        }
        Metrics d = balancer.metrics().minus(m0);
        assertTrue(d.decisions("legacy_owner") >= 6, d.toString());
        assertEquals(0, d.decisions("redirect_hash"), "no REDIRECT anywhere\n" + d);
        long[] after = quietSynAcks();
        for (int n = 1; n <= 3; n++) {
            assertEquals(before[n], after[n], "s" + n + "'s agent left the legacy SYN to its kernel");
        }
    }

    static String curlDirect(String url) {
        CommandResult r = lab.run("client", 15, "curl", "-s", "-S", "-m", "5", "-g", url);
        assertEquals(0, r.exit(), url + ": " + r);
        return r.text();
    }

    @Test
    @Order(3)
    void agentConnectionsSpreadAcrossTheGroupByWeight() throws Exception {
        int count = 300;
        long[] before = quietSynAcks();
        nocache.settle();
        Map<String, Long> c0 = nocache.stats();
        Metrics m0 = balancer.metrics();

        // one at a time: concurrent connections to the same VIP:port share one probe (the agent's Resolver)
        long t0 = System.nanoTime();
        List<Http.Reply> replies = Http.many(lab, "client", "127.0.0.1", NOCACHE, count, 1);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        Map<String, Integer> tally = Http.tally(replies);
        assertEquals(count, replies.stream().filter(Http.Reply::ok).count(), tally + "\n" + Http.failures(replies));

        // weights 1:2:1 -> 25 % / 50 % / 25 %; 300 samples: one standard deviation is 7.5 / 8.7 connections.
        // Tolerance: +-10 percentage points (30 connections, > 3.4 sigma) of the weight share.
        double[] share = {0, 0.25, 0.5, 0.25};
        StringBuilder line = new StringBuilder("[e2e agents] " + count + " agent connections in " + ms + " ms (cache off, one probe each):");
        for (int n = 1; n <= 3; n++) {
            int got = tally.getOrDefault("s" + n, 0);
            line.append(String.format(" s%d=%d (%.1f%%, weight share %.0f%%)", n, got, 100.0 * got / count, 100 * share[n]));
        }
        System.out.println(line);
        for (int n = 1; n <= 3; n++) {
            int got = tally.getOrDefault("s" + n, 0);
            assertTrue(Math.abs(got - share[n] * count) <= 0.10 * count, line.toString());
        }

        nocache.settle();
        long probes = nocache.stat("probes") - c0.get("probes");
        long syns = nocache.stat("probe_syns") - c0.get("probe_syns");
        assertEquals(count, probes, "cache off: every connection probed");
        assertEquals(0, nocache.stat("cache_hits") - c0.get("cache_hits"));
        assertEquals(count, nocache.stat("probe_redirected") - c0.get("probe_redirected"));
        long[] after = quietSynAcks();
        long answered = 0;
        for (int n = 1; n <= 3; n++) {
            long a = after[n] - before[n];
            answered += a;
            assertTrue(a >= tally.getOrDefault("s" + n, 0), "s" + n + "'s agent answered every probe its body counts: " + a + " vs " + tally);
        }
        assertEquals(syns, answered, "each probe SYN (retransmissions included) was answered by exactly one server agent");
        Metrics d = balancer.metrics().minus(m0);
        assertTrue(d.decisions("redirect_hash") >= syns + probes, "SYNs and RSTs hashed\n" + d);
    }

    @Test
    @Order(4)
    void withTheCacheRepeatConnectionsSkipTheProbe() throws Exception {
        Http.Reply first = Http.get(lab, "client", "127.0.0.1", CACHED, "/");
        assertTrue(first.ok(), first + "\n" + lab.diagnostics());
        assertEquals(1, cached.awaitStat("probes", v -> v >= 1), "the first connection probed");
        cached.settle();
        long probes = cached.stat("probes");
        long hits = cached.stat("cache_hits");
        Capture cap = lab.capture("client", "eth0", "tcp and (src portrange 62000-62099 or dst portrange 62000-62099)");
        List<Http.Reply> again = Http.many(lab, "client", "127.0.0.1", CACHED, 20, 1);
        List<Segment> probeTraffic = cap.stop();
        assertTrue(again.stream().allMatch(r -> r.ok() && r.body().equals(first.body())),
                "every repeat went to " + first.body() + ": " + Http.tally(again));
        assertEquals(hits + 20, cached.awaitStat("cache_hits", v -> v >= hits + 20));
        assertEquals(probes, cached.stat("probes"), "no probe while the cache is fresh");
        assertTrue(probeTraffic.isEmpty(), "no probe packet on the wire:\n" + cap.dump());
        System.out.println("[e2e agents] cache on: 1 probe, then 20 connections from the cache to " + first.body() + ", 0 probe packets");
    }

    @Test
    @Order(5)
    void forgedSynAckWithAnOutOfRangePortIsIgnoredAndCounted() throws Exception {
        // A stand-in on the gw's network side answers every probe SYN, naming a port outside 8000-8999.
        // To make it win the race every time, the server agents are frozen (SIGSTOP) until it has
        // answered; the SYN waits in their capture buffers and the real answer follows (SIGCONT).
        AtomicInteger forged = new AtomicInteger();
        byte[] gwMac = RawPort.parseMac(E2eLab.GW_NET_MAC);
        byte[] clientMac = RawPort.parseMac(E2eLab.CLIENT_MAC);
        RawPort gw = lab.rawPort("gw", "net0", "tcp dst port 80 and dst host " + VIP + " and tcp[tcpflags] & tcp-syn != 0"
                + " and src portrange 61000-61999", RawPort.Direction.IN);
        ParsedPacket p = new ParsedPacket();
        gw.start((frame, length) -> {
            PacketParser.parseFrame(frame, 0, length, p);
            if (!p.ok() || !p.isTcp() || (p.tcpFlags() & TcpView.ACK) != 0) {
                return;
            }
            long seq = Bytes.u32(frame, p.l4Offset() + TcpView.SEQ_OFFSET);
            try {
                InetAddress client = InetAddress.getByAddress(Arrays.copyOfRange(frame, p.srcAddrOffset(), p.srcAddrOffset() + 4));
                byte[] f = CraftedPacket.builder().ethernet(gwMac, clientMac)
                        .src(InetAddress.getByName(VIP), 80).dst(client, p.srcPort())
                        .tcp(TcpView.SYN | TcpView.ACK).seq(ThreadLocalRandom.current().nextLong(1L << 32)).ack((seq + 1) & 0xFFFFFFFFL)
                        .window(65535).mss(1460).redirect(RedirectExtension.confirm(FORGED_PORT)).build().encode();
                gw.send(f);
                forged.incrementAndGet();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        nocache.settle();
        Map<String, Long> c0 = nocache.stats();
        Capture cap = lab.capture("client", "eth0", "tcp port " + FORGED_PORT);
        List<Http.Reply> replies = new ArrayList<>();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            for (int i = 0; i < 5; i++) {
                int before = forged.get();
                servers.forEach(s -> s.signal("STOP"));
                try {
                    Future<Http.Reply> r = pool.submit(() -> Http.get(lab, "client", "127.0.0.1", NOCACHE, "/"));
                    Await.holdsWithin(Duration.ofSeconds(2), Duration.ofMillis(2), () -> forged.get() != before);
                    servers.forEach(s -> s.signal("CONT"));
                    replies.add(r.get(20, TimeUnit.SECONDS));
                } finally {
                    servers.stream().filter(ServerAgentProcess::isAlive).forEach(s -> s.signal("CONT"));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        List<Segment> toForged = cap.stop();
        gw.close();
        assertTrue(replies.stream().allMatch(Http.Reply::ok), Http.tally(replies) + "\n" + Http.failures(replies));
        assertTrue(replies.stream().allMatch(r -> r.body().matches("s[123]")), Http.tally(replies).toString());
        assertEquals(5, forged.get(), "one forged answer per probe");
        nocache.settle();
        long ignored = nocache.stat("ignored_redirects") - c0.get("ignored_redirects");
        long late = nocache.stat("late_answers") - c0.get("late_answers");
        System.out.printf("[e2e agents] forged SYN-ACKs (OPT=%d): %d injected, %d ignored_redirects, %d late_answers; 5/5 served by %s%n",
                FORGED_PORT, forged.get(), ignored, late, Http.tally(replies));
        assertEquals(forged.get(), ignored, "every forged answer arrived first and was ignored and counted (late " + late + ")");
        assertEquals(5, nocache.stat("probe_redirected") - c0.get("probe_redirected"), "the real answers were used");
        assertTrue(toForged.isEmpty(), "nothing went to port " + FORGED_PORT + ":\n" + cap.dump());
    }

    @Test
    @Order(6)
    void stoppedServerAgentTheKernelAnswersAndTheAgentFallsBackToThePlainPort() throws Exception {
        ServerAgentProcess s2 = server(2);
        s2.stop();
        try {
            nocache.settle();
            Map<String, Long> c0 = nocache.stats();
            Capture cap = lab.capture("client", "eth0", "tcp and host " + VIP + " and port 80");
            List<Http.Reply> replies = Http.many(lab, "client", "127.0.0.1", NOCACHE, 20, 2);
            List<Segment> segs = cap.stop();
            Map<String, Integer> tally = Http.tally(replies);
            assertEquals(20, replies.stream().filter(Http.Reply::ok).count(), tally + "\n" + Http.failures(replies));
            assertFalse(tally.containsKey("s2"), "nothing is redirected to s2 without its agent: " + tally);
            nocache.settle();
            long notSupported = nocache.stat("probe_not_supported") - c0.get("probe_not_supported");
            long fallbacks = nocache.stat("fallbacks") - c0.get("fallbacks");
            System.out.printf("[e2e agents] s2's agent stopped: 20/20 served %s, %d probes got a plain SYN-ACK, %d fallbacks to VIP:80%n",
                    tally, notSupported, fallbacks);
            assertTrue(notSupported >= 1, "some probes were hashed to s2 (about half expected)");
            assertEquals(notSupported, fallbacks, "each unconfirmed probe fell back to VIP:80");
            assertTrue(tally.getOrDefault("s1", 0) >= fallbacks, "fallbacks are legacy connections: served by the owner s1");
            // on the wire: the s2 kernel's SYN-ACK without the option, the agent's RST, a plain kernel SYN to VIP:80
            Segment plain = segs.stream().filter(s -> s.isSynAck() && probePort(s.dstPort()) && !s.hasRedirectOption()).findFirst()
                    .orElseThrow(() -> new AssertionError("no plain SYN-ACK to a probe\n" + cap.dump()));
            assertTrue(segs.stream().anyMatch(s -> s.isRst() && s.srcPort() == plain.dstPort() && s.index() > plain.index()),
                    "the agent reset the probe\n" + cap.dump());
            assertTrue(segs.stream().anyMatch(s -> s.isSyn() && s.dstPort() == 80 && !probePort(s.srcPort()) && !s.hasRedirectOption()),
                    "a plain kernel connection to VIP:80\n" + cap.dump());
        } finally {
            s2.start();
            s2.awaitReady();
        }
    }
}
