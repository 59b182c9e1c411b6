package io.portredirect.serveragent.select;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Keeps the latest {@link SocketLoad} for the packet path: a daemon thread re-reads the kernel
 * every refresh interval; readers only dereference a volatile field. A failed read publishes
 * {@link SocketLoad#UNKNOWN} (the policies fall back to round robin) and is reported once.
 */
public final class LoadCache implements Supplier<SocketLoad>, AutoCloseable {
    private final SocketLoadReader reader;
    private final List<Integer> ports;
    private final Consumer<String> log;
    private final ScheduledExecutorService timer;
    private volatile SocketLoad current = SocketLoad.UNKNOWN;
    private boolean failing;

    public LoadCache(SocketLoadReader reader, List<Integer> ports, Consumer<String> log) {
        this.reader = reader;
        this.ports = List.copyOf(ports);
        this.log = log;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "socket-load");
            t.setDaemon(true);
            return t;
        });
    }

    /** Reads once now, then every {@code millis}. */
    public LoadCache start(int millis) {
        refresh();
        timer.scheduleWithFixedDelay(this::refresh, millis, millis, TimeUnit.MILLISECONDS);
        return this;
    }

    /** Reads the kernel now (also called by the timer). */
    public void refresh() {
        try {
            current = reader.read(ports);
            if (failing) {
                log.accept("socket state readable again");
                failing = false;
            }
        } catch (IOException | RuntimeException e) {
            current = SocketLoad.UNKNOWN;
            if (!failing) {
                log.accept("cannot read socket state, falling back to round robin: " + e.getMessage());
                failing = true;
            }
        }
    }

    @Override
    public SocketLoad get() {
        return current;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
