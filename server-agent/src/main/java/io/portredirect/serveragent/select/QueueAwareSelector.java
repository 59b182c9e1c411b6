package io.portredirect.serveragent.select;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Seed 001 applied across ports: round robin, skipping a service port whose listen socket is
 * missing (application down) or whose accept queue is full; {@link #NONE} when all are. With no
 * valid snapshot (kernel unreadable) it is plain round robin.
 */
public final class QueueAwareSelector implements PortSelector {
    private final int[] ports;
    private final int[] queuePorts;
    private final Supplier<SocketLoad> load;
    private final AtomicInteger next = new AtomicInteger();

    public QueueAwareSelector(int[] ports, int[] queuePorts, Supplier<SocketLoad> load) {
        this.ports = ports.clone();
        this.queuePorts = queuePorts.clone();
        this.load = load;
    }

    @Override
    public int select() {
        SocketLoad s = load.get();
        int start = Math.floorMod(next.getAndIncrement(), ports.length);
        for (int i = 0; i < ports.length; i++) {
            int k = (start + i) % ports.length;
            if (!s.valid()) {
                return ports[k];
            }
            int q = queuePorts[k];
            if (s.listening(q) && !s.acceptQueueFull(q)) {
                return ports[k];
            }
        }
        return NONE;
    }
}
