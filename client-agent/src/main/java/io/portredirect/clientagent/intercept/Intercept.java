package io.portredirect.clientagent.intercept;

import io.portredirect.protocol.config.HostPort;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * One intercepted destination: TCP connections of unmodified applications to {@code vip:port}
 * (a redirect port of the balancer).
 */
public record Intercept(InetAddress vip, int port) {
    public Intercept {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    /** Parses {@code 198.18.0.10:80} or {@code [2001:2::10]:80}. */
    public static Intercept parse(String text) {
        InetSocketAddress a = HostPort.parse(text);
        return new Intercept(a.getAddress(), a.getPort());
    }

    public boolean ipv4() {
        return vip instanceof Inet4Address;
    }

    @Override
    public String toString() {
        return HostPort.format(new InetSocketAddress(vip, port));
    }
}
