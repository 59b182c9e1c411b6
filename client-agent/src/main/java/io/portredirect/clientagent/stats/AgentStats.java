package io.portredirect.clientagent.stats;

import io.portredirect.protocol.metrics.MetricRegistry;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** The agent's counters (contention-free adders) and gauges; {@link #snapshot()} for output. */
public final class AgentStats {
    private static final String PREFIX = "portredirect_client_agent_";

    private final LongAdder[] counters = new LongAdder[Counter.values().length];
    private final AtomicLong activeConnections = new AtomicLong();
    private final AtomicLong pendingProbes = new AtomicLong();

    public AgentStats() {
        for (int i = 0; i < counters.length; i++) {
            counters[i] = new LongAdder();
        }
    }

    public void inc(Counter c) {
        counters[c.ordinal()].increment();
    }

    public void add(Counter c, long n) {
        counters[c.ordinal()].add(n);
    }

    public long get(Counter c) {
        return counters[c.ordinal()].sum();
    }

    public AtomicLong activeConnections() {
        return activeConnections;
    }

    public AtomicLong pendingProbes() {
        return pendingProbes;
    }

    /**
     * {@code portredirect_client_agent_config_info{digest="..."} 1}: which config the agent runs,
     * the digest {@code ConfigDigest} computes (12 hex of SHA-256 of the canonical config).
     */
    public static void registerConfig(MetricRegistry metrics, String digest) {
        metrics.info(PREFIX + "config", "The running config: 12 hex of SHA-256 of its canonical form.", List.of("digest"),
                out -> out.sample(1, digest));
    }

    /**
     * Exposes every counter as {@code portredirect_client_agent_<key>_total} (the JSON stats keys)
     * and the gauges as {@code portredirect_client_agent_active_connections} and {@code _pending_probes}.
     */
    public void register(MetricRegistry metrics) {
        for (Counter c : Counter.values()) {
            LongAdder a = counters[c.ordinal()];
            String help = Character.toUpperCase(c.description().charAt(0)) + c.description().substring(1) + ".";
            metrics.counter(PREFIX + c.key(), help, List.of(), out -> out.sample(a.sum()));
        }
        metrics.gauge(PREFIX + "active_connections", "Application connections being spliced now.", List.of(),
                out -> out.sample(activeConnections.get()));
        metrics.gauge(PREFIX + "pending_probes", "Negotiations waiting for an answer now.", List.of(),
                out -> out.sample(pendingProbes.get()));
    }

    /** Every counter by its key, then the gauges; insertion-ordered for stable output. */
    public Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Counter c : Counter.values()) {
            m.put(c.key(), get(c));
        }
        m.put("active_connections", activeConnections.get());
        m.put("pending_probes", pendingProbes.get());
        return m;
    }
}
