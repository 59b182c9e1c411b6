package io.portredirect.balancer.io;

import io.portredirect.balancer.decide.PacketProcessor;
import io.portredirect.balancer.health.ProbeAnswers;
import io.portredirect.balancer.metrics.BalancerCounters;
import io.portredirect.balancer.table.ForwardingTables;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Reads one server-side interface: return traffic the {@link PacketProcessor} claims (l3 replies
 * rewritten back to the VIP, raw servers' frames) goes out of the network side; the rest is left
 * to the kernel, which has its own copy.
 */
final class ServerLoop extends FrameLoop {
    private ForwardingTables indexedFor;
    private int serverIndex = -1;
    /** Answers to the health checker's probes (null: no health-checked server here). */
    private ProbeAnswers probeAnswers;

    ServerLoop(FramePort port, AtomicReference<LiveBalancer.Snapshot> live, BalancerCounters counters, SendBatch tx) {
        super(port, live, counters, tx);
    }

    @Override
    void forward(int n) {
        LiveBalancer.Snapshot s = live.get();
        ForwardingTables t = s.tables;
        if (t != indexedFor) {
            // once per table generation: which server this interface leads to
            int[] on = t.serversOnInterface(port.name());
            serverIndex = on.length == 0 ? -1 : on[0];
            probeAnswers = ProbeAnswers.forInterface(t, port.name());
            indexedFor = t;
        }
        if (serverIndex < 0) {
            return;
        }
        if (probeAnswers != null && probeAnswers.isAnswer(buf, n)) {
            return; // the health checker's own capture has it; not return traffic
        }
        pinned.tables = t;
        if (processor.fromServer(serverIndex, buf, 0, n) == PacketProcessor.TO_NETWORK) {
            tx.add(s.network, buf, n);
        }
    }
}
