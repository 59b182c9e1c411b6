package io.portredirect.clientagent.negotiate;

import io.portredirect.clientagent.config.VipConfig;

import java.net.InetAddress;
import java.util.Set;

/**
 * What a redirect from one VIP may name: a service port inside the configured ranges (a confirmed
 * target, or a mid-connection move), or, as a further hop of a chain, one of the VIP's known
 * redirect ports. Anything else is ignored and counted: a forged or confused answer must not steer
 * connections to an arbitrary port.
 */
public record VipPolicy(VipConfig vip, Set<Integer> redirectPorts) {
    public VipPolicy {
        redirectPorts = Set.copyOf(redirectPorts);
    }

    public InetAddress address() {
        return vip.address();
    }

    public boolean allowsService(int port) {
        return vip.allows(port);
    }

    /** A chain hop may go to a service port or to another redirect port of the same VIP. */
    public boolean allowsChainTo(int port) {
        return vip.allows(port) || redirectPorts.contains(port);
    }
}
