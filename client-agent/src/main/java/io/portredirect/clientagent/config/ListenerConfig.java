package io.portredirect.clientagent.config;

import io.portredirect.protocol.config.TransportProtocol;
import io.portredirect.protocol.config.HostPort;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/** One local listener: connections (or datagrams) to {@code listen} go to VIP:redirect port. */
public record ListenerConfig(TransportProtocol protocol, InetSocketAddress listen, InetAddress vip, int redirectPort) {
    @Override
    public String toString() {
        return protocol.name().toLowerCase() + " " + HostPort.format(listen) + " -> " + HostPort.format(new InetSocketAddress(vip, redirectPort));
    }
}
