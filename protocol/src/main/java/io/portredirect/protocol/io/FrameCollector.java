package io.portredirect.protocol.io;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A {@link RawPort.FrameHandler} that copies frames into a bounded queue for a caller that wants to
 * wait for them (tests, one-shot tools). Frames beyond the bound are counted as dropped.
 */
public final class FrameCollector implements RawPort.FrameHandler {
    private final LinkedBlockingQueue<byte[]> queue;
    private volatile long dropped;

    public FrameCollector(int capacity) {
        this.queue = new LinkedBlockingQueue<>(capacity);
    }

    public FrameCollector() {
        this(10_000);
    }

    @Override
    public void frame(byte[] frame, int length) {
        if (!queue.offer(Arrays.copyOf(frame, length))) {
            dropped++;
        }
    }

    /** The next frame, or null after {@code timeout}. */
    public byte[] next(Duration timeout) throws InterruptedException {
        return queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The next frame that matches, discarding the others; null after {@code timeout}. */
    public byte[] next(Duration timeout, Predicate<byte[]> match) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (long left = timeout.toNanos(); left > 0; left = deadline - System.nanoTime()) {
            byte[] f = queue.poll(left, TimeUnit.NANOSECONDS);
            if (f != null && match.test(f)) {
                return f;
            }
        }
        return null;
    }

    /** Every frame queued so far (removed from the queue). */
    public List<byte[]> drain() {
        List<byte[]> out = new ArrayList<>();
        queue.drainTo(out);
        return out;
    }

    public long dropped() {
        return dropped;
    }
}
