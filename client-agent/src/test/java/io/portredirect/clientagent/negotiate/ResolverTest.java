package io.portredirect.clientagent.negotiate;

import io.portredirect.clientagent.config.FallbackPolicy;
import io.portredirect.protocol.config.TransportProtocol;
import io.portredirect.clientagent.config.VipConfig;
import io.portredirect.clientagent.stats.AgentStats;
import io.portredirect.clientagent.stats.Counter;
import io.portredirect.protocol.config.PortRange;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Cache, chains and fallback policies against a scripted prober. */
class ResolverTest {
    static final InetAddress VIP = NegotiatorTest.VIP;
    static final VipPolicy POLICY = new VipPolicy(new VipConfig(VIP, List.of(new PortRange(20000, 20099))), Set.of(80, 81, 82, 83));

    final AtomicLong now = new AtomicLong();
    final AgentStats stats = new AgentStats();
    final Scripted prober = new Scripted();

    /** Answers probes from a queue and records which ports were probed. */
    static final class Scripted implements Prober {
        final Deque<ProbeOutcome> answers = new ArrayDeque<>();
        final List<String> probed = new ArrayList<>();
        CompletableFuture<ProbeOutcome> held;

        @Override
        public CompletableFuture<ProbeOutcome> probe(InetAddress vip, int port, int previousPort) {
            probed.add(port + (previousPort != 0 ? "<" + previousPort : ""));
            if (held != null) {
                return held;
            }
            return CompletableFuture.completedFuture(answers.removeFirst());
        }
    }

    Resolver resolver(FallbackPolicy policy, int maxChain) {
        return new Resolver(new RedirectCache(Duration.ofSeconds(30), now::get), prober, Map.of(VIP, POLICY), policy, maxChain, stats);
    }

    static ProbeOutcome o(ProbeOutcome.Result r, int port) {
        return ProbeOutcome.of(r, port);
    }

    @Test
    void negotiatesOnceThenServesFromTheCache() {
        Resolver r = resolver(FallbackPolicy.PLAIN, 3);
        prober.answers.add(o(ProbeOutcome.Result.REDIRECTED, 20001));
        assertEquals(new Resolution(Resolution.Kind.NEGOTIATED, 20001), r.resolve(VIP, 80).join());
        assertEquals(new Resolution(Resolution.Kind.CACHED, 20001), r.resolve(VIP, 80).join());
        assertEquals(new Resolution(Resolution.Kind.CACHED, 20001), r.resolve(VIP, 80).join());
        assertEquals(List.of("80"), prober.probed);
        assertEquals(2, stats.get(Counter.CACHE_HITS));
        assertEquals(1, stats.get(Counter.CACHE_MISSES));
    }

    @Test
    void probesAgainAfterTheTtl() {
        Resolver r = resolver(FallbackPolicy.PLAIN, 3);
        prober.answers.add(o(ProbeOutcome.Result.REDIRECTED, 20001));
        prober.answers.add(o(ProbeOutcome.Result.REDIRECTED, 20002));
        r.resolve(VIP, 80).join();
        now.addAndGet(Duration.ofSeconds(31).toNanos());
        assertEquals(20002, r.resolve(VIP, 80).join().port());
        assertEquals(2, prober.probed.size());
    }

    @Test
    void concurrentResolutionsShareOneProbe() {
        Resolver r = resolver(FallbackPolicy.PLAIN, 3);
        prober.held = new CompletableFuture<>();
        CompletableFuture<Resolution> a = r.resolve(VIP, 80);
        CompletableFuture<Resolution> b = r.resolve(VIP, 80);
        assertSame(a, b);
        prober.held.complete(o(ProbeOutcome.Result.REDIRECTED, 20009));
        assertEquals(20009, a.join().port());
        assertEquals(1, prober.probed.size());
    }

    @Test
    void followsAChainUpToMaxChain() {
        Resolver r = resolver(FallbackPolicy.PLAIN, 2);
        prober.answers.add(o(ProbeOutcome.Result.CHAINED, 81));
        prober.answers.add(o(ProbeOutcome.Result.CHAINED, 82));
        prober.answers.add(o(ProbeOutcome.Result.REDIRECTED, 20003));
        assertEquals(new Resolution(Resolution.Kind.NEGOTIATED, 20003), r.resolve(VIP, 80).join());
        assertEquals(List.of("80", "81<80", "82<81"), prober.probed);
        assertEquals(2, r.cache().lookup(new RedirectCache.Key(TransportProtocol.TCP, VIP, 80)).chain());
    }

    @Test
    void cutsAChainLongerThanMaxChain() {
        Resolver r = resolver(FallbackPolicy.PLAIN, 2);
        prober.answers.add(o(ProbeOutcome.Result.CHAINED, 81));
        prober.answers.add(o(ProbeOutcome.Result.CHAINED, 82));
        prober.answers.add(o(ProbeOutcome.Result.CHAINED, 83));
        assertEquals(new Resolution(Resolution.Kind.FALLBACK, 80), r.resolve(VIP, 80).join());
        assertEquals(3, prober.probed.size(), "no fourth probe");
        assertEquals(1, stats.get(Counter.CHAIN_TOO_LONG));
    }

    @Test
    void legacyServerFallsBackAndIsRemembered() {
        Resolver r = resolver(FallbackPolicy.FAIL, 3);
        prober.answers.add(o(ProbeOutcome.Result.NOT_SUPPORTED, 80));
        assertEquals(new Resolution(Resolution.Kind.FALLBACK, 80), r.resolve(VIP, 80).join(),
                "a legacy server answered on X: plain X even under 'fail'");
        assertEquals(new Resolution(Resolution.Kind.CACHED, 80), r.resolve(VIP, 80).join());
        assertEquals(1, prober.probed.size());
        assertEquals(2, stats.get(Counter.FALLBACKS));
    }

    @Test
    void failuresFollowThePolicy() {
        for (ProbeOutcome.Result bad : new ProbeOutcome.Result[] {ProbeOutcome.Result.REFUSED, ProbeOutcome.Result.UNREACHABLE,
                ProbeOutcome.Result.TIMED_OUT, ProbeOutcome.Result.NOT_SENT}) {
            prober.answers.add(o(bad, 0));
            assertEquals(new Resolution(Resolution.Kind.FALLBACK, 80), resolver(FallbackPolicy.PLAIN, 3).resolve(VIP, 80).join(), bad.name());
            prober.answers.add(o(bad, 0));
            Resolution refused = resolver(FallbackPolicy.FAIL, 3).resolve(VIP, 80).join();
            assertEquals(Resolution.Kind.REFUSED, refused.kind(), bad.name());
            assertFalse(refused.connects());
        }
        assertEquals(4, stats.get(Counter.REFUSED_BY_POLICY));
    }

    @Test
    void failuresAreNotCached() {
        Resolver r = resolver(FallbackPolicy.PLAIN, 3);
        prober.answers.add(o(ProbeOutcome.Result.TIMED_OUT, 0));
        prober.answers.add(o(ProbeOutcome.Result.REDIRECTED, 20004));
        r.resolve(VIP, 80).join();
        assertEquals(20004, r.resolve(VIP, 80).join().port());
    }

    @Test
    void midFlowRedirectMovesNewConnections() {
        Resolver r = resolver(FallbackPolicy.PLAIN, 2);
        prober.answers.add(o(ProbeOutcome.Result.REDIRECTED, 20001));
        r.resolve(VIP, 80).join();
        assertTrue(r.onMidFlowRedirect(TransportProtocol.TCP, VIP, 80, 20007));
        assertEquals(new Resolution(Resolution.Kind.CACHED, 20007), r.resolve(VIP, 80).join());
        assertFalse(r.onMidFlowRedirect(TransportProtocol.TCP, VIP, 80, 40000), "outside the service ports");
        assertEquals(1, stats.get(Counter.MID_FLOW_IGNORED));
        assertTrue(r.onMidFlowRedirect(TransportProtocol.TCP, VIP, 80, 20008));
        assertFalse(r.onMidFlowRedirect(TransportProtocol.TCP, VIP, 80, 20009), "third move beyond max-chain 2");
        assertEquals(1, stats.get(Counter.CHAIN_TOO_LONG));
        prober.answers.add(o(ProbeOutcome.Result.REDIRECTED, 20001));
        assertEquals(Resolution.Kind.NEGOTIATED, r.resolve(VIP, 80).join().kind(), "a cut chain is probed afresh");
    }

    @Test
    void forgetForcesAProbe() {
        Resolver r = resolver(FallbackPolicy.PLAIN, 3);
        prober.answers.add(o(ProbeOutcome.Result.REDIRECTED, 20001));
        prober.answers.add(o(ProbeOutcome.Result.REDIRECTED, 20002));
        r.resolve(VIP, 80).join();
        r.forget(new RedirectCache.Key(TransportProtocol.TCP, VIP, 80));
        assertEquals(20002, r.resolve(VIP, 80).join().port());
    }
}
