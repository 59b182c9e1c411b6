package io.portredirect.tools.e2e.support;

import io.portredirect.protocol.lab.Await;
import io.portredirect.protocol.lab.LabProcess;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;

/**
 * The real client agent ({@code java -jar redirect-client-agent.jar run --config F --stats-file S})
 * in a client namespace. Ready when it prints {@code client agent running}. Its counters
 * ({@code probes}, {@code cache_hits}, {@code fallbacks}, {@code ignored_redirects}, ... see the
 * client agent's {@code stats.Counter}) come from the JSON stats file it rewrites every 100 ms.
 */
public final class ClientAgentProcess extends LabProcess {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path config;
    private final Path statsFile;
    private final ClientAgentYaml yaml;

    ClientAgentProcess(String name, String ns, List<String> command, Path log, Path config, Path statsFile, ClientAgentYaml yaml) {
        super(name, ns, command, log);
        this.config = config;
        this.statsFile = statsFile;
        this.yaml = yaml;
    }

    public Path config() {
        return config;
    }

    public ClientAgentYaml yaml() {
        return yaml;
    }

    /** Waits (30 s at most) for the running line and the first stats file. */
    public ClientAgentProcess awaitReady() throws InterruptedException {
        awaitLog("client agent running", Duration.ofSeconds(30));
        Await.holdsWithin(Duration.ofSeconds(5), Duration.ofMillis(20), () -> Files.exists(statsFile));
        return this;
    }

    /** Every counter of the latest stats file (empty before the first write). */
    public Map<String, Long> stats() {
        for (int i = 0; i < 50; i++) {
            try {
                if (!Files.exists(statsFile)) {
                    return Map.of();
                }
                JsonNode n = JSON.readTree(statsFile.toFile()).path("counters");
                Map<String, Long> m = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    m.put(e.getKey(), e.getValue().asLong());
                }
                return m;
            } catch (IOException e) {
                // replaced while reading: retry
            }
        }
        throw new IllegalStateException("cannot read " + statsFile);
    }

    /** One counter; throws for a name the agent does not have (a typo must not read as 0). */
    public long stat(String key) {
        Map<String, Long> m = stats();
        Long v = m.get(key);
        if (v == null) {
            throw new IllegalArgumentException("client agent has no counter '" + key + "' (has " + m.keySet() + ")");
        }
        return v;
    }

    /**
     * A counter after the agent caught up: waits until the stats file was rewritten after this call
     * began (so events that happened before the call are in it), then reads.
     */
    public long freshStat(String key) throws InterruptedException {
        settle();
        return stat(key);
    }

    /** Waits until the stats file has been rewritten at least twice since now. */
    public void settle() throws InterruptedException {
        long start = System.currentTimeMillis();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        int rewrites = 0;
        long last = modified();
        while (rewrites < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
            long m = modified();
            if (m != last && m >= start) {
                rewrites++;
                last = m;
            }
        }
    }

    private long modified() {
        try {
            return Files.getLastModifiedTime(statsFile).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    /** Waits (5 s at most) until {@code key} satisfies {@code ok}; returns the value either way. */
    public long awaitStat(String key, LongPredicate ok) throws InterruptedException {
        long[] last = new long[1];
        Await.holdsWithin(Duration.ofSeconds(5), Duration.ofMillis(25), () -> ok.test(last[0] = stat(key)));
        return last[0];
    }
}
