package io.portredirect.clientagent.negotiate;

import java.net.InetAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Servers that failed lately, with back-off, so the next connections steer clear instead of each
 * paying a timeout. The client knows a server only by the service port Y it confirmed (one server
 * owns each Y), so the key is (VIP, Y). A failure is a kernel connect to VIP:Y that failed, or a
 * probe that timed out from a source port whose last answer named Y (the balancer hashes the same
 * source port onto the same server: see {@code ProbeRoutes}). A timed-out probe from a port with
 * no known answer names no server and is not remembered.
 *
 * <pre>
 *   ABSENT     --fail-->                 FAILED(1)  for initial
 *   FAILED(n)  --fail-->                 FAILED(n)  unchanged (probes in flight when it failed report it again)
 *   FAILED(n)  --initial*2^(n-1) later--> COOLING(n) usable again; remembered for max more
 *   COOLING(n) --fail-->                 FAILED(n+1) for min(max, initial*2^n)
 *   COOLING(n) --max later-->            ABSENT
 *   any        --succeeded (a probe confirmed Y)--> ABSENT
 * </pre>
 * At most {@code capacity} entries: a new one evicts the oldest (a forgotten server costs one more
 * timeout, memory stays bounded). The clock is injected, so tests need no sleeping. Thread-safe.
 */
public final class NegativeCache {
    /** A server as the client knows it. */
    public record Key(InetAddress vip, int servicePort) {
    }

    private static final class Entry {
        int failures;
        long failedUntil;
        long forgetAt;
    }

    private final long initialNanos;
    private final long maxNanos;
    private final int capacity;
    private final LongSupplier clock;
    private final LinkedHashMap<Key, Entry> entries = new LinkedHashMap<>();

    public NegativeCache(Duration initial, Duration max, int capacity, LongSupplier nanoClock) {
        if (initial.isNegative() || max.compareTo(initial) < 0 || capacity < 1) {
            throw new IllegalArgumentException("need 0 <= initial <= max and capacity >= 1");
        }
        this.initialNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
        this.capacity = capacity;
        this.clock = nanoClock;
    }

    /** A cache that never holds anything (initial 0). */
    public static NegativeCache disabled() {
        return new NegativeCache(Duration.ZERO, Duration.ZERO, 1, System::nanoTime);
    }

    /**
     * Records a failure of {@code vip}:{@code servicePort}; returns how long it is avoided from now
     * in milliseconds (0 when the cache is disabled).
     */
    public synchronized long fail(InetAddress vip, int servicePort) {
        if (initialNanos == 0) {
            return 0;
        }
        long now = clock.getAsLong();
        Key k = new Key(vip, servicePort);
        Entry e = live(k, now);
        if (e != null && now - e.failedUntil < 0) {
            return (e.failedUntil - now) / 1_000_000;
        }
        if (e == null) {
            if (entries.size() >= capacity) {
                entries.remove(entries.keySet().iterator().next());
            }
            e = new Entry();
            entries.put(k, e);
        }
        e.failures++;
        long backoff = initialNanos << Math.min(e.failures - 1, 30);
        if (backoff <= 0 || backoff > maxNanos) {
            backoff = maxNanos;
        }
        e.failedUntil = now + backoff;
        e.forgetAt = e.failedUntil + maxNanos;
        return backoff / 1_000_000;
    }

    /** True while {@code vip}:{@code servicePort} is to be avoided. */
    public synchronized boolean isFailed(InetAddress vip, int servicePort) {
        if (entries.isEmpty()) {
            return false;
        }
        long now = clock.getAsLong();
        Entry e = live(new Key(vip, servicePort), now);
        return e != null && now - e.failedUntil < 0;
    }

    /** A probe confirmed {@code servicePort}: its server answers, forget its failures. */
    public synchronized void succeeded(InetAddress vip, int servicePort) {
        if (!entries.isEmpty()) {
            entries.remove(new Key(vip, servicePort));
        }
    }

    /** Failures in a row recorded for the server (0 when absent), for tests and logs. */
    public synchronized int failures(InetAddress vip, int servicePort) {
        Entry e = live(new Key(vip, servicePort), clock.getAsLong());
        return e == null ? 0 : e.failures;
    }

    /** Entries held (failed or cooling). */
    public synchronized int size() {
        return entries.size();
    }

    private Entry live(Key k, long now) {
        Entry e = entries.get(k);
        if (e != null && now - e.forgetAt >= 0) {
            entries.remove(k);
            return null;
        }
        return e;
    }

    /** For tests: the map's iteration order is insertion order (eviction order). */
    Map<Key, Integer> snapshot() {
        Map<Key, Integer> m = new LinkedHashMap<>();
        entries.forEach((k, e) -> m.put(k, e.failures));
        return m;
    }
}
