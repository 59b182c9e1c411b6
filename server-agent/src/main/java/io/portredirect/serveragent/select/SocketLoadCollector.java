package io.portredirect.serveragent.select;

import io.portredirect.protocol.io.SockDiag;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Builds one {@link SocketLoad} from the sockets of one reading, whichever reader lists them
 * (netlink or {@code ss}): LISTEN sockets merged per port ({@link SocketLoad.Listen#plus}: IPv4 and
 * IPv6, SO_REUSEPORT), ESTABLISHED ones counted per local port, other ports and states ignored.
 */
final class SocketLoadCollector implements SockDiag.Visitor {
    private final int[] ports;
    private final Map<Integer, SocketLoad.Listen> listeners = new HashMap<>();
    private final Map<Integer, Integer> est = new HashMap<>();

    SocketLoadCollector(Collection<Integer> ports) {
        // the kernel lists every connection of the host: match without boxing
        this.ports = ports.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public void socket(int family, int state, int localPort, int rqueue, int wqueue) {
        if (!wanted(localPort)) {
            return;
        }
        if (state == SockDiag.TCP_LISTEN) {
            listeners.merge(localPort, SocketLoad.Listen.of(rqueue, wqueue), SocketLoad.Listen::plus);
        } else if (state == SockDiag.TCP_ESTABLISHED) {
            est.merge(localPort, 1, Integer::sum);
        }
    }

    private boolean wanted(int port) {
        for (int p : ports) {
            if (p == port) {
                return true;
            }
        }
        return false;
    }

    SocketLoad load() {
        return new SocketLoad(true, listeners, est);
    }
}
