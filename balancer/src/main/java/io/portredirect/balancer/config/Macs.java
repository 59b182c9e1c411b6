package io.portredirect.balancer.config;

import io.portredirect.protocol.config.ConfigMapping;
import io.portredirect.protocol.config.ConfigValue;

/** MAC keys: a literal, or {@code auto} where the balancer can find it itself. */
final class Macs {
    private Macs() {
    }

    /** The MAC at {@code key}; {@code dflt} when absent, null (and a problem) when invalid. */
    static MacSpec read(ConfigMapping m, String key, boolean autoAllowed, MacSpec dflt) {
        if (!m.has(key)) {
            return dflt;
        }
        ConfigValue v = m.get(key);
        MacSpec mac = v == null ? null : MacSpec.parse(v.node().text());
        if (mac == null) {
            m.problem(key, (v == null ? "empty" : v.node().describe()) + " is not a MAC address like 02:00:5e:00:53:01"
                    + (autoAllowed ? " or auto" : ""));
            return null;
        }
        if (mac.isAuto() && !autoAllowed) {
            v.problem("auto is only for the balancer's own interfaces; give the server's MAC");
            return null;
        }
        return mac;
    }
}
