package io.portredirect.balancer.io;

import io.portredirect.balancer.decide.PacketProcessor;
import io.portredirect.balancer.metrics.BalancerCounters;
import io.portredirect.balancer.table.ForwardingTables;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Reads one server-side interface: return traffic the {@link PacketProcessor} claims (l3 replies
 * rewritten back to the VIP, raw servers' frames) goes out of the network side; the rest is left
 * to the kernel, which has its own copy.
 */
final class ServerLoop implements Runnable {
    private final FramePort port;
    private final AtomicReference<LiveBalancer.Snapshot> live;
    private final PinnedTables pinned = new PinnedTables();
    private final PacketProcessor processor;
    private final byte[] buf = new byte[PcapPorts.SNAPLEN];
    private ForwardingTables indexedFor;
    private int serverIndex = -1;

    ServerLoop(FramePort port, AtomicReference<LiveBalancer.Snapshot> live, BalancerCounters counters) {
        this.port = port;
        this.live = live;
        this.processor = new PacketProcessor(pinned, counters);
    }

    @Override
    public void run() {
        try {
            while (true) {
                int n = port.receive(buf);
                if (n == FramePort.STOPPED) {
                    return;
                }
                if (n > 0) {
                    forward(n);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void forward(int n) {
        LiveBalancer.Snapshot s = live.get();
        ForwardingTables t = s.tables;
        if (t != indexedFor) {
            // once per table generation: which server this interface leads to
            int[] on = t.serversOnInterface(port.name());
            serverIndex = on.length == 0 ? -1 : on[0];
            indexedFor = t;
        }
        if (serverIndex < 0) {
            return;
        }
        pinned.tables = t;
        if (processor.fromServer(serverIndex, buf, 0, n) == PacketProcessor.TO_NETWORK) {
            s.network.send(buf, n);
        }
    }
}
