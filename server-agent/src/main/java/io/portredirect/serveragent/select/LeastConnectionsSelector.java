package io.portredirect.serveragent.select;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The listening service port with the fewest established connections, counted by the kernel.
 * Between two snapshots every answer given is added to the chosen port's count, so a burst of
 * SYNs spreads instead of all landing on the port that was least loaded at the last read. Ties go
 * round robin. Without a valid snapshot it is plain round robin.
 */
public final class LeastConnectionsSelector implements PortSelector {
    private final int[] ports;
    private final int[] queuePorts;
    private final Supplier<SocketLoad> load;
    private final AtomicInteger tie = new AtomicInteger();
    private final AtomicReference<SocketLoad> countedFor = new AtomicReference<>();
    private final AtomicIntegerArray handedOut;

    public LeastConnectionsSelector(int[] ports, int[] queuePorts, Supplier<SocketLoad> load) {
        this.ports = ports.clone();
        this.queuePorts = queuePorts.clone();
        this.load = load;
        this.handedOut = new AtomicIntegerArray(ports.length);
    }

    @Override
    public int select() {
        SocketLoad s = load.get();
        int start = Math.floorMod(tie.getAndIncrement(), ports.length);
        if (!s.valid()) {
            return ports[start];
        }
        SocketLoad prev = countedFor.get();
        if (prev != s && countedFor.compareAndSet(prev, s)) {
            for (int i = 0; i < ports.length; i++) {
                handedOut.set(i, 0);
            }
        }
        int best = -1;
        long bestCount = Long.MAX_VALUE;
        for (int i = 0; i < ports.length; i++) {
            int k = (start + i) % ports.length;
            if (!s.listening(queuePorts[k])) {
                continue;
            }
            long c = (long) s.establishedOn(ports[k]) + handedOut.get(k);
            if (c < bestCount) {
                bestCount = c;
                best = k;
            }
        }
        if (best < 0) {
            return NONE;
        }
        handedOut.incrementAndGet(best);
        return ports[best];
    }
}
