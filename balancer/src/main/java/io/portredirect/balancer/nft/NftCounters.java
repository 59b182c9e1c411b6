package io.portredirect.balancer.nft;

import io.portredirect.protocol.io.NftNetlink;
import io.portredirect.protocol.io.NftNetlink.Counter;
import io.portredirect.protocol.log.EventLog;

import java.io.IOException;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The named counters of the kernel dataplane for {@code /metrics}: read from the kernel with one
 * netlink dump ({@link NftNetlink#counters}, microseconds: it never lists the table's large maps), at
 * most once per {@value #MAX_AGE_MILLIS} ms so that one scrape reading many of them dumps once.
 *
 * <p>A reload recreates the table and its counters start again from 0; Prometheus counters must
 * not go down, so what the old table counted is kept as a base the new counters add to
 * ({@link #aroundReload}).
 */
public final class NftCounters {
    /** A load that replaces the table. */
    public interface Reload {
        void run() throws IOException;
    }

    /**
     * Short: a scrape reads its families within a few milliseconds of each other, and a scrape
     * that comes right after traffic must see it (at 100 ms, two scrapes around a quick exchange
     * returned the same counts: a test saw a delta of 0 for traffic it had just sent).
     */
    static final long MAX_AGE_MILLIS = 5;

    private final String table;
    private Map<String, Counter> base = Map.of();
    private Map<String, Counter> last = Map.of();
    private Map<String, Counter> derived = Map.of();
    private long readAtNanos;
    private boolean failing;
    /** Opened at the first read, in the balancer's namespace; reopened after a failure. */
    private NftNetlink netlink;

    public NftCounters() {
        this(NftRuleset.TABLE);
    }

    NftCounters(String table) {
        this.table = table;
    }

    /** Every counter, by name: what the kernel counts now plus what earlier tables counted. */
    public synchronized Map<String, Counter> snapshot() {
        fresh();
        return last;
    }

    /**
     * Packets counted as {@code name}: its own counter plus the fast path's counters that stand
     * for it too ({@link NftRuleset#countedAs}); 0 when none.
     */
    public synchronized long packets(String name) {
        fresh();
        Counter v = derived.get(name);
        return v == null ? 0 : v.packets();
    }

    private void fresh() {
        if (System.nanoTime() - readAtNanos > MAX_AGE_MILLIS * 1_000_000) {
            read();
        }
    }

    /**
     * Runs {@code load}, which replaces the table, so that no count goes down: reads the counters
     * one last time and keeps them as the base the new table's counters add to (a failed load
     * keeps the old table, and the old base). No read runs in between.
     */
    public synchronized void aroundReload(Reload load) throws IOException {
        read();
        Map<String, Counter> before = base;
        base = last;
        try {
            load.run();
        } catch (IOException | RuntimeException e) {
            base = before;
            throw e;
        } finally {
            readAtNanos = 0;
        }
    }

    private void read() {
        try {
            Map<String, Counter> sum = new TreeMap<>(base);
            if (netlink == null) {
                netlink = NftNetlink.open();
            }
            netlink.counters(NftNetlink.NFPROTO_NETDEV, table).forEach((k, v) -> sum.merge(k, v, Counter::plus));
            last = Collections.unmodifiableMap(sum);
            Map<String, Counter> d = new TreeMap<>();
            sum.forEach((k, v) -> NftRuleset.countedAs(k).forEach(n -> d.merge(n, v, Counter::plus)));
            derived = d;
            readAtNanos = System.nanoTime();
            failing = false;
        } catch (IOException | RuntimeException | LinkageError e) {
            if (!failing) {
                EventLog.warn("nft_counters_failed", "table", "netdev " + table, "error", String.valueOf(e.getMessage()));
            }
            failing = true;
            if (netlink != null) {
                // the next read opens a fresh socket: nothing half-read is left in its queue
                netlink.close();
                netlink = null;
            }
        }
    }
}
