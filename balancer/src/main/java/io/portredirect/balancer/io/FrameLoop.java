package io.portredirect.balancer.io;

import io.portredirect.balancer.decide.PacketProcessor;
import io.portredirect.balancer.metrics.BalancerCounters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One thread reading one {@link FramePort} until it stops, each frame handed to {@link #forward}
 * in the one reused buffer: no allocation per packet. The subclasses say what a frame from their
 * side of the balancer becomes.
 */
abstract class FrameLoop implements Runnable {
    final FramePort port;
    final AtomicReference<LiveBalancer.Snapshot> live;
    final PinnedTables pinned = new PinnedTables();
    final PacketProcessor processor;
    final byte[] buf = new byte[PcapPorts.SNAPLEN];
    /** What {@link #forward} sends; flushed before the reader waits for more frames. */
    final SendBatch tx;

    FrameLoop(FramePort port, AtomicReference<LiveBalancer.Snapshot> live, BalancerCounters counters, SendBatch tx) {
        this.port = port;
        this.live = live;
        this.processor = new PacketProcessor(pinned, counters);
        this.tx = tx;
    }

    @Override
    public final void run() {
        try {
            while (true) {
                int n = port.receiveNow(buf);
                if (n > 0) {
                    forward(n);
                    continue;
                }
                // nothing more to read now: what this batch forwards leaves before we sleep
                if (tx.pending() > 0) {
                    tx.flush();
                }
                if (n == FramePort.STOPPED) {
                    return;
                }
                if (n == FramePort.AGAIN) {
                    port.await();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            tx.close();
        }
    }

    /** Handles the frame of {@code n} bytes in {@link #buf}. */
    abstract void forward(int n);
}
