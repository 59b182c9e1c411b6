package io.portredirect.balancer.config;

import java.net.InetAddress;
import java.util.List;

/**
 * The network side: where client traffic arrives and where return traffic leaves.
 *
 * @param interfaceName the balancer's network-side interface
 * @param mac           its MAC (answers ARP/NDP for the VIPs; source MAC of return traffic)
 * @param nextHops      the router(s) return traffic goes to, at most one per address family
 * @param nextHopMac    destination MAC of return traffic
 */
public record NetworkConfig(String interfaceName, MacSpec mac, List<InetAddress> nextHops, MacSpec nextHopMac) {
    public NetworkConfig {
        nextHops = List.copyOf(nextHops);
    }
}
