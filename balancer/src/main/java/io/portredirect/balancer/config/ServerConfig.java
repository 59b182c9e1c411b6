package io.portredirect.balancer.config;

import java.net.InetAddress;
import java.util.List;

/**
 * One server (the seed's "recipient server" behind an external connector).
 *
 * @param name          unique name; hashed for its place in the distribution tables
 * @param interfaceName the balancer's interface toward the server
 * @param mac           the server's MAC (null only for raw servers that leave frames unchanged)
 * @param interfaceMac  the balancer's own MAC on {@code interfaceName} (source MAC toward the server)
 * @param ips           the server's own addresses, at most one per family (l3)
 * @param vips          per family, the VIP an l3 server answers for (empty: the only VIP of that family)
 * @param mode          forwarding mode
 * @param weight        share in redirect groups and echo balancing (entry frequency in the table)
 * @param servicePorts  the ports that name this server (unique per VIP)
 * @param serviceVips   the VIPs its service ports are on (empty: every VIP)
 * @param health        its health check, or null (never checked: always up)
 */
public record ServerConfig(String name, String interfaceName, MacSpec mac, MacSpec interfaceMac, List<InetAddress> ips,
                           List<InetAddress> vips, ForwardingMode mode, int weight, List<ServicePortRange> servicePorts,
                           List<InetAddress> serviceVips, HealthCheck health) {
    public ServerConfig {
        ips = List.copyOf(ips);
        vips = List.copyOf(vips);
        servicePorts = List.copyOf(servicePorts);
        serviceVips = List.copyOf(serviceVips);
    }

    /** True when its service ports are on {@code vip}. */
    public boolean servesOn(InetAddress vip) {
        return serviceVips.isEmpty() || serviceVips.contains(vip);
    }
}
