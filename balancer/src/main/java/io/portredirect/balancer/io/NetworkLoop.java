package io.portredirect.balancer.io;

import io.portredirect.balancer.decide.PacketProcessor;
import io.portredirect.balancer.metrics.BalancerCounters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Reads the network side: ARP/NDP for the VIPs answered here, everything else decided by the
 * {@link PacketProcessor} and, when it names a server, sent out of that server's interface.
 * One reused buffer, no allocation per packet.
 */
final class NetworkLoop implements Runnable {
    private final FramePort port;
    private final AtomicReference<LiveBalancer.Snapshot> live;
    private final NeighborResponder neighbors;
    private final PinnedTables pinned = new PinnedTables();
    private final PacketProcessor processor;
    private final byte[] buf = new byte[PcapPorts.SNAPLEN];

    NetworkLoop(FramePort port, AtomicReference<LiveBalancer.Snapshot> live, BalancerCounters counters, NeighborResponder neighbors) {
        this.port = port;
        this.live = live;
        this.neighbors = neighbors;
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
        pinned.tables = s.tables;
        if (neighbors.handle(buf, n, s.tables, port)) {
            return;
        }
        int server = processor.fromNetwork(buf, 0, n);
        if (server >= 0) {
            s.serverPorts[server].send(buf, n);
        }
    }
}
