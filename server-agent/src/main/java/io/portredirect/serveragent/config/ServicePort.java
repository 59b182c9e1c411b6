package io.portredirect.serveragent.config;

import java.net.InetSocketAddress;

/**
 * One of this server's own service ports, optionally proxied by the agent to a local application
 * endpoint ({@code proxy-to}, TCP); without it the application listens on the port itself. A port
 * serves TCP, UDP or both ({@code 9001/udp}): the agent names it only in answers of its transport.
 */
public record ServicePort(int port, InetSocketAddress proxyTo, boolean tcp, boolean udp) {
    public ServicePort {
        if (!tcp && !udp) {
            throw new IllegalArgumentException("service port " + port + " serves neither tcp nor udp");
        }
    }

    /** A port for both transports. */
    public ServicePort(int port, InetSocketAddress proxyTo) {
        this(port, proxyTo, true, true);
    }

    public boolean proxied() {
        return proxyTo != null;
    }

    /** {@code /tcp} or {@code /udp} when the port serves one transport only, else empty. */
    public String protocolSuffix() {
        return tcp && udp ? "" : tcp ? "/tcp" : "/udp";
    }
}
