package io.portredirect.balancer.ops;

import java.time.Duration;
import io.portredirect.balancer.config.BalancerConfig;
import io.portredirect.protocol.lab.Await;
import io.portredirect.protocol.metrics.MetricRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reload: a good file is applied, a bad one is logged with line and key and changes nothing. */
class ConfigReloaderTest {
    static final String GOOD = """
            vips: [198.18.0.10]
            network:
              interface: net0
              mac: 02:00:00:00:00:01
              next-hop-mac: 02:00:00:00:00:02
            servers:
              - name: s1
                interface: srv1
                mac: 02:00:00:00:11:02
                mode: l2
                weight: %d
                service-ports: ["8001"]
            """;

    @TempDir
    Path dir;
    private final List<BalancerConfig> applied = new CopyOnWriteArrayList<>();
    private static final PrintStream STDERR = System.err;
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private ConfigReloader reloader;
    private Path file;

    @BeforeEach
    void setUp() throws Exception {
        // logback's console appender writes to whatever System.err is at the time
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        file = dir.resolve("b.yaml");
        Files.writeString(file, GOOD.formatted(1));
        reloader = new ConfigReloader(file, applied::add, Files.readAllBytes(file));
    }

    @AfterEach
    void tearDown() {
        reloader.close();
        System.setErr(STDERR);
    }

    private void write(String text) throws Exception {
        // like an editor: a new file renamed over the old one
        Path tmp = dir.resolve("b.yaml.tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void badFileKeepsTheRunningConfigAndSaysWhere() throws Exception {
        write(GOOD.formatted(1).replace("weight: 1", "weight: heavy"));
        assertFalse(reloader.reload("SIGHUP", true));
        assertTrue(applied.isEmpty());
        assertEquals(1, reloader.failed());
        String line = log.toString(StandardCharsets.UTF_8);
        assertTrue(line.contains("event=reload_failed trigger=SIGHUP"), line);
        assertTrue(line.contains(" line=11 key=servers[0].weight "), line);
        assertTrue(line.contains("kept_config=running"), line);
    }

    @Test
    void goodFileIsAppliedUnchangedFileIsNotReappliedUnlessForced() throws Exception {
        assertTrue(reloader.reload("file_changed", false));
        assertTrue(applied.isEmpty(), "same bytes as running: nothing to do");
        write(GOOD.formatted(3));
        assertTrue(reloader.reload("file_changed", false));
        assertEquals(1, applied.size());
        assertEquals(3, applied.get(0).servers().get(0).weight());
        assertTrue(reloader.reload("SIGHUP", true));
        assertEquals(2, applied.size());
        MetricRegistry registry = new MetricRegistry();
        reloader.register(registry);
        String text = registry.scrapeText();
        assertTrue(text.contains("portredirect_balancer_config_reloads_total{result=\"ok\"} 2\n"), text);
    }

    @Test
    void watchesTheFile() throws Exception {
        reloader.watch();
        write(GOOD.formatted(5));
        Await.holdsWithin(Duration.ofSeconds(10), Duration.ofMillis(50), () -> !applied.isEmpty());
        assertEquals(1, applied.size(), log.toString(StandardCharsets.UTF_8));
        assertEquals(5, applied.get(0).servers().get(0).weight());
    }
}
