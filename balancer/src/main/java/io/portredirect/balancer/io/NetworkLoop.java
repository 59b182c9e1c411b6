package io.portredirect.balancer.io;

import io.portredirect.balancer.decide.PacketProcessor;
import io.portredirect.balancer.metrics.BalancerCounters;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Reads the network side: frames for another host's MAC dropped first, ARP/NDP for the VIPs answered here, everything else decided by the
 * {@link PacketProcessor} and, when it names a server, sent out of that server's interface.
 */
final class NetworkLoop extends FrameLoop {
    private final NeighborResponder neighbors;
    private FramePort[] mtuFor;

    NetworkLoop(FramePort port, AtomicReference<LiveBalancer.Snapshot> live, BalancerCounters counters, NeighborResponder neighbors,
                SendBatch tx) {
        super(port, live, counters, tx);
        this.neighbors = neighbors;
    }

    @Override
    void forward(int n) {
        LiveBalancer.Snapshot s = live.get();
        pinned.tables = s.tables;
        if (!processor.admits(buf, 0, n)) {
            return;
        }
        // replies leave by the network interface (on nft the frame came in over the Java path)
        if (neighbors.handle(buf, n, s.tables, s.network)) {
            return;
        }
        if (s.serverPorts != mtuFor) {
            // once per snapshot: the MTU of each server's link, for the too-big check
            int[] mtu = new int[s.serverPorts.length];
            for (int i = 0; i < mtu.length; i++) {
                mtu[i] = s.serverPorts[i].mtu();
            }
            processor.egressMtu(mtu);
            mtuFor = s.serverPorts;
        }
        int server = processor.fromNetwork(buf, 0, n);
        if (server >= 0) {
            tx.add(s.serverPorts[server], buf, n);
        } else if (server == PacketProcessor.TOO_BIG) {
            s.network.send(processor.reply(), processor.replyLength());
        }
    }
}
