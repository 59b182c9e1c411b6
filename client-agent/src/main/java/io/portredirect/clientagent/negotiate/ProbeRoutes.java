package io.portredirect.clientagent.negotiate;

import io.portredirect.protocol.config.PortRange;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Which server each probe source port led to last, per probed VIP:port. The balancer picks the
 * server by a hash of (client address, client port, VIP, port, protocol) over a table that changes
 * only with its config, so a source port that reached the server owning Y before reaches it again.
 * That turns a timed-out probe into a failed server ({@link NegativeCache}) and lets the next probes
 * pick source ports that lead elsewhere. An entry is only a hint: a changed group makes it stale,
 * which costs at most one timeout until the port's next answer overwrites it.
 *
 * <p>Memory: one int per source port per probed VIP:port, at most {@value #MAX_TARGETS} of those
 * (more, and it starts over). Not thread-safe: the probe loop owns it.
 */
public final class ProbeRoutes {
    static final int MAX_TARGETS = 64;

    private record Target(InetAddress vip, int port) {
    }

    private final PortRange sourcePorts;
    private final Map<Target, int[]> last = new HashMap<>();

    public ProbeRoutes(PortRange sourcePorts) {
        this.sourcePorts = sourcePorts;
    }

    /** A probe from {@code sourcePort} to {@code vip}:{@code port} was answered naming {@code servicePort} (0: forget). */
    public void learn(InetAddress vip, int port, int sourcePort, int servicePort) {
        if (!sourcePorts.contains(sourcePort)) {
            return;
        }
        Target t = new Target(vip, port);
        int[] a = last.get(t);
        if (a == null) {
            if (servicePort == 0) {
                return;
            }
            if (last.size() >= MAX_TARGETS) {
                last.clear();
            }
            a = new int[sourcePorts.size()];
            last.put(t, a);
        }
        a[sourcePort - sourcePorts.first()] = servicePort;
    }

    /** The service port the last answer to a probe from {@code sourcePort} named, or 0 when unknown. */
    public int servicePort(InetAddress vip, int port, int sourcePort) {
        int[] a = last.get(new Target(vip, port));
        return a == null || !sourcePorts.contains(sourcePort) ? 0 : a[sourcePort - sourcePorts.first()];
    }
}
