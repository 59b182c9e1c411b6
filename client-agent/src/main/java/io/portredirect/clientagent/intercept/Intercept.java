package io.portredirect.clientagent.intercept;

import io.portredirect.protocol.config.TransportProtocol;
import io.portredirect.protocol.config.HostPort;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * One intercepted destination: connections (TCP) or datagrams (UDP) of unmodified applications to
 * {@code vip:port} (a redirect port of the balancer).
 */
public record Intercept(InetAddress vip, int port, TransportProtocol protocol) {
    public Intercept {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (protocol == null) {
            throw new IllegalArgumentException("no protocol");
        }
    }

    /** A TCP destination. */
    public Intercept(InetAddress vip, int port) {
        this(vip, port, TransportProtocol.TCP);
    }

    /**
     * Parses {@code 198.18.0.10:80}, {@code 198.18.0.10:53/udp} or {@code [2001:2::10]:80/tcp}
     * (TCP when no protocol is named).
     */
    public static Intercept parse(String text) {
        TransportProtocol.Suffixed spec = TransportProtocol.split(text);
        InetSocketAddress a = HostPort.parse(spec.body());
        return new Intercept(a.getAddress(), a.getPort(), spec.transport() == null ? TransportProtocol.TCP : spec.transport());
    }

    public boolean ipv4() {
        return vip instanceof Inet4Address;
    }

    public boolean udp() {
        return protocol == TransportProtocol.UDP;
    }

    /** {@code VIP:PORT} for TCP, {@code VIP:PORT/udp} for UDP: the form {@link #parse} reads. */
    @Override
    public String toString() {
        return HostPort.format(new InetSocketAddress(vip, port)) + (udp() ? "/udp" : "");
    }
}
