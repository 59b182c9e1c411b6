package io.portredirect.balancer.config;

import io.portredirect.protocol.config.ConfigMapping;
import io.portredirect.protocol.config.ConfigValue;

import java.util.regex.Pattern;

/** The {@code interface} key of the network and of each server: a Linux interface name. */
final class Interfaces {
    private static final Pattern INTERFACE = Pattern.compile("[^/\\s:]{1,15}");

    private Interfaces() {
    }

    /** The mapping's {@code interface}; a problem and null when missing or not an interface name. */
    static String required(ConfigMapping m) {
        ConfigValue v = m.required("interface", null);
        String s = v == null ? null : v.text();
        if (s != null && !INTERFACE.matcher(s).matches()) {
            v.problem("'" + s + "' is not an interface name (1-15 characters, no '/', ':' or spaces)");
            return null;
        }
        return s;
    }
}
