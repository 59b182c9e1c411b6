package io.portredirect.serveragent.select;

import java.util.concurrent.atomic.AtomicInteger;

/** Each service port in turn, whatever the kernel says. */
public final class RoundRobinSelector implements PortSelector {
    private final int[] ports;
    private final AtomicInteger next = new AtomicInteger();

    public RoundRobinSelector(int[] ports) {
        this.ports = ports.clone();
    }

    @Override
    public int select() {
        return ports[Math.floorMod(next.getAndIncrement(), ports.length)];
    }
}
