package io.portredirect.balancer.ops;

import io.portredirect.balancer.config.BalancerConfig;
import io.portredirect.balancer.config.ConfigLoader;
import io.portredirect.protocol.config.ConfigException;
import io.portredirect.protocol.log.EventLog;
import io.portredirect.protocol.metrics.MetricRegistry;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reloads the config on SIGHUP and when the file changes (a {@link WatchService} on its
 * directory, so editors that write a new file and rename it, and symlink swaps, are seen too).
 * A reload loads and validates the file, builds tables and swaps them in through the
 * {@link Target}; any failure is logged with file, line and key and the running config stays.
 * Reloads run one at a time on their own thread.
 */
public final class ConfigReloader implements AutoCloseable {
    /** Applies a validated config or throws, leaving the running one in place. */
    @FunctionalInterface
    public interface Target {
        void apply(BalancerConfig config) throws ConfigException, IOException;
    }

    /** Editors write in several steps; wait for quiet before reading. */
    private static final long SETTLE_MILLIS = 300;

    private final Path file;
    private final Target target;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> daemon(r, "config-reload"));
    private final AtomicLong succeeded = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile long lastSuccessEpochSeconds;
    private volatile byte[] lastDigest;
    private volatile WatchService watcher;
    private Thread watchThread;

    /** @param initialBytes the content already applied (so an unchanged file is not reloaded) */
    public ConfigReloader(Path file, Target target, byte[] initialBytes) {
        this.file = file.toAbsolutePath();
        this.target = target;
        this.lastDigest = initialBytes == null ? null : digest(initialBytes);
        this.lastSuccessEpochSeconds = System.currentTimeMillis() / 1000;
    }

    /** Reloads on SIGHUP. */
    public void handleSighup() {
        Signals.handle("HUP", () -> reloadAsync("SIGHUP", true));
    }

    /** Starts watching the file's directory. */
    public void watch() throws IOException {
        Path dir = file.getParent();
        WatchService ws = FileSystems.getDefault().newWatchService();
        dir.register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
        watcher = ws;
        watchThread = daemon(() -> watchLoop(ws), "config-watch");
        watchThread.start();
        EventLog.info("config_watch", "dir", dir);
    }

    private void watchLoop(WatchService ws) {
        try {
            while (true) {
                WatchKey key = ws.take();
                // drain bursts (write, truncate, rename) into one reload
                do {
                    key.pollEvents();
                    key.reset();
                    key = ws.poll(SETTLE_MILLIS, TimeUnit.MILLISECONDS);
                } while (key != null);
                reloadAsync("file_changed", false);
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        }
    }

    /** Queues a reload; {@code force} reloads even when the file's bytes did not change. */
    public void reloadAsync(String trigger, boolean force) {
        try {
            worker.execute(() -> reload(trigger, force));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // shutting down
        }
    }

    /** Reloads now (on the caller's thread); true when the new config is in place or unchanged. */
    public synchronized boolean reload(String trigger, boolean force) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            failed.incrementAndGet();
            EventLog.warn("reload_failed", "trigger", trigger, "file", file, "line", 0, "key", "(file)",
                    "error", "cannot read: " + e, "kept_config", "running");
            return false;
        }
        byte[] d = digest(bytes);
        if (!force && Arrays.equals(d, lastDigest)) {
            return true;
        }
        lastDigest = d;
        try {
            BalancerConfig cfg = ConfigLoader.parse(new String(bytes, java.nio.charset.StandardCharsets.UTF_8), file.toString());
            target.apply(cfg);
            succeeded.incrementAndGet();
            lastSuccessEpochSeconds = System.currentTimeMillis() / 1000;
            EventLog.info("reload", "result", "ok", "trigger", trigger, "file", file);
            return true;
        } catch (ConfigException e) {
            failed.incrementAndGet();
            EventLog.warn("reload_failed", "trigger", trigger, "file", e.file(), "line", e.line(), "key", e.key(),
                    "error", e.getMessage(), "problems", e.problems().size(), "kept_config", "running");
        } catch (IOException | RuntimeException e) {
            failed.incrementAndGet();
            EventLog.warn("reload_failed", "trigger", trigger, "file", file, "line", 0, "key", "(apply)",
                    "error", String.valueOf(e), "kept_config", "running");
        }
        return false;
    }

    public long succeeded() {
        return succeeded.get();
    }

    public long failed() {
        return failed.get();
    }

    /** Exposes the reload counters and the time of the last success. */
    public void register(MetricRegistry metrics) {
        metrics.counter("portredirect_balancer_config_reloads", "Config reloads by result; a failed one kept the running config.",
                List.of("result"), out -> {
                    out.sample(succeeded.get(), "ok");
                    out.sample(failed.get(), "failed");
                });
        metrics.gauge("portredirect_balancer_config_last_success_seconds", "Unix time the running config was applied.",
                List.of(), out -> out.sample(lastSuccessEpochSeconds));
    }

    private static byte[] digest(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public void close() {
        WatchService ws = watcher;
        if (ws != null) {
            try {
                ws.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        worker.shutdownNow();
    }
}
