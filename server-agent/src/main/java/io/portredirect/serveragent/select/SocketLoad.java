package io.portredirect.serveragent.select;

import java.util.Map;

/**
 * One snapshot of the kernel's TCP sockets on the ports the policies care about: per port, the
 * listen socket's accept-queue length and backlog, and the number of established connections.
 * Immutable; the policies read it on the packet path, a background refresh replaces it.
 *
 * @param valid false when the kernel could not be read: policies then fall back to round robin
 */
public record SocketLoad(boolean valid, Map<Integer, Listen> listeners, Map<Integer, Integer> established) {
    /**
     * The listen socket(s) of one port; several (SO_REUSEPORT, or IPv4 and IPv6) are summed and
     * count as full only when every one is.
     */
    public record Listen(int acceptQueue, int backlog, boolean full) {
        /**
         * One listen socket: full at or above its backlog. (Linux still admits one more connection
         * when the queue equals the backlog; calling that full keeps a slot of margin against the
         * refresh lag.)
         */
        public static Listen of(int acceptQueue, int backlog) {
            return new Listen(acceptQueue, backlog, acceptQueue >= backlog);
        }

        /** Both sockets together. */
        public Listen plus(Listen o) {
            return new Listen(acceptQueue + o.acceptQueue, backlog + o.backlog, full && o.full);
        }
    }

    /** No knowledge: what the policies see before the first read or after a failed one. */
    public static final SocketLoad UNKNOWN = new SocketLoad(false, Map.of(), Map.of());

    public SocketLoad {
        listeners = Map.copyOf(listeners);
        established = Map.copyOf(established);
    }

    public boolean listening(int port) {
        return listeners.containsKey(port);
    }

    /** True when the port listens and its accept queue is full. */
    public boolean acceptQueueFull(int port) {
        Listen l = listeners.get(port);
        return l != null && l.full();
    }

    public int establishedOn(int port) {
        return established.getOrDefault(port, 0);
    }
}
