package io.portredirect.balancer.config;

import io.portredirect.protocol.config.ConfigMapping;
import io.portredirect.protocol.config.ConfigValue;
import io.portredirect.protocol.config.HostPort;

/** {@code metrics}: where the Prometheus endpoint listens; absent means no endpoint. */
final class MetricsSection {
    private MetricsSection() {
    }

    /** {@code HOST:PORT}, or null when metrics are off. */
    static String read(ConfigMapping root) {
        ConfigMapping m = root.mapping("metrics");
        if (m == null) {
            return null;
        }
        m.keys("listen");
        ConfigValue l = m.get("listen");
        if (l == null) {
            return null;
        }
        String v = l.node().isScalar() ? l.node().text().trim() : "";
        // localhost and * are the two names an operator expects to work; anything else is a literal
        String literal = v.replaceFirst("^(localhost|\\*):", "127.0.0.1:");
        try {
            HostPort.parse(literal);
            return v;
        } catch (IllegalArgumentException e) {
            l.problem(l.node().describe() + " is not HOST:PORT (e.g. 127.0.0.1:9100 or [::1]:9100)");
            return null;
        }
    }
}
