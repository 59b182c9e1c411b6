package io.portredirect.balancer.config;

import io.portredirect.protocol.config.TransportProtocol;
import io.portredirect.protocol.config.ConfigDigests;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The digest operators compare across replicas and files: the first 12 hex digits of the SHA-256
 * of the {@link #canonical canonical form}. The canonical form is the loaded, validated config
 * rendered one {@code key=value} line per setting in a fixed key order, with defaults filled in,
 * addresses in their normal spelling and protocol sets sorted. Comments, whitespace, key order
 * and spellings (old camelCase keys, {@code 8001} vs {@code "8001"}) do not change it; the order
 * of lists does, since it is the operator's (server and VIP order are kept as written).
 */
public final class ConfigDigest {
    private ConfigDigest() {
    }

    /** 12 hex digits of SHA-256 over {@link #canonical}. */
    public static String of(BalancerConfig c) {
        return ConfigDigests.digest(canonical(c));
    }

    /** One line per setting, in a fixed order; see the class comment. */
    public static String canonical(BalancerConfig c) {
        StringBuilder out = new StringBuilder();
        line(out, "vips", addresses(c.vips()));
        NetworkConfig n = c.network();
        line(out, "network.interface", n.interfaceName());
        line(out, "network.mac", n.mac());
        line(out, "network.next-hop", addresses(n.nextHops()));
        line(out, "network.next-hop-mac", n.nextHopMac());
        for (int i = 0; i < c.servers().size(); i++) {
            ServerConfig s = c.servers().get(i);
            String p = "servers[" + i + "].";
            line(out, p + "name", s.name());
            line(out, p + "interface", s.interfaceName());
            line(out, p + "mac", s.mac());
            line(out, p + "interface-mac", s.interfaceMac());
            line(out, p + "ip", addresses(s.ips()));
            line(out, p + "vip", addresses(s.vips()));
            line(out, p + "mode", s.mode().yamlName());
            line(out, p + "weight", s.weight());
            line(out, p + "service-ports", s.servicePorts().stream().map(ConfigDigest::servicePort).collect(Collectors.joining(",")));
            optional(out, p + "service-vips", s.serviceVips());
            HealthCheck h = s.health();
            if (h != null) {
                // only when set: digests of configs without health checks stay the same
                line(out, p + "health.port", h.port());
                line(out, p + "health.interval", h.interval().toMillis() + "ms");
                line(out, p + "health.timeout", h.timeout().toMillis() + "ms");
                line(out, p + "health.rise", h.rise());
                line(out, p + "health.fall", h.fall());
                line(out, p + "health.source", h.source() == null ? null : h.source().getHostAddress());
            }
        }
        for (int i = 0; i < c.redirectPorts().size(); i++) {
            RedirectPortConfig r = c.redirectPorts().get(i);
            String p = "redirect-ports[" + i + "].";
            line(out, p + "port", r.port());
            line(out, p + "protocols", protocols(r.protocols()));
            line(out, p + "group", String.join(",", r.group()));
            line(out, p + "owner", r.owner());
            optional(out, p + "vips", r.vips());
        }
        line(out, "default-server", c.defaultServer());
        Policies po = c.policies();
        line(out, "policies.icmp-error", po.icmpError());
        line(out, "policies.icmp-echo", po.icmpEcho().name().toLowerCase() + (po.echoServer() == null ? "" : ":" + po.echoServer()));
        line(out, "policies.fragments", po.fragments());
        if (po.icmpRedirectQuench() != Policies.IcmpRedirectQuench.DROP) {
            // only when set: digests of configs written before the key existed stay the same
            line(out, "policies.icmp-redirect-quench", po.icmpRedirectQuench());
        }
        line(out, "table.size", c.tableSize());
        line(out, "metrics.listen", c.metricsListen());
        return out.toString();
    }

    private static String servicePort(ServicePortRange r) {
        return r.range() + "/" + protocols(r.protocols());
    }

    private static String protocols(Set<TransportProtocol> protocols) {
        // Set.copyOf iterates in a per-JVM random order: sort, or replicas would disagree
        return String.join("+", protocols.stream().map(TransportProtocol::yamlName).collect(Collectors.toCollection(TreeSet::new)));
    }

    private static String addresses(List<InetAddress> list) {
        return list.stream().map(InetAddress::getHostAddress).collect(Collectors.joining(","));
    }

    /**
     * A per-VIP list, written only when set: "every VIP" (absent) keeps the lines, and so the
     * digest, of configs written before the key existed.
     */
    private static void optional(StringBuilder out, String key, List<InetAddress> vips) {
        if (!vips.isEmpty()) {
            line(out, key, addresses(vips));
        }
    }

    private static void line(StringBuilder out, String key, Object value) {
        out.append(key).append('=').append(value == null ? "" : value instanceof Enum<?> e ? e.name().toLowerCase() : value).append('\n');
    }
}
