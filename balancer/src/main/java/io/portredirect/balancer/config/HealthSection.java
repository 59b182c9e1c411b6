package io.portredirect.balancer.config;

import io.portredirect.protocol.config.ConfigMapping;
import io.portredirect.protocol.config.ConfigValue;

import java.net.InetAddress;
import java.time.Duration;

/** {@code servers[i].health}: the optional health check of one server (see {@link HealthCheck}). */
final class HealthSection {
    private static final Duration MIN_INTERVAL = Duration.ofMillis(50);
    private static final Duration MAX_INTERVAL = Duration.ofHours(1);

    private HealthSection() {
    }

    /** The block of server mapping {@code s}, or null when it has none (or a problem was reported). */
    static HealthCheck read(ConfigMapping s) {
        if (!s.has("health")) {
            return null;
        }
        ConfigMapping h = s.mapping("health");
        if (h == null) {
            s.problem("health", "expected a mapping (port, interval, timeout, rise, fall, source)");
            return null;
        }
        h.keys("port", "interval", "timeout", "rise", "fall", "source");
        ConfigValue pv = h.required("port", "the TCP port the server answers health checks on");
        Integer port = pv == null ? null : pv.integer(1, 65535);
        Duration interval = h.duration("interval", HealthCheck.DEFAULT_INTERVAL);
        Duration timeout = h.duration("timeout", HealthCheck.DEFAULT_TIMEOUT);
        int rise = h.integer("rise", 1, 100, HealthCheck.DEFAULT_RISE);
        int fall = h.integer("fall", 1, 100, HealthCheck.DEFAULT_FALL);
        if (interval.compareTo(MIN_INTERVAL) < 0 || interval.compareTo(MAX_INTERVAL) > 0) {
            h.problem("interval", "expected 50ms to 1h, found " + interval.toMillis() + "ms");
        }
        if (timeout.isZero() || timeout.isNegative()) {
            h.problem("timeout", "must be positive");
        } else if (timeout.compareTo(interval) > 0) {
            // a check still waiting when the next one starts would count one failure twice
            h.problem("timeout", "longer than the interval (" + interval.toMillis() + "ms): a check must end before the next starts");
        }
        InetAddress source = null;
        ConfigValue sv = h.get("source");
        if (sv != null) {
            source = sv.ip();
        }
        return port == null ? null : new HealthCheck(port, interval, timeout, rise, fall, source);
    }
}
