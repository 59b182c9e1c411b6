package io.portredirect.balancer.io;

import java.util.concurrent.atomic.LongAdder;

/** Counts of one {@link FramePort}; receive side single-writer, send side shared by threads. */
public final class PortCounters {
    final LongAdder rxPackets = new LongAdder();
    final LongAdder rxBytes = new LongAdder();
    final LongAdder rxTruncated = new LongAdder();
    final LongAdder txPackets = new LongAdder();
    final LongAdder txBytes = new LongAdder();
    final LongAdder txErrors = new LongAdder();

    /** Counts one send of {@code length} bytes: a frame out when {@code sent}, else a tx error. Returns {@code sent}. */
    boolean sent(boolean sent, int length) {
        if (sent) {
            txPackets.increment();
            txBytes.add(length);
        } else {
            txErrors.increment();
        }
        return sent;
    }

    public long rxPackets() {
        return rxPackets.sum();
    }

    public long rxBytes() {
        return rxBytes.sum();
    }

    /** Frames longer than the snap length (captured incompletely), skipped. */
    public long rxTruncated() {
        return rxTruncated.sum();
    }

    public long txPackets() {
        return txPackets.sum();
    }

    public long txBytes() {
        return txBytes.sum();
    }

    /** Sends the kernel refused (e.g. ENOBUFS, interface down). */
    public long txErrors() {
        return txErrors.sum();
    }
}
