package io.portredirect.balancer.config;

import io.portredirect.protocol.config.TransportProtocol;
import io.portredirect.protocol.config.PortRange;

import java.util.EnumSet;
import java.util.Set;

/**
 * A service port entry: a {@link PortRange} for TCP, UDP or both. YAML spelling:
 * {@code "10001"}, {@code "10002-10004/tcp"}, {@code "5353/udp"}.
 */
public record ServicePortRange(PortRange range, Set<TransportProtocol> protocols) {
    public ServicePortRange {
        protocols = Set.copyOf(protocols.isEmpty() ? EnumSet.allOf(TransportProtocol.class) : protocols);
    }

    /** Parses the YAML spelling; throws IllegalArgumentException saying what is wrong. */
    public static ServicePortRange parse(String text) {
        String t = text.trim();
        TransportProtocol.Suffixed spec;
        try {
            spec = TransportProtocol.split(t);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + t + "': " + e.getMessage());
        }
        String ports = spec.body();
        if (!ports.matches("\\d{1,5}(-\\d{1,5})?")) {
            throw new IllegalArgumentException("'" + t + "' is not a port spec: PORT, FIRST-LAST, optionally /tcp or /udp");
        }
        Set<TransportProtocol> protos = spec.transport() == null ? EnumSet.allOf(TransportProtocol.class) : EnumSet.of(spec.transport());
        try {
            return new ServicePortRange(PortRange.parse(ports), protos);
        } catch (IllegalArgumentException e) {
            // the shared parser quotes only the numbers; the operator wrote the whole spec
            throw new IllegalArgumentException(e.getMessage().replace("'" + ports + "'", "'" + t + "'"));
        }
    }

    public int first() {
        return range.first();
    }

    public int last() {
        return range.last();
    }

    public boolean contains(TransportProtocol p, int port) {
        return protocols.contains(p) && range.contains(port);
    }

    /** Number of ports in the range. */
    public int size() {
        return range.size();
    }

    @Override
    public String toString() {
        return protocols.size() == 2 ? range.toString() : range + "/" + protocols.iterator().next().yamlName();
    }
}
