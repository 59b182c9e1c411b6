package io.portredirect.serveragent.select;

import io.portredirect.serveragent.config.SelectionPolicy;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * Picks the service port the next REDIRECT_CONFIRM names. Implementations are thread-safe, read
 * only an immutable {@link SocketLoad} snapshot and allocate nothing per call.
 */
public interface PortSelector {
    /** The chosen service port, or {@link #NONE} when every candidate is full or down. */
    int select();

    int NONE = -1;

    /**
     * A selector for {@code policy}.
     *
     * @param servicePorts the ports to name, in config order
     * @param queuePorts   per service port, the port whose listen socket shows its load (the
     *                     application's port when the agent proxies it locally, else the same port)
     * @param load         the latest kernel snapshot
     */
    static PortSelector of(SelectionPolicy policy, int[] servicePorts, int[] queuePorts, Supplier<SocketLoad> load) {
        if (servicePorts.length == 0 || servicePorts.length != queuePorts.length) {
            throw new IllegalArgumentException("need one queue port per service port: " + Arrays.toString(servicePorts)
                    + " / " + Arrays.toString(queuePorts));
        }
        return switch (policy) {
            case ROUND_ROBIN -> new RoundRobinSelector(servicePorts);
            case LEAST_CONNECTIONS -> new LeastConnectionsSelector(servicePorts, queuePorts, load);
            case QUEUE_AWARE -> new QueueAwareSelector(servicePorts, queuePorts, load);
        };
    }
}
