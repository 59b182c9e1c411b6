package io.portredirect.balancer.io;

/**
 * When a reader should busy-poll for its next frame instead of sleeping: only after it read a
 * frame, and only while frames come sparsely, i.e. the average gap between them (an exponential
 * moving average over about eight frames) is at least {@code minGapNanos}. Sparse frames are the
 * ones whose latency the sleep dominates (a SYN, a request), and there the spin costs a core the
 * host has spare; under load the gaps are short, the reader sleeps in poll and each wake-up
 * reads a batch, so spinning would only take CPU from the applications the frames are for (on 2
 * vCPUs it cost a third of TCP throughput). Pure logic: the clock comes in as arguments.
 */
final class SpinPolicy {
    /** Gaps longer than this count as this long: one idle second must not hide the next burst. */
    static final long MAX_GAP_NANOS = 1_000_000;

    private final long spinNanos;
    private final long minGapNanos;
    private long lastFrame = Long.MIN_VALUE;
    private long gapAverage = MAX_GAP_NANOS;
    private boolean framesSinceWait;

    /**
     * @param spinNanos   how long to poll (0: never)
     * @param minGapNanos poll only while the average gap is at least this (0: after every frame)
     */
    SpinPolicy(long spinNanos, long minGapNanos) {
        this.spinNanos = spinNanos;
        this.minGapNanos = minGapNanos;
    }

    /** A frame was read at {@code now}. */
    void frame(long now) {
        long gap = lastFrame == Long.MIN_VALUE ? MAX_GAP_NANOS : Math.min(MAX_GAP_NANOS, Math.max(0, now - lastFrame));
        gapAverage += (gap - gapAverage) >> 3;
        lastFrame = now;
        framesSinceWait = true;
    }

    /** The reader found nothing to read: how long to poll before it sleeps (0: sleep now). */
    long spinBeforeWait() {
        boolean spin = spinNanos > 0 && framesSinceWait && gapAverage >= minGapNanos;
        framesSinceWait = false;
        return spin ? spinNanos : 0;
    }

    /** The average gap between frames now, in nanoseconds. */
    long gapAverage() {
        return gapAverage;
    }

    /** True when frames are counted at all (spinning is configured). */
    boolean enabled() {
        return spinNanos > 0;
    }
}
