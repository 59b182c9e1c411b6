package io.portredirect.balancer.config;

import io.portredirect.protocol.config.TransportProtocol;
import io.portredirect.protocol.config.ConfigMapping;
import io.portredirect.protocol.config.ConfigValue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code servers}: name, interface, MACs, addresses, mode, weight and service ports of each server.
 * Claims every service port in {@link PortClaims} (they must be unique) and fills {@link ServerNames}.
 */
final class ServersSection {
    /** Server indices are stored in short[] tables. */
    static final int MAX_SERVERS = Short.MAX_VALUE;
    static final int MAX_WEIGHT = 1_000_000;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");

    private final List<InetAddress> vips;
    private final ServerNames names;
    private final PortClaims claims;

    private ServersSection(List<InetAddress> vips, ServerNames names, PortClaims claims) {
        this.vips = vips;
        this.names = names;
        this.claims = claims;
    }

    static List<ServerConfig> read(ConfigMapping root, List<InetAddress> vips, ServerNames names, PortClaims claims) {
        List<ServerConfig> out = new ArrayList<>();
        ConfigValue v = root.required("servers", "at least one server is needed");
        if (v == null) {
            return out;
        }
        if (!v.node().isList() || v.node().items().isEmpty()) {
            v.problem("expected a non-empty list of servers, found " + v.node().describe());
            return out;
        }
        if (v.node().items().size() > MAX_SERVERS) {
            v.problem("at most " + MAX_SERVERS + " servers");
        }
        ServersSection section = new ServersSection(vips, names, claims);
        for (ConfigValue item : v.list()) {
            if (!item.node().isMap()) {
                item.problem("expected a mapping (name, interface, mac, mode, ...), found " + item.node().describe());
                continue;
            }
            ServerConfig s = section.server(item.mapping());
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }

    private ServerConfig server(ConfigMapping s) {
        s.keys("name", "interface", "mac", "interface-mac", "ip", "vip", "mode", "weight", "service-ports", "service-vips", "health");
        String name = name(s);
        String iface = Interfaces.required(s);
        ForwardingMode mode = mode(s);
        MacSpec mac = Macs.read(s, "mac", false, null);
        if (mac == null && !s.has("mac") && mode != ForwardingMode.RAW && mode != null) {
            s.reader().problem(s.line(), s.pathOf("mac"), "missing: " + mode.yamlName()
                    + " servers need the server's MAC (only raw servers may omit it)");
        }
        MacSpec ifMac = Macs.read(s, "interface-mac", true, MacSpec.auto());
        List<InetAddress> ips = addresses(s, "ip");
        if (mode == ForwardingMode.L3 && ips.isEmpty() && !s.has("ip")) {
            s.reader().problem(s.line(), s.pathOf("ip"),
                    "missing: l3 servers need the server's own IP address (the balancer rewrites the VIP to it)");
        }
        List<InetAddress> serverVips = addresses(s, "vip");
        for (InetAddress a : serverVips) {
            if (!vips.contains(a)) {
                s.problem("vip", Addresses.format(a) + " is not one of the vips");
            }
        }
        if (!serverVips.isEmpty() && mode != ForwardingMode.L3) {
            s.problem("vip", "only l3 servers name the VIP they answer for");
        }
        if (mode == ForwardingMode.L3) {
            for (InetAddress a : ips) {
                long sameFamilyVips = vips.stream().filter(x -> (x instanceof Inet4Address) == (a instanceof Inet4Address)).count();
                if (sameFamilyVips > 1 && !AddressFamilies.sameFamily(serverVips, a)) {
                    s.reader().problem(s.lineOf("ip"), s.pathOf("vip"), "missing: there are " + sameFamilyVips + " "
                            + AddressFamilies.family(a) + " VIPs; an l3 server must name the one it answers for (return traffic gets it as source)");
                }
            }
        }
        int weight = s.integer("weight", 1, MAX_WEIGHT, 1);
        List<InetAddress> serviceVips = VipsSection.subset(s, "service-vips", vips);
        if (mode == ForwardingMode.L3) {
            l3ServiceVips(s, serverVips, serviceVips);
        }
        List<ServicePortRange> ports = servicePorts(s, name, serviceVips);
        HealthCheck health = HealthSection.read(s);
        if (name == null || iface == null || mode == null) {
            return null;
        }
        return new ServerConfig(name, iface, mac, ifMac == null ? MacSpec.auto() : ifMac, ips, serverVips, mode, weight, ports,
                serviceVips, health);
    }

    private String name(ConfigMapping s) {
        ConfigValue v = s.required("name", null);
        String name = v == null ? null : v.text();
        if (name == null) {
            return null;
        }
        if (!NAME.matcher(name).matches()) {
            v.problem("'" + name + "' is not a valid name (letters, digits, '_', '.', '-'; starts with a letter or digit; max 63)");
            return null;
        }
        Integer first = names.add(name, v.line());
        if (first != null) {
            v.problem("duplicate server name '" + name + "' (first at line " + first + ")");
        }
        return name;
    }

    private static ForwardingMode mode(ConfigMapping s) {
        ConfigValue v = s.required("mode", null);
        String m = v == null ? null : v.text();
        if (m == null) {
            return null;
        }
        for (ForwardingMode f : ForwardingMode.values()) {
            if (f.yamlName().equalsIgnoreCase(m)) {
                return f;
            }
        }
        v.problem("'" + m + "' is not l2, l3 or raw");
        return null;
    }

    /** One address per family, as a scalar or a list. */
    private static List<InetAddress> addresses(ConfigMapping s, String key) {
        List<InetAddress> out = new ArrayList<>();
        ConfigValue v = s.get(key);
        for (ConfigValue item : v == null ? List.<ConfigValue>of() : v.items()) {
            InetAddress a = item.ip();
            if (a != null && AddressFamilies.sameFamily(out, a)) {
                item.problem("at most one " + AddressFamilies.family(a) + " address");
            } else if (a != null) {
                out.add(a);
            }
        }
        return out;
    }

    /** An l3 server answers for one VIP per family: service VIPs beside it would only see L3_VIP_MISMATCH drops. */
    private void l3ServiceVips(ConfigMapping s, List<InetAddress> serverVips, List<InetAddress> serviceVips) {
        for (InetAddress a : serviceVips) {
            List<InetAddress> answers = serverVips.stream().filter(x -> AddressFamilies.sameFamily(List.of(x), a)).toList();
            if (answers.isEmpty()) {
                answers = vips.stream().filter(x -> AddressFamilies.sameFamily(List.of(x), a)).toList();
            }
            if (answers.size() == 1 && !answers.get(0).equals(a)) {
                s.problem("service-vips", Addresses.format(a) + ": this l3 server answers for " + Addresses.format(answers.get(0))
                        + " only (vip), packets to " + Addresses.format(a) + " would be dropped");
            }
        }
    }

    private List<ServicePortRange> servicePorts(ConfigMapping s, String server, List<InetAddress> serviceVips) {
        List<ServicePortRange> out = new ArrayList<>();
        ConfigValue v = s.get("service-ports");
        List<ConfigValue> items = v == null ? List.of() : v.node().isList() ? v.list() : v.items();
        for (int j = 0; j < items.size(); j++) {
            ConfigValue item = items.get(j);
            if (!item.node().isScalar()) {
                item.problem("expected a port like \"10001\", \"10002-10004/tcp\" or \"5353/udp\", found " + item.node().describe());
                continue;
            }
            ServicePortRange r;
            try {
                r = ServicePortRange.parse(item.node().text());
            } catch (IllegalArgumentException e) {
                item.problem(e.getMessage());
                continue;
            }
            out.add(r);
            if (server != null) {
                claim(item, r, server, serviceVips);
            }
        }
        return out;
    }

    private void claim(ConfigValue item, ServicePortRange r, String server, List<InetAddress> serviceVips) {
        PortClaims.Claim mine = new PortClaims.Claim("service port of server " + server, item.path(), item.line());
        // enum order, not the set's (Set.copyOf iterates in a per-JVM order): the same file, the same message
        for (TransportProtocol p : TransportProtocol.values()) {
            if (!r.protocols().contains(p)) {
                continue;
            }
            for (int port = r.first(); port <= r.last(); port++) {
                PortClaims.Clash c = claims.claim(serviceVips, p, port, mine);
                if (c != null) {
                    item.problem("port " + port + "/" + p.yamlName() + c.on() + " is already a " + c.first().what() + " (" + c.first().key()
                            + ", line " + c.first().line() + "); service ports must be unique" + (c.vip() == null ? "" : " per VIP"));
                    return;
                }
            }
        }
    }
}
