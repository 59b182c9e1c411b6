package io.portredirect.balancer.config;

import io.portredirect.protocol.config.ConfigMapping;
import io.portredirect.protocol.config.ConfigValue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@code vips}: the virtual addresses the balancer serves. */
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
}
