package io.portredirect.balancer.config;

import io.portredirect.protocol.config.TransportProtocol;
import java.net.InetAddress;
import java.util.List;
import java.util.Set;

/**
 * A redirect port: REDIRECT packets to it are spread over {@code group} by weight; legacy packets
 * (no REDIRECT) go to {@code owner} when set, else to the default server. {@code vips} are the VIPs
 * it is a redirect port on (empty: every VIP).
 */
public record RedirectPortConfig(int port, Set<TransportProtocol> protocols, List<String> group, String owner,
                                 List<InetAddress> vips) {
    public RedirectPortConfig {
        protocols = Set.copyOf(protocols);
        group = List.copyOf(group);
        vips = List.copyOf(vips);
    }

    /** True when it is a redirect port on {@code vip}. */
    public boolean on(InetAddress vip) {
        return vips.isEmpty() || vips.contains(vip);
    }
}
