package io.portredirect.serveragent.config;

import java.net.InetSocketAddress;

/**
 * One of this server's own service ports, optionally proxied by the agent to a local application
 * endpoint ({@code proxy-to}); without it the application listens on the port itself.
 */
public record ServicePort(int port, InetSocketAddress proxyTo) {
    public boolean proxied() {
        return proxyTo != null;
    }
}
