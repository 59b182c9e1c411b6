package io.portredirect.balancer.config;

import java.util.EnumSet;
import java.util.Set;

/**
 * A service port entry: one port or an inclusive range, for TCP, UDP or both. YAML spelling:
 * {@code "10001"}, {@code "10002-10004/tcp"}, {@code "5353/udp"}.
 */
public record PortRange(int first, int last, Set<TransportProtocol> protocols) {
    public PortRange {
        if (first < 1 || last > 65535 || first > last) {
            throw new IllegalArgumentException("port range " + first + "-" + last + " outside 1-65535");
        }
        protocols = Set.copyOf(protocols.isEmpty() ? EnumSet.allOf(TransportProtocol.class) : protocols);
    }

    public boolean contains(TransportProtocol p, int port) {
        return protocols.contains(p) && port >= first && port <= last;
    }

    /** Number of ports in the range. */
    public int size() {
        return last - first + 1;
    }

    @Override
    public String toString() {
        String ports = first == last ? Integer.toString(first) : first + "-" + last;
        return protocols.size() == 2 ? ports : ports + "/" + protocols.iterator().next().yamlName();
    }
}
