package io.portredirect.balancer.config;

import io.portredirect.protocol.config.ConfigValue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/** The servers' names, for the sections that refer to servers by name (groups, owners, policies). */
final class ServerNames {
    private final Map<String, Integer> lines = new LinkedHashMap<>();

    /** Adds a name; returns the line of the first server with it when taken. */
    Integer add(String name, int line) {
        return lines.putIfAbsent(name, line);
    }

    boolean contains(String name) {
        return lines.containsKey(name);
    }

    /** The server named by {@code v}; a problem and null when it is not a known name. */
    String resolve(ConfigValue v) {
        if (!v.node().isScalar()) {
            v.problem("expected a server name, found " + v.node().describe());
            return null;
        }
        String name = v.node().text().trim();
        if (!lines.containsKey(name)) {
            v.problem(unknown(name));
            return null;
        }
        return name;
    }

    String unknown(String name) {
        return "unknown server '" + name + "'" + (lines.isEmpty() ? "" : " (servers: " + String.join(", ", new TreeSet<>(lines.keySet())) + ")");
    }
}
