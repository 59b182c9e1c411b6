package io.portredirect.balancer.config;

import io.portredirect.protocol.config.ConfigMapping;
import io.portredirect.protocol.config.ConfigValue;

/**
 * {@code default-server} and {@code policies}: where packets the port rules cannot place go. The
 * {@code default} policies need a default server.
 */
final class PoliciesSection {
    private PoliciesSection() {
    }

    /** The default server's name, or null when none is configured (or it is unknown, reported). */
    static String defaultServer(ConfigMapping root, ServerNames names) {
        ConfigValue v = root.get("default-server");
        return v == null ? null : names.resolve(v);
    }

    static Policies read(ConfigMapping root, ServerNames names, String defaultServer) {
        Policies d = Policies.defaults();
        ConfigValue v = root.get("policies");
        if (v == null) {
            return d;
        }
        if (!v.node().isMap()) {
            v.problem("expected a mapping (icmp-error, icmp-echo, fragments, icmp-redirect-quench), found " + v.node().describe());
            return d;
        }
        ConfigMapping n = v.mapping().keys("icmp-error", "icmp-echo", "fragments", "icmp-redirect-quench");
        Policies.IcmpError icmpError = choice(n, "icmp-error", Policies.IcmpError.class, d.icmpError());
        Policies.Fragments fragments = choice(n, "fragments", Policies.Fragments.class, d.fragments());
        Policies.IcmpRedirectQuench redirectQuench = choice(n, "icmp-redirect-quench", Policies.IcmpRedirectQuench.class,
                d.icmpRedirectQuench());
        Policies.IcmpEcho echo = d.icmpEcho();
        String echoServer = null;
        ConfigValue ee = n.get("icmp-echo");
        if (ee != null) {
            String s = ee.node().isScalar() ? ee.node().text().trim() : null;
            if (s != null && s.regionMatches(true, 0, "server:", 0, 7)) {
                echo = Policies.IcmpEcho.SERVER;
                echoServer = s.substring(7).trim();
                if (!names.contains(echoServer)) {
                    ee.problem(names.unknown(echoServer));
                }
            } else {
                echo = choice(n, "icmp-echo", Policies.IcmpEcho.class, d.icmpEcho());
                if (echo == Policies.IcmpEcho.SERVER) {
                    ee.problem("write server:NAME");
                }
            }
        }
        if (defaultServer == null) {
            String need = "default needs a " + root.pathOf("default-server");
            if (icmpError == Policies.IcmpError.DEFAULT) {
                n.problem("icmp-error", need);
            }
            if (echo == Policies.IcmpEcho.DEFAULT) {
                n.problem("icmp-echo", need);
            }
            if (fragments == Policies.Fragments.DEFAULT) {
                n.problem("fragments", need);
            }
        }
        return new Policies(icmpError, echo, echoServer, fragments, redirectQuench);
    }

    private static <E extends Enum<E>> E choice(ConfigMapping m, String key, Class<E> type, E dflt) {
        ConfigValue v = m.get(key);
        if (v == null) {
            return dflt;
        }
        E[] all = type.getEnumConstants();
        String[] allowed = new String[all.length];
        for (int i = 0; i < all.length; i++) {
            allowed[i] = all[i].name().toLowerCase() + (all[i].name().equals("SERVER") ? ":NAME" : "");
        }
        String c = v.choice(allowed);
        return c == null ? dflt : Enum.valueOf(type, c.replace(":NAME", "").toUpperCase());
    }
}
