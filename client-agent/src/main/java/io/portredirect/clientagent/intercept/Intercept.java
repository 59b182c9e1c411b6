package io.portredirect.clientagent.intercept;

import io.portredirect.clientagent.config.ListenerProtocol;
import io.portredirect.protocol.config.HostPort;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * One intercepted destination: connections (TCP) or datagrams (UDP) of unmodified applications to
 * {@code vip:port} (a redirect port of the balancer).
 */
public record Intercept(InetAddress vip, int port, ListenerProtocol protocol) {
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
        this(vip, port, ListenerProtocol.TCP);
    }

    /**
     * Parses {@code 198.18.0.10:80}, {@code 198.18.0.10:53/udp} or {@code [2001:2::10]:80/tcp}
     * (TCP when no protocol is named).
     */
    public static Intercept parse(String text) {
        ListenerProtocol protocol = ListenerProtocol.TCP;
        String hostPort = text;
        int slash = text.lastIndexOf('/');
        if (slash >= 0) {
            String name = text.substring(slash + 1);
            protocol = switch (name) {
                case "tcp" -> ListenerProtocol.TCP;
                case "udp" -> ListenerProtocol.UDP;
                default -> throw new IllegalArgumentException("protocol '" + name + "' is not tcp or udp");
            };
            hostPort = text.substring(0, slash);
        }
        InetSocketAddress a = HostPort.parse(hostPort);
        return new Intercept(a.getAddress(), a.getPort(), protocol);
    }

    public boolean ipv4() {
        return vip instanceof Inet4Address;
    }

    public boolean udp() {
        return protocol == ListenerProtocol.UDP;
    }

    /** {@code VIP:PORT} for TCP, {@code VIP:PORT/udp} for UDP: the form {@link #parse} reads. */
    @Override
    public String toString() {
        return HostPort.format(new InetSocketAddress(vip, port)) + (udp() ? "/udp" : "");
    }
}
