package io.portredirect.clientagent.probe;

import io.portredirect.clientagent.config.FallbackPolicy;
import io.portredirect.protocol.config.TransportProtocol;
import io.portredirect.clientagent.config.ProbeConfig;
import io.portredirect.clientagent.config.VipConfig;
import io.portredirect.clientagent.negotiate.FlowRegistry;
import io.portredirect.clientagent.negotiate.MidFlowWatcher;
import io.portredirect.clientagent.negotiate.NegativeCache;
import io.portredirect.clientagent.negotiate.ProbeOutcome;
import io.portredirect.clientagent.negotiate.RedirectCache;
import io.portredirect.clientagent.negotiate.Resolver;
import io.portredirect.clientagent.negotiate.VipPolicy;
import io.portredirect.clientagent.stats.AgentStats;
import io.portredirect.clientagent.stats.Counter;
import io.portredirect.protocol.config.PortRange;
import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.PacketParser;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.wire.RedirectExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The live engine, capture dispatcher and mid-flow watcher against a fake link: no network, real threads. */
class ProbeEngineTest {
    static final InetAddress LOCAL = addr("198.18.52.1");
    static final InetAddress VIP = addr("198.18.53.10");
    static final VipPolicy POLICY = new VipPolicy(new VipConfig(VIP, List.of(new PortRange(20000, 20099))), Set.of(80));

    final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();
    final AgentStats stats = new AgentStats();
    final FakeLink link = new FakeLink();

    static InetAddress addr(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Records what the engine sends; can be told to fail path resolution. */
    static final class FakeLink implements ProbeLink {
        final LinkedBlockingQueue<CraftedPacket> sent = new LinkedBlockingQueue<>();
        volatile boolean noRoute;
        /** Sends that fail before one goes through (a host dropping the probe SYN locally). */
        final java.util.concurrent.atomic.AtomicInteger failSends = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public Path prepare(InetAddress vip) throws IOException {
            if (noRoute) {
                throw new IOException("no route");
            }
            return new Path(LOCAL, null, null);
        }

        @Override
        public Path cached(InetAddress vip) {
            return noRoute ? null : new Path(LOCAL, null, null);
        }

        @Override
        public void send(CraftedPacket packet, Path path) throws IOException {
            if (failSends.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new IOException("send dropped");
            }
            sent.add(packet);
        }

        CraftedPacket next() throws InterruptedException {
            return sent.poll(5, TimeUnit.SECONDS);
        }
    }

    @AfterEach
    void stop() {
        loop.shutdownNow();
    }

    ProbeEngine engine(PortRange ports, Duration timeout, int retries) {
        return new ProbeEngine(new ProbeConfig("fake0", ports, timeout, retries, 0), Map.of(VIP, POLICY), link, loop, Runnable::run, stats, 1500);
    }

    static ParsedPacket parse(byte[] ip) {
        return PacketParser.parseIp(ip, 0, ip.length, new ParsedPacket());
    }

    static long seq(CraftedPacket p) {
        return p.seq();
    }

    CaptureDispatcher dispatcher(ProbeEngine e, Resolver r, FlowRegistry flows) {
        return new CaptureDispatcher(loop, false, e, new MidFlowWatcher(flows, r, stats), stats);
    }

    Resolver resolver(ProbeEngine e) {
        return new Resolver(new RedirectCache(Duration.ofMinutes(1)), e, Map.of(VIP, POLICY), FallbackPolicy.PLAIN, 3, stats);
    }

    void capture(CaptureDispatcher d, CraftedPacket p) {
        byte[] b = p.encode();
        d.frame(b, b.length);
    }

    @Test
    void negotiatesThroughTheCapture() throws Exception {
        ProbeEngine e = engine(new PortRange(61000, 61009), Duration.ofSeconds(5), 0);
        CaptureDispatcher d = dispatcher(e, resolver(e), new FlowRegistry());
        CompletableFuture<ProbeOutcome> f = e.probe(VIP, 80, 0);
        CraftedPacket syn = link.next();
        assertEquals(TcpView.SYN, syn.tcpFlags());
        ParsedPacket sp = parse(syn.encode());
        assertEquals(2, sp.buffer()[sp.l4Offset() + 20], "MSS option first");
        assertEquals(1460, Bytes.u16(sp.buffer(), sp.l4Offset() + 22), "MSS = MTU 1500 - 40");
        assertTrue(new PortRange(61000, 61009).contains(syn.srcPort()));
        // a forged answer first (out of range), then the genuine one
        capture(d, CraftedPacket.builder().src(VIP, 80).dst(LOCAL, syn.srcPort()).tcp(TcpView.SYN | TcpView.ACK)
                .seq(1).ack(seq(syn) + 1).redirect(RedirectExtension.confirm(45000)).build());
        capture(d, CraftedPacket.builder().src(VIP, 80).dst(LOCAL, syn.srcPort()).tcp(TcpView.SYN | TcpView.ACK)
                .seq(1).ack(seq(syn) + 1).redirect(RedirectExtension.confirm(20001)).build());
        ProbeOutcome o = f.get(5, TimeUnit.SECONDS);
        assertEquals(ProbeOutcome.Result.REDIRECTED, o.result());
        assertEquals(20001, o.port());
        CraftedPacket rst = link.next();
        assertEquals(TcpView.RST, rst.tcpFlags());
        assertEquals((seq(syn) + 1) & 0xFFFFFFFFL, rst.seq());
        assertEquals(1, stats.get(Counter.IGNORED_REDIRECTS));
        assertEquals(1, stats.get(Counter.PROBE_REDIRECTED));
        assertEquals(1, stats.get(Counter.PROBE_RSTS));
        assertEquals(0, stats.pendingProbes().get());
    }

    ProbeEngine engine(PortRange ports, Duration timeout, int retries, boolean newPort, NegativeCache failed) {
        return new ProbeEngine(new ProbeConfig("fake0", ports, timeout, retries, 0, newPort), Map.of(VIP, POLICY), link, loop,
                Runnable::run, stats, 1500, failed);
    }

    /** Answers {@code syn} as a server agent would: CONFIRM + OPT=y. */
    void confirm(CaptureDispatcher d, CraftedPacket syn, int y) {
        capture(d, CraftedPacket.builder().src(VIP, 80).dst(LOCAL, syn.srcPort()).tcp(TcpView.SYN | TcpView.ACK)
                .seq(1).ack(seq(syn) + 1).redirect(RedirectExtension.confirm(y)).build());
    }

    @Test
    void retriesThenTimesOut() throws Exception {
        ProbeEngine e = engine(new PortRange(61000, 61009), Duration.ofMillis(20), 2, false, NegativeCache.disabled());
        ProbeOutcome o = e.probe(VIP, 80, 0).get(5, TimeUnit.SECONDS);
        assertEquals(ProbeOutcome.Result.TIMED_OUT, o.result());
        assertEquals(3, link.sent.size(), "first SYN + 2 retransmissions, no RST");
        assertEquals(3, stats.get(Counter.PROBE_SYNS));
        assertEquals(1, link.sent.stream().map(CraftedPacket::seq).distinct().count(), "retransmissions repeat the ISN");
    }

    @Test
    void retriesLeaveFromNewSourcePorts() throws Exception {
        ProbeEngine e = engine(new PortRange(61000, 61009), Duration.ofMillis(20), 2);
        ProbeOutcome o = e.probe(VIP, 80, 0).get(5, TimeUnit.SECONDS);
        assertEquals(ProbeOutcome.Result.TIMED_OUT, o.result());
        assertEquals(3, link.sent.size(), "first SYN + 2 retries, no RST");
        assertEquals(3, link.sent.stream().map(CraftedPacket::srcPort).distinct().count(), "each retry a new hash on the balancer");
        assertEquals(3, link.sent.stream().map(CraftedPacket::seq).distinct().count(), "and a new ISN");
        assertEquals(2, stats.get(Counter.PROBE_RETRIES_NEW_PORT));
        assertEquals(0, stats.pendingProbes().get());
    }

    @Test
    void aLateAnswerOnTheFirstPortStillCountsAndTheOtherPortIsFreed() throws Exception {
        ProbeEngine e = engine(new PortRange(61000, 61009), Duration.ofMillis(150), 2);
        CaptureDispatcher d = dispatcher(e, resolver(e), new FlowRegistry());
        CompletableFuture<ProbeOutcome> f = e.probe(VIP, 80, 0);
        CraftedPacket first = link.next();
        CraftedPacket second = link.next();
        assertTrue(first.srcPort() != second.srcPort());
        confirm(d, first, 20001);
        ProbeOutcome o = f.get(5, TimeUnit.SECONDS);
        assertEquals(ProbeOutcome.Result.REDIRECTED, o.result());
        assertEquals(20001, o.port());
        assertEquals(TcpView.RST, link.next().tcpFlags());
        // the retry's own answer comes later: no probe waits on that port any more, so it is reset
        confirm(d, second, 20002);
        CraftedPacket rst = link.next();
        assertEquals(TcpView.RST, rst.tcpFlags());
        assertEquals(second.srcPort(), rst.srcPort());
        assertEquals(1, stats.get(Counter.LATE_ANSWERS));
        assertEquals(0, stats.pendingProbes().get());
    }

    @Test
    void aServerThatStopsAnsweringIsAvoidedByTheNextProbes() throws Exception {
        NegativeCache failed = new NegativeCache(Duration.ofSeconds(30), Duration.ofSeconds(60), 16, System::nanoTime);
        ProbeEngine e = engine(new PortRange(61000, 61003), Duration.ofMillis(100), 2, true, failed);
        CaptureDispatcher d = dispatcher(e, resolver(e), new FlowRegistry());
        // the balancer sends ports 61000 and 61002 to the server of 20001, 61001 and 61003 to that of 20002
        for (int i = 0; i < 4; i++) {
            CompletableFuture<ProbeOutcome> f = e.probe(VIP, 80, 0);
            CraftedPacket syn = link.next();
            confirm(d, syn, syn.srcPort() % 2 == 0 ? 20001 : 20002);
            assertEquals(ProbeOutcome.Result.REDIRECTED, f.get(5, TimeUnit.SECONDS).result());
            assertEquals(TcpView.RST, link.next().tcpFlags());
        }
        // 20001's server dies: the probe from 61000 goes unanswered, which marks it failed; the retry leaves from 61001
        CompletableFuture<ProbeOutcome> f = e.probe(VIP, 80, 0);
        CraftedPacket syn = link.next();
        assertEquals(61000, syn.srcPort());
        CraftedPacket retry = link.next();
        assertEquals(61001, retry.srcPort());
        confirm(d, retry, 20002);
        ProbeOutcome o = f.get(5, TimeUnit.SECONDS);
        assertEquals(20002, o.port());
        assertEquals(TcpView.RST, link.next().tcpFlags());
        assertTrue(failed.isFailed(VIP, 20001));
        assertEquals(1, stats.get(Counter.SERVERS_MARKED_FAILED));
        // the next probe passes over 61002 (it led to 20001) and takes 61003
        CompletableFuture<ProbeOutcome> g = e.probe(VIP, 80, 0);
        CraftedPacket next = link.next();
        assertEquals(61003, next.srcPort());
        confirm(d, next, 20002);
        assertEquals(20002, g.get(5, TimeUnit.SECONDS).port());
        assertEquals(1, stats.get(Counter.NEGATIVE_CACHE_HITS));
    }

    @Test
    void probesWaitingOnAServerFoundDeadMoveOnWithoutWaitingOutTheirTimeout() throws Exception {
        NegativeCache failed = new NegativeCache(Duration.ofSeconds(30), Duration.ofSeconds(60), 16, System::nanoTime);
        ProbeEngine e = engine(new PortRange(61000, 61003), Duration.ofSeconds(1), 2, true, failed);
        CaptureDispatcher d = dispatcher(e, resolver(e), new FlowRegistry());
        // 61000 and 61001 lead to the server of 20001, 61002 and 61003 to that of 20002
        for (int i = 0; i < 4; i++) {
            CompletableFuture<ProbeOutcome> f = e.probe(VIP, 80, 0);
            CraftedPacket syn = link.next();
            confirm(d, syn, syn.srcPort() < 61002 ? 20001 : 20002);
            f.get(5, TimeUnit.SECONDS);
            link.next();
        }
        // 20001's server dies with two probes waiting on it, the second sent half a timeout later
        CompletableFuture<ProbeOutcome> a = e.probe(VIP, 80, 0);
        assertEquals(61000, link.next().srcPort());
        Thread.sleep(500);
        CompletableFuture<ProbeOutcome> b = e.probe(VIP, 80, 0);
        long bSent = System.nanoTime();
        assertEquals(61001, link.next().srcPort());
        CraftedPacket r1 = link.next();
        CraftedPacket r2 = link.next();
        long movedAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - bSent);
        assertTrue(movedAfter < 900, "b moved on when a's timeout found the server dead, not after its own 1 s: " + movedAfter + " ms");
        assertEquals(Set.of(61002, 61003), Set.of(r1.srcPort(), r2.srcPort()));
        confirm(d, r1, 20002);
        confirm(d, r2, 20002);
        assertEquals(20002, a.get(5, TimeUnit.SECONDS).port());
        assertEquals(20002, b.get(5, TimeUnit.SECONDS).port());
        assertEquals(1, stats.get(Counter.SERVERS_MARKED_FAILED));
        assertEquals(2, stats.get(Counter.PROBE_RETRIES_NEW_PORT));
        assertEquals(1, stats.get(Counter.NEGATIVE_CACHE_HITS), "b, moved early");
    }

    @Test
    void closeEndsAProbeHoldingTwoPortsOnce() throws Exception {
        ProbeEngine e = engine(new PortRange(61000, 61009), Duration.ofMillis(150), 2);
        CompletableFuture<ProbeOutcome> f = e.probe(VIP, 80, 0);
        link.next();
        link.next();
        e.close();
        assertEquals(ProbeOutcome.Result.NOT_SENT, f.get(5, TimeUnit.SECONDS).result());
        assertEquals(1, stats.get(Counter.PROBE_NOT_SENT));
        assertEquals(0, stats.pendingProbes().get());
    }

    @Test
    void lateAnswerIsReset() throws Exception {
        ProbeEngine e = engine(new PortRange(61000, 61009), Duration.ofSeconds(5), 0);
        CaptureDispatcher d = dispatcher(e, resolver(e), new FlowRegistry());
        capture(d, CraftedPacket.builder().src(VIP, 80).dst(LOCAL, 61005).tcp(TcpView.SYN | TcpView.ACK)
                .seq(1).ack(4242).redirect(RedirectExtension.confirm(20001)).build());
        CraftedPacket rst = link.next();
        assertNotNull(rst);
        assertEquals(TcpView.RST, rst.tcpFlags());
        assertEquals(4242, rst.seq());
        assertEquals(61005, rst.srcPort());
        assertEquals(80, rst.dstPort());
        assertEquals(1, stats.get(Counter.LATE_ANSWERS));
    }

    @Test
    void portsRunOut() throws Exception {
        ProbeEngine e = engine(PortRange.of(61000), Duration.ofSeconds(5), 0);
        CompletableFuture<ProbeOutcome> first = e.probe(VIP, 80, 0);
        assertNotNull(link.next());
        ProbeOutcome second = e.probe(VIP, 80, 0).get(5, TimeUnit.SECONDS);
        assertEquals(ProbeOutcome.Result.NOT_SENT, second.result());
        assertTrue(!first.isDone());
    }

    @Test
    void closeEndsWaitingProbes() throws Exception {
        ProbeEngine e = engine(new PortRange(61000, 61009), Duration.ofSeconds(30), 0);
        CompletableFuture<ProbeOutcome> waiting = e.probe(VIP, 80, 0);
        assertNotNull(link.next());
        e.close();
        assertEquals(ProbeOutcome.Result.NOT_SENT, waiting.get(5, TimeUnit.SECONDS).result());
        loop.shutdownNow();
        assertEquals(ProbeOutcome.Result.NOT_SENT, e.probe(VIP, 80, 0).get(5, TimeUnit.SECONDS).result(), "after shutdown");
    }

    @Test
    void unsendableProbes() throws Exception {
        ProbeEngine e = engine(new PortRange(61000, 61009), Duration.ofSeconds(5), 0);
        assertEquals(ProbeOutcome.Result.NOT_SENT, e.probe(addr("198.18.53.99"), 80, 0).get(5, TimeUnit.SECONDS).result());
        link.noRoute = true;
        assertEquals(ProbeOutcome.Result.NOT_SENT, e.probe(VIP, 80, 0).get(5, TimeUnit.SECONDS).result());
        assertEquals(2, stats.get(Counter.PROBE_NOT_SENT));
        assertNull(link.sent.poll());
    }

    @Test
    void aProbeSynTheHostFailedToSendIsRetriedLikeALostOne() throws Exception {
        ProbeEngine e = engine(new PortRange(61000, 61009), Duration.ofMillis(50), 2);
        link.failSends.set(1);
        CompletableFuture<ProbeOutcome> f = e.probe(VIP, 80, 0);
        CraftedPacket retry = link.next();
        assertNotNull(retry, "the retry timer sent the SYN again");
        assertTrue(!f.isDone(), "the probe still waits for an answer");
        assertEquals(1, stats.get(Counter.SEND_FAILURES));
        assertEquals(0, stats.get(Counter.PROBE_NOT_SENT));
    }

    @Test
    void portsAreHandedOutRoundRobin() throws Exception {
        ProbeEngine e = engine(new PortRange(61000, 61002), Duration.ofMillis(5), 0);
        int[] used = new int[4];
        for (int i = 0; i < 4; i++) {
            e.probe(VIP, 80, 0).get(5, TimeUnit.SECONDS);
            used[i] = link.next().srcPort();
        }
        assertEquals(List.of(61000, 61001, 61002, 61000), List.of(used[0], used[1], used[2], used[3]));
    }

    @Test
    void midFlowRedirectMovesTheCache() throws Exception {
        ProbeEngine e = engine(new PortRange(61000, 61009), Duration.ofSeconds(5), 0);
        Resolver r = resolver(e);
        FlowRegistry flows = new FlowRegistry();
        CaptureDispatcher d = dispatcher(e, r, flows);
        FlowRegistry.Flow flow = new FlowRegistry.Flow(TransportProtocol.TCP, VIP, 80, 20001);
        // the kernel's SYN-ACK (isn 4) comes through the capture before the connect has completed
        capture(d, CraftedPacket.builder().src(VIP, 20001).dst(LOCAL, 40000).tcp(TcpView.SYN | TcpView.ACK).seq(4).ack(1).mss(1460).build());
        loop.submit(() -> { }).get();
        flows.register(40000, flow);
        CraftedPacket.Builder seg = CraftedPacket.builder().src(VIP, 20001).dst(LOCAL, 40000).tcp(TcpView.ACK | TcpView.PSH)
                .seq(5).ack(6).redirect(RedirectExtension.redirectTo(20007));
        capture(d, seg.seq(5 + 0x40000000L).redirect(RedirectExtension.redirectTo(20008)).build()); // far outside the window
        capture(d, seg.seq(5).redirect(RedirectExtension.redirectTo(20007)).build());
        capture(d, seg.dst(LOCAL, 40001).build()); // not one of our flows
        loop.submit(() -> { }).get();
        RedirectCache.Entry entry = r.cache().lookup(new RedirectCache.Key(TransportProtocol.TCP, VIP, 80));
        assertNotNull(entry);
        assertEquals(20007, entry.target());
        assertEquals(1, stats.get(Counter.MID_FLOW_REDIRECTS));
        assertEquals(1, stats.get(Counter.MID_FLOW_IGNORED));
        assertEquals(1, stats.get(Counter.MID_FLOW_OUT_OF_WINDOW), "the blind guess changed nothing");
    }

    @Test
    void midFlowRedirectWithoutTheFlowsHandshakeIsIgnored() throws Exception {
        ProbeEngine e = engine(new PortRange(61000, 61009), Duration.ofSeconds(5), 0);
        Resolver r = resolver(e);
        FlowRegistry flows = new FlowRegistry();
        CaptureDispatcher d = dispatcher(e, r, flows);
        flows.register(40000, new FlowRegistry.Flow(TransportProtocol.TCP, VIP, 80, 20001));
        capture(d, CraftedPacket.builder().src(VIP, 20001).dst(LOCAL, 40000).tcp(TcpView.ACK).seq(5).ack(6)
                .redirect(RedirectExtension.redirectTo(20007)).build());
        loop.submit(() -> { }).get();
        assertEquals(null, r.cache().lookup(new RedirectCache.Key(TransportProtocol.TCP, VIP, 80)));
        assertEquals(1, stats.get(Counter.MID_FLOW_NO_HANDSHAKE));
        assertEquals(0, stats.get(Counter.MID_FLOW_REDIRECTS));
    }
    @Test
    void anUpstreamSynAckAndAProbesAnswerAreHandledOnTheCaptureThreadWithoutWakingTheProbeLoop() throws Exception {
        ProbeEngine e = engine(new PortRange(61000, 61009), Duration.ofSeconds(5), 0);
        FlowRegistry flows = new FlowRegistry();
        java.util.concurrent.atomic.AtomicInteger handedOver = new java.util.concurrent.atomic.AtomicInteger();
        CaptureDispatcher d = new CaptureDispatcher(task -> handedOver.incrementAndGet(), false, e,
                new MidFlowWatcher(flows, resolver(e), stats), stats);
        FlowRegistry.Flow flow = new FlowRegistry.Flow(TransportProtocol.TCP, VIP, 80, 20001);
        flows.register(40000, flow);
        capture(d, CraftedPacket.builder().src(VIP, 20001).dst(LOCAL, 40000).tcp(TcpView.SYN | TcpView.ACK).seq(4).ack(1).mss(1460).build());
        assertEquals(0, handedOver.get(), "no hand-off to the probe loop for a connection's SYN-ACK");
        assertEquals(5, flow.window().next(), "the flow's receive window starts after the server's ISN");
        assertEquals(1, stats.get(Counter.CAPTURED));
        // a probe started on the caller's thread sends its SYN at once, and its answer completes it
        // on the capture thread: a cold connection wakes no probe loop either
        CompletableFuture<ProbeOutcome> f = e.probe(VIP, 80, 0);
        CraftedPacket syn = link.sent.poll();
        assertTrue(syn != null && syn.tcpFlags() == TcpView.SYN, "the SYN left before probe() returned");
        Thread capturing = Thread.currentThread();
        CompletableFuture<Thread> completedOn = f.thenApply(o -> Thread.currentThread());
        capture(d, CraftedPacket.builder().src(VIP, 80).dst(LOCAL, syn.srcPort()).tcp(TcpView.SYN | TcpView.ACK)
                .seq(1).ack(seq(syn) + 1).redirect(RedirectExtension.confirm(20005)).build());
        assertTrue(f.isDone(), "completed by the captured answer itself");
        assertEquals(20005, f.get().port());
        assertEquals(capturing, completedOn.get());
        assertEquals(0, handedOver.get(), "nothing handed to the probe loop");
    }
}
