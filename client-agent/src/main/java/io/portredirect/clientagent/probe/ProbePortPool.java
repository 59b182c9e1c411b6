package io.portredirect.clientagent.probe;

import io.portredirect.protocol.config.PortRange;

import java.util.function.IntPredicate;

/**
 * The reserved probe source ports, handed out round-robin so a port is reused as late as possible
 * (a straggling answer to an old probe then meets no new one). Not thread-safe: the probe loop owns it.
 */
final class ProbePortPool {
    private final PortRange range;
    private final boolean[] busy;
    private int next;
    private int inUse;
    private int skipped;

    ProbePortPool(PortRange range) {
        this.range = range;
        this.busy = new boolean[range.size()];
    }

    /** A free port, or -1 when every port has a probe in flight. */
    int acquire() {
        return acquire(p -> false);
    }

    /**
     * A free port that {@code avoid} does not reject, else any free port (a probe that may meet a
     * failed server beats no probe), or -1 when every port has a probe in flight. {@link #skipped()}
     * then tells how many free ports were passed over.
     */
    int acquire(IntPredicate avoid) {
        skipped = 0;
        if (inUse == busy.length) {
            return -1;
        }
        for (int i = 0; i < busy.length; i++) {
            int idx = (next + i) % busy.length;
            if (!busy[idx]) {
                if (avoid.test(range.first() + idx)) {
                    skipped++;
                    continue;
                }
                return take(idx);
            }
        }
        // every free port is avoided: take the next free one anyway
        for (int i = 0; i < busy.length; i++) {
            int idx = (next + i) % busy.length;
            if (!busy[idx]) {
                return take(idx);
            }
        }
        return -1;
    }

    private int take(int idx) {
        busy[idx] = true;
        inUse++;
        next = (idx + 1) % busy.length;
        return range.first() + idx;
    }

    /** Free ports the last {@link #acquire(IntPredicate)} passed over. */
    int skipped() {
        return skipped;
    }

    void release(int port) {
        int idx = port - range.first();
        if (idx >= 0 && idx < busy.length && busy[idx]) {
            busy[idx] = false;
            inUse--;
        }
    }

    boolean contains(int port) {
        return range.contains(port);
    }

    int inUse() {
        return inUse;
    }
}
