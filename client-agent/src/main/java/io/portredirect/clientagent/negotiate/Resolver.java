package io.portredirect.clientagent.negotiate;

import io.portredirect.clientagent.config.FallbackPolicy;
import io.portredirect.protocol.config.TransportProtocol;
import io.portredirect.clientagent.stats.AgentStats;
import io.portredirect.clientagent.stats.Counter;

import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns VIP:redirect-port into the port a new TCP connection should use: a fresh cache entry, else a
 * probe (following CHAINED answers up to max-chain hops), else the fallback policy. Concurrent
 * resolutions of the same key share one probe. The decisions are pure given the {@link Prober}, so
 * tests run them against a scripted prober.
 *
 * <p>Fallback: a SYN-ACK without the extension means a legacy server is alive on the redirect port,
 * so the connection goes there plainly (and the cache remembers it as legacy). RST, ICMP
 * unreachable, timeout, an unsendable probe or a chain cut at max-chain follow the configured policy:
 * {@code plain} connects to VIP:redirect-port anyway, {@code fail} refuses the connection.
 */
public final class Resolver {
    private final RedirectCache cache;
    private final Prober prober;
    private final Map<InetAddress, VipPolicy> policies;
    private final FallbackPolicy fallback;
    private final int maxChain;
    private final AgentStats stats;
    private final NegativeCache failed;
    private final Map<RedirectCache.Key, CompletableFuture<Resolution>> inflight = new ConcurrentHashMap<>();

    public Resolver(RedirectCache cache, Prober prober, Map<InetAddress, VipPolicy> policies, FallbackPolicy fallback,
                    int maxChain, AgentStats stats) {
        this(cache, prober, policies, fallback, maxChain, stats, NegativeCache.disabled());
    }

    /** @param failed failed servers, shared with the prober, which steers its source ports clear of them */
    public Resolver(RedirectCache cache, Prober prober, Map<InetAddress, VipPolicy> policies, FallbackPolicy fallback,
                    int maxChain, AgentStats stats, NegativeCache failed) {
        this.failed = failed;
        this.cache = cache;
        this.prober = prober;
        this.policies = Map.copyOf(policies);
        this.fallback = fallback;
        this.maxChain = maxChain;
        this.stats = stats;
    }

    public RedirectCache cache() {
        return cache;
    }

    /** True when a cache miss for {@code vip} starts its probe without waiting ({@link Prober#probesWithoutWaiting}). */
    public boolean resolvesWithoutWaiting(InetAddress vip) {
        return prober.probesWithoutWaiting(vip);
    }

    public VipPolicy policy(InetAddress vip) {
        return policies.get(vip);
    }

    /** Resolves a TCP connection to VIP:port; the future never completes exceptionally. */
    public CompletableFuture<Resolution> resolve(InetAddress vip, int port) {
        RedirectCache.Key key = new RedirectCache.Key(TransportProtocol.TCP, vip, port);
        Resolution hit = cached(key);
        if (hit != null) {
            return CompletableFuture.completedFuture(hit);
        }
        CompletableFuture<Resolution> mine = new CompletableFuture<>();
        CompletableFuture<Resolution> running = inflight.putIfAbsent(key, mine);
        if (running != null) {
            // someone is already probing this key: share its answer instead of probing twice
            return running;
        }
        stats.inc(Counter.CACHE_MISSES);
        step(key, port, 0, 0).whenComplete((r, e) -> {
            inflight.remove(key, mine);
            mine.complete(e == null ? r : fallBack(key));
        });
        return mine;
    }

    /** A fresh cache entry as a resolution (counted as a hit), or null. */
    public Resolution cached(RedirectCache.Key key) {
        RedirectCache.Entry e = cache.lookup(key);
        if (e == null) {
            return null;
        }
        stats.inc(Counter.CACHE_HITS);
        if (e.kind() == RedirectCache.Kind.LEGACY) {
            stats.inc(Counter.FALLBACKS);
        }
        return new Resolution(Resolution.Kind.CACHED, e.target());
    }

    /** A kernel connect to a cached port failed: forget it so the next resolution probes. */
    public void forget(RedirectCache.Key key) {
        cache.invalidate(key);
    }

    /**
     * A kernel connect to VIP:servicePort failed: its server is remembered as failed (with back-off)
     * so the next probes pick source ports that lead elsewhere. Returns how long it is avoided (ms).
     */
    public long serverFailed(InetAddress vip, int servicePort) {
        long ms = failed.fail(vip, servicePort);
        if (ms > 0) {
            stats.inc(Counter.SERVERS_MARKED_FAILED);
        }
        return ms;
    }

    /**
     * A segment with REDIRECT + REDIRECT_OPT=newPort arrived on an established flow of VIP:port:
     * new connections move there, the old one is left alone. Returns true when applied.
     */
    public boolean onMidFlowRedirect(TransportProtocol protocol, InetAddress vip, int port, int newPort) {
        VipPolicy p = policies.get(vip);
        if (p == null || !p.allowsService(newPort)) {
            stats.inc(Counter.MID_FLOW_IGNORED);
            return false;
        }
        if (!cache.move(new RedirectCache.Key(protocol, vip, port), newPort, maxChain)) {
            stats.inc(Counter.CHAIN_TOO_LONG);
            return false;
        }
        stats.inc(Counter.MID_FLOW_REDIRECTS);
        return true;
    }

    /** Records a UDP answer (notice) so later UDP clients of the same VIP:port start on it. */
    public void learn(RedirectCache.Key key, int target) {
        cache.put(key, target, RedirectCache.Kind.NEGOTIATED, 0);
    }

    private CompletableFuture<Resolution> step(RedirectCache.Key key, int probePort, int previousPort, int hops) {
        return prober.probe(key.vip(), probePort, previousPort).thenCompose(o -> switch (o.result()) {
            case REDIRECTED, CONFIRMED_HERE -> {
                cache.put(key, o.port(), RedirectCache.Kind.NEGOTIATED, hops);
                yield CompletableFuture.completedFuture(new Resolution(Resolution.Kind.NEGOTIATED, o.port()));
            }
            case CHAINED -> {
                if (hops + 1 > maxChain) {
                    stats.inc(Counter.CHAIN_TOO_LONG);
                    yield CompletableFuture.completedFuture(fallBack(key));
                }
                yield step(key, o.port(), probePort, hops + 1);
            }
            case NOT_SUPPORTED -> {
                if (hops == 0) {
                    cache.put(key, key.port(), RedirectCache.Kind.LEGACY, 0);
                    stats.inc(Counter.FALLBACKS);
                    yield CompletableFuture.completedFuture(new Resolution(Resolution.Kind.FALLBACK, key.port()));
                }
                // the end of a chain is a plain server on the port we were sent to: use it
                cache.put(key, probePort, RedirectCache.Kind.NEGOTIATED, hops);
                yield CompletableFuture.completedFuture(new Resolution(Resolution.Kind.NEGOTIATED, probePort));
            }
            default -> CompletableFuture.completedFuture(fallBack(key));
        });
    }

    private Resolution fallBack(RedirectCache.Key key) {
        if (fallback == FallbackPolicy.FAIL) {
            stats.inc(Counter.REFUSED_BY_POLICY);
            return new Resolution(Resolution.Kind.REFUSED, 0);
        }
        stats.inc(Counter.FALLBACKS);
        return new Resolution(Resolution.Kind.FALLBACK, key.port());
    }
}
