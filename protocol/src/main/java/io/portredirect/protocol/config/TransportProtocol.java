package io.portredirect.protocol.config;

import io.portredirect.protocol.packet.IpProtocol;

import java.util.Locale;

/**
 * The port-carrying transports, and how config text names one: {@code tcp} or {@code udp}, alone
 * or as the suffix of a port or address ({@code 9001/udp}, {@code 198.18.0.10:53/udp}). Every
 * program's config reads these spellings here.
 */
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
        return name().toLowerCase(Locale.ROOT);
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

    /** Config text split at its transport suffix: {@code transport} is null when none is named. */
    public record Suffixed(String body, TransportProtocol transport) {
    }

    /**
     * Splits {@code 9001/udp}, {@code 8000-8099/tcp} or {@code [2001:2::10]:80/tcp} at the last
     * {@code /}; text without one has no transport named. Throws IllegalArgumentException
     * ({@code protocol 'sctp' is not tcp or udp}) for another suffix.
     */
    public static Suffixed split(String text) {
        String t = text.trim();
        int slash = t.lastIndexOf('/');
        if (slash < 0) {
            return new Suffixed(t, null);
        }
        String name = t.substring(slash + 1);
        TransportProtocol p = byName(name);
        if (p == null) {
            throw new IllegalArgumentException("protocol '" + name + "' is not tcp or udp");
        }
        return new Suffixed(t.substring(0, slash), p);
    }
}
