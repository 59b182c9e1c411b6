package io.portredirect.clientagent.stats;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** The agent's counters (contention-free adders) and gauges; {@link #snapshot()} for output. */
public final class AgentStats {
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
