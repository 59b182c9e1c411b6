package io.portredirect.balancer.config;

import java.util.List;
import java.util.Set;

/**
 * A redirect port: REDIRECT packets to it are spread over {@code group} by weight; legacy packets
 * (no REDIRECT) go to {@code owner} when set, else to the default server.
 */
public record RedirectPortConfig(int port, Set<TransportProtocol> protocols, List<String> group, String owner) {
    public RedirectPortConfig {
        protocols = Set.copyOf(protocols);
        group = List.copyOf(group);
    }
}
