package io.portredirect.balancer.nft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portredirect.protocol.io.HostCommand;
import io.portredirect.protocol.log.EventLog;

import java.io.IOException;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The named counters of the kernel dataplane, read back off the scrape path: a background thread
 * lists them every {@code interval} and scrapes read the last snapshot, so a scrape never waits
 * for nft. Listing costs about half a second of CPU on a ruleset with 64K-slot maps (nft 1.0.6
 * fetches the whole table to list its counters), hence a slow refresh rather than one per scrape.
 */
public final class NftCounters implements AutoCloseable {
    /** Packets and bytes of one counter. */
    public record Value(long packets, long bytes) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "nft-counters");
        t.setDaemon(true);
        return t;
    });
    /** What earlier tables counted: a reload recreates the table, and Prometheus counters must not go down. */
    private Map<String, Value> base = Map.of();
    private Map<String, Value> raw = Map.of();
    private volatile Map<String, Value> last = Map.of();
    private volatile long refreshedAtMillis;
    private volatile boolean failing;

    /** Starts refreshing every {@code intervalMillis}, the first time now. */
    public NftCounters(long intervalMillis) {
        timer.scheduleWithFixedDelay(this::refresh, 0, intervalMillis, TimeUnit.MILLISECONDS);
    }

    /** The last snapshot, by counter name (empty before the first listing). */
    public Map<String, Value> snapshot() {
        return last;
    }

    /** Packets of one counter in the last snapshot, 0 when absent. */
    public long packets(String name) {
        Value v = last.get(name);
        return v == null ? 0 : v.packets();
    }

    /** Wall-clock time of the last successful listing, 0 before it. */
    public long refreshedAtMillis() {
        return refreshedAtMillis;
    }

    /** A load that replaces the table. */
    public interface Reload {
        void run() throws IOException;
    }

    /**
     * Runs {@code load}, which replaces the table, so that no count goes down: lists the counters
     * one last time and keeps them as the base the new table's counters add to (a failed load
     * keeps the old table, and the old base). No listing runs in between.
     */
    public synchronized void aroundReload(Reload load) throws IOException {
        refresh();
        Map<String, Value> before = base;
        base = last;
        raw = Map.of();
        try {
            load.run();
        } catch (IOException | RuntimeException e) {
            base = before;
            throw e;
        }
    }

    /** Lists the counters now (also called by the timer). */
    public synchronized void refresh() {
        try {
            raw = parse(HostCommand.run(List.of("nft", "-j", "list", "counters", "table", "netdev", NftRuleset.TABLE)));
            Map<String, Value> sum = new TreeMap<>(base);
            raw.forEach((k, v) -> sum.merge(k, v, (a, b) -> new Value(a.packets() + b.packets(), a.bytes() + b.bytes())));
            last = Collections.unmodifiableMap(sum);
            refreshedAtMillis = System.currentTimeMillis();
            failing = false;
        } catch (IOException | RuntimeException e) {
            if (!failing) {
                EventLog.warn("nft_counters_failed", "error", String.valueOf(e.getMessage()));
            }
            failing = true;
        }
    }

    /** Parses {@code nft -j list counters} output. */
    static Map<String, Value> parse(String json) throws IOException {
        Map<String, Value> out = new TreeMap<>();
        for (JsonNode item : JSON.readTree(json).path("nftables")) {
            JsonNode c = item.get("counter");
            if (c != null && NftRuleset.TABLE.equals(c.path("table").asText())) {
                out.put(c.path("name").asText(), new Value(c.path("packets").asLong(), c.path("bytes").asLong()));
            }
        }
        return Collections.unmodifiableMap(out);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
