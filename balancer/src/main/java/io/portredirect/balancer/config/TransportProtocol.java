package io.portredirect.balancer.config;

import io.portredirect.protocol.packet.IpProtocol;

/** The port-carrying transports a service or redirect port applies to. */
public enum TransportProtocol {
    TCP(IpProtocol.TCP),
    UDP(IpProtocol.UDP);

    private final int number;

    TransportProtocol(int number) {
        this.number = number;
    }

    /** IP protocol number. */
    public int number() {
        return number;
    }

    /** The YAML spelling. */
    public String yamlName() {
        return name().toLowerCase();
    }

    /** The transport for an IP protocol number, or null. */
    public static TransportProtocol of(int ipProtocol) {
        return ipProtocol == IpProtocol.TCP ? TCP : ipProtocol == IpProtocol.UDP ? UDP : null;
    }

    /** The transport spelled {@code name} in YAML (any case), or null. */
    public static TransportProtocol byName(String name) {
        for (TransportProtocol p : values()) {
            if (p.yamlName().equalsIgnoreCase(name.trim())) {
                return p;
            }
        }
        return null;
    }
}
