package io.portredirect.clientagent.relay;

import io.portredirect.clientagent.stats.AgentStats;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicInteger;

/** A fixed set of {@link SpliceLoop}s; new pairs are spread round-robin. */
public final class SpliceLoops implements AutoCloseable {
    /** Per direction and connection; large enough that one read or write moves a whole TCP window's worth. */
    public static final int DEFAULT_BUFFER = 256 * 1024;

    private final SpliceLoop[] loops;
    private final AtomicInteger next = new AtomicInteger();

    public SpliceLoops(int threads, int bufferSize, AgentStats stats) throws IOException {
        loops = new SpliceLoop[threads];
        for (int i = 0; i < threads; i++) {
            loops[i] = new SpliceLoop("splice-" + i, bufferSize, stats).start();
        }
    }

    public void add(SocketChannel app, SocketChannel upstream, Runnable onClose) throws IOException {
        loops[Math.floorMod(next.getAndIncrement(), loops.length)].add(app, upstream, onClose);
    }

    @Override
    public void close() {
        for (SpliceLoop l : loops) {
            l.close();
        }
    }
}
