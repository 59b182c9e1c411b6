package io.portredirect.clientagent.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/** One local listener: connections (or datagrams) to {@code listen} go to VIP:redirect port. */
public record ListenerConfig(ListenerProtocol protocol, InetSocketAddress listen, InetAddress vip, int redirectPort) {
    @Override
    public String toString() {
        return protocol.name().toLowerCase() + " " + HostPorts.format(listen) + " -> " + HostPorts.format(new InetSocketAddress(vip, redirectPort));
    }
}
