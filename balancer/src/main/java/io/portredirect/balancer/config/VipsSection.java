package io.portredirect.balancer.config;

import io.portredirect.protocol.config.ConfigMapping;
import io.portredirect.protocol.config.ConfigValue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code vips}: the virtual addresses the balancer serves; and the optional per-VIP keys
 * ({@code service-vips} of a server, {@code vips} of a redirect port) that narrow ports to some of them.
 */
final class VipsSection {
    private VipsSection() {
    }

    static List<InetAddress> read(ConfigMapping root) {
        List<InetAddress> out = new ArrayList<>();
        ConfigValue v = root.get("vips");
        if (v == null) {
            if (root.has("vips")) {
                root.problem("vips", "empty: at least one VIP is needed");
            } else {
                root.problem("vips", "missing: list the virtual IPs (IPv4 and/or IPv6) the balancer serves");
            }
            return out;
        }
        List<ConfigValue> items = v.items();
        if (items.isEmpty()) {
            v.problem("empty: at least one VIP is needed");
        }
        Map<InetAddress, Integer> seen = new HashMap<>();
        for (ConfigValue item : items) {
            InetAddress a = item.ip();
            if (a == null) {
                continue;
            }
            Integer first = seen.putIfAbsent(a, item.line());
            if (first != null) {
                item.problem("duplicate VIP " + Addresses.format(a) + " (first at line " + first + ")");
            } else {
                out.add(a);
            }
        }
        return out;
    }

    /**
     * An optional list of VIPs under {@code key} of {@code m}, each one of {@code vips}; empty when
     * the key is absent, which means every VIP.
     */
    static List<InetAddress> subset(ConfigMapping m, String key, List<InetAddress> vips) {
        List<InetAddress> out = new ArrayList<>();
        if (!m.has(key)) {
            return out;
        }
        ConfigValue v = m.get(key);
        List<ConfigValue> items = v == null ? List.of() : v.items();
        if (items.isEmpty()) {
            m.problem(key, "empty: list VIPs (or leave the key out for every VIP)");
        }
        for (ConfigValue item : items) {
            InetAddress a = item.ip();
            if (a == null) {
                continue;
            }
            if (!vips.contains(a)) {
                item.problem(Addresses.format(a) + " is not one of the vips");
            } else if (out.contains(a)) {
                item.problem(Addresses.format(a) + " listed twice");
            } else {
                out.add(a);
            }
        }
        return out;
    }
}
