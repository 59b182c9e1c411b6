package io.portredirect.balancer.config;

import io.portredirect.protocol.config.TransportProtocol;
import io.portredirect.protocol.config.ConfigMapping;
import io.portredirect.protocol.config.ConfigValue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * {@code redirect-ports}: ports shared by a group of servers, on every VIP or on those under
 * {@code vips}. A redirect port must not also be a service port on the same VIP (rule 1 would
 * shadow it), nor listed twice for one VIP.
 */
final class RedirectPortsSection {
    private RedirectPortsSection() {
    }

    static List<RedirectPortConfig> read(ConfigMapping root, List<InetAddress> allVips, ServerNames names, PortClaims serviceClaims) {
        List<RedirectPortConfig> out = new ArrayList<>();
        ConfigValue v = root.get("redirect-ports");
        if (v == null) {
            return out;
        }
        PortClaims redirectClaims = new PortClaims(allVips);
        for (ConfigValue item : v.list()) {
            if (!item.node().isMap()) {
                item.problem("expected a mapping (port, protocols, group, owner, vips), found " + item.node().describe());
                continue;
            }
            ConfigMapping r = item.mapping().keys("port", "protocols", "group", "owner", "vips");
            ConfigValue pv = r.required("port", null);
            Integer port = pv == null ? null : pv.integer(1, 65535);
            Set<TransportProtocol> protos = protocols(r);
            List<String> group = group(r, names);
            ConfigValue ov = r.get("owner");
            String owner = ov == null ? null : names.resolve(ov);
            List<InetAddress> vips = VipsSection.subset(r, "vips", allVips);
            if (port == null) {
                continue;
            }
            for (TransportProtocol p : protos) {
                String k = p.yamlName() + "/" + port;
                PortClaims.Clash svc = serviceClaims.get(vips, p, port);
                if (svc != null) {
                    pv.problem("port " + k + svc.on() + " is a " + svc.first().what() + " (" + svc.first().key() + ", line "
                            + svc.first().line() + "); a redirect port cannot also be a service port (rule 1 would shadow it; "
                            + "use owner: for legacy clients)");
                }
                PortClaims.Clash dup = redirectClaims.claim(vips, p, port, new PortClaims.Claim("redirect port", item.path(), pv.line()));
                if (dup != null) {
                    pv.problem("port " + k + dup.on() + " is already a redirect port (" + dup.first().key() + ", line "
                            + dup.first().line() + ")");
                }
            }
            if (!group.isEmpty() && !protos.isEmpty()) {
                out.add(new RedirectPortConfig(port, protos, group, owner, vips));
            }
        }
        return out;
    }

    private static Set<TransportProtocol> protocols(ConfigMapping r) {
        if (!r.has("protocols")) {
            return EnumSet.allOf(TransportProtocol.class);
        }
        Set<TransportProtocol> protos = EnumSet.noneOf(TransportProtocol.class);
        ConfigValue pe = r.get("protocols");
        List<ConfigValue> items = pe == null ? List.of() : pe.items();
        if (items.isEmpty()) {
            r.problem("protocols", "empty: list tcp and/or udp (or leave the key out for both)");
        }
        for (ConfigValue item : items) {
            TransportProtocol p = item.node().isScalar() ? TransportProtocol.byName(item.node().text()) : null;
            if (p == null) {
                item.problem(item.node().describe() + " is not tcp or udp");
            } else if (!protos.add(p)) {
                item.problem(p.yamlName() + " listed twice");
            }
        }
        return protos;
    }

    private static List<String> group(ConfigMapping r, ServerNames names) {
        List<String> group = new ArrayList<>();
        if (!r.has("group")) {
            r.problem("group", "missing: list the servers that share this redirect port");
            return group;
        }
        ConfigValue ge = r.get("group");
        List<ConfigValue> items = ge == null ? List.of() : ge.items();
        if (items.isEmpty()) {
            r.problem("group", "empty: a redirect port needs at least one server");
        }
        for (ConfigValue item : items) {
            String name = names.resolve(item);
            if (name != null && group.contains(name)) {
                item.problem("server '" + name + "' listed twice");
            } else if (name != null) {
                group.add(name);
            }
        }
        return group;
    }
}
