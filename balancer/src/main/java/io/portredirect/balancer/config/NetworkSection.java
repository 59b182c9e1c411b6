package io.portredirect.balancer.config;

import io.portredirect.protocol.config.ConfigMapping;
import io.portredirect.protocol.config.ConfigValue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/** {@code network}: the balancer's network-side interface, its MAC, and the next hop for return traffic. */
final class NetworkSection {
    private static final NetworkConfig NONE = new NetworkConfig("?", MacSpec.auto(), List.of(), MacSpec.auto());

    private NetworkSection() {
    }

    static NetworkConfig read(ConfigMapping root) {
        ConfigValue v = root.required("network", "name the network-side interface (network.interface) and next hop");
        ConfigMapping n = v == null ? null : v.mapping();
        if (n == null) {
            return NONE;
        }
        n.keys("interface", "mac", "next-hop", "next-hop-mac");
        String iface = Interfaces.required(n);
        MacSpec mac = Macs.read(n, "mac", true, MacSpec.auto());
        List<InetAddress> hops = new ArrayList<>();
        ConfigValue hop = n.get("next-hop");
        for (ConfigValue item : hop == null ? List.<ConfigValue>of() : hop.items()) {
            InetAddress a = item.ip();
            if (a != null && AddressFamilies.sameFamily(hops, a)) {
                // return traffic has one destination MAC per family; two routers would be a silent choice
                item.problem("a second " + AddressFamilies.family(a) + " next hop (" + Addresses.format(first(hops, a))
                        + " is the first); at most one next hop per address family");
            } else if (a != null) {
                hops.add(a);
            }
        }
        MacSpec hopMac = Macs.read(n, "next-hop-mac", true, MacSpec.auto());
        if (hopMac != null && hopMac.isAuto() && hops.isEmpty()) {
            root.reader().problem(n.has("next-hop-mac") ? n.lineOf("next-hop-mac") : v.line(), n.pathOf("next-hop-mac"),
                    "auto needs network.next-hop (the router to resolve); or give the router's MAC");
        }
        return new NetworkConfig(iface == null ? "?" : iface, mac == null ? MacSpec.auto() : mac, hops,
                hopMac == null ? MacSpec.auto() : hopMac);
    }

    private static InetAddress first(List<InetAddress> hops, InetAddress like) {
        return hops.stream().filter(h -> AddressFamilies.sameFamily(List.of(h), like)).findFirst().orElseThrow();
    }
}
