package io.portredirect.clientagent.relay;

import io.portredirect.clientagent.stats.AgentStats;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** A fixed set of {@link SpliceLoop}s, one per core by default, each with its own buffer pool; new pairs are spread round-robin. */
public final class SpliceLoops implements AutoCloseable {
    /** Per direction while bytes are in flight; at most {@link BufferPool#MAX_SIZE}. */
    public static final int DEFAULT_BUFFER = BufferPool.MAX_SIZE;
    /** Free buffers each loop keeps for reuse (4 MiB of 64 KiB buffers). */
    public static final int KEEP = 64;

    private final SpliceLoop[] loops;
    private final AtomicInteger next = new AtomicInteger();

    public SpliceLoops(int threads, int bufferSize, AgentStats stats) throws IOException {
        this(threads, bufferSize, Duration.ZERO, stats);
    }

    /** @param idle pairs quiet for this long are reset; zero: never */
    public SpliceLoops(int threads, int bufferSize, Duration idle, AgentStats stats) throws IOException {
        loops = new SpliceLoop[threads];
        for (int i = 0; i < threads; i++) {
            loops[i] = new SpliceLoop("splice-" + i, new BufferPool(bufferSize, KEEP), idle, stats).start();
        }
    }

    /** One loop per available core. */
    public static int defaultThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    /** The loop for the next connection. */
    public SpliceLoop next() {
        return loops[Math.floorMod(next.getAndIncrement(), loops.length)];
    }

    /** Every loop accepts on {@code server}; a connection is served on the loop that accepted it. */
    public void listen(java.nio.channels.ServerSocketChannel server, java.util.function.BiConsumer<SpliceLoop, SocketChannel> onAccept)
            throws IOException {
        for (SpliceLoop l : loops) {
            l.listen(server, ch -> onAccept.accept(l, ch));
        }
    }

    public void add(SocketChannel app, SocketChannel upstream, Runnable onClose) {
        next().add(app, upstream, onClose);
    }

    @Override
    public void close() {
        for (SpliceLoop l : loops) {
            l.close();
        }
    }
}
