package io.portredirect.clientagent.config;

import io.portredirect.protocol.config.YamlException;
import io.portredirect.protocol.config.YamlNode;
import io.portredirect.protocol.config.YamlReader;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the agent's YAML configuration. Keys are kebab-case; unknown keys are errors (a typo must
 * not silently fall back to a default). Every error names the file, the line and the key path.
 *
 * <pre>
 * probe:
 *   interface: eth0            # required: where probes go out and answers are captured
 *   source-ports: 61000-61099  # required: reserved from the kernel while the agent runs
 *   timeout: 250ms             # first wait for an answer; doubles per retry
 *   retries: 2
 *   mss: 0                     # 0: interface MTU - 40 (IPv4) / 60 (IPv6)
 * cache:
 *   ttl: 60s
 * fallback: plain              # plain | fail
 * max-chain: 3
 * udp-idle: 60s
 * vips:
 *   - address: 198.18.0.10
 *     service-ports: 20000-20999     # or a list: [20000-20099, 30000]
 * listeners:
 *   - listen: 127.0.0.1:8080
 *     target: 198.18.0.10:80
 *     protocol: tcp              # tcp | udp
 * </pre>
 */
public final class ConfigLoader {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

    private ConfigLoader() {
    }

    public static AgentConfig load(Path file) throws ConfigException {
        String name = file.toString();
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(name, 0, "", "cannot read: " + e.getMessage());
        }
        return parse(new StringReader(text), name);
    }

    public static AgentConfig parse(Reader in, String file) throws ConfigException {
        YamlNode root;
        try {
            root = YamlReader.read(in);
        } catch (YamlException e) {
            throw switch (e.problem()) {
                case DUPLICATE_KEY -> new ConfigException(file, e.line(), e.key(), e.detail());
                case SYNTAX -> new ConfigException(file, e.line(), "", "not valid YAML: " + e.detail().lines().findFirst().orElse("").trim());
                case UNREADABLE -> new ConfigException(file, 0, "", "cannot read: " + e.detail());
            };
        }
        if (root == null) {
            // an empty file has no settings: the missing required keys are reported
            root = YamlNode.emptyMapping(1);
        }
        return bind(new Cursor(file, "", root, root.line()));
    }

    private static AgentConfig bind(Cursor root) throws ConfigException {
        root.keys(Set.of("probe", "cache", "fallback", "max-chain", "udp-idle", "vips", "listeners"));

        Cursor probe = root.required("probe");
        probe.keys(Set.of("interface", "source-ports", "timeout", "retries", "mss"));
        String iface = probe.required("interface").string();
        if (iface.isEmpty() || iface.length() > 15 || iface.contains("/") || iface.contains(" ")) {
            throw probe.required("interface").error("'" + iface + "' is not an interface name (1-15 characters, no '/' or spaces)");
        }
        Cursor sp = probe.required("source-ports");
        PortRange sourcePorts = sp.portRange();
        if (sourcePorts.first() < 1024) {
            throw sp.error("probe source ports must be >= 1024 (got " + sourcePorts + ")");
        }
        Duration timeout = probe.optional("timeout").map(Cursor::duration).orElse(Duration.ofMillis(250));
        if (timeout.isZero()) {
            throw probe.required("timeout").error("must be greater than 0");
        }
        int retries = probe.optional("retries").map(c -> c.integer(0, 10)).orElse(2);
        int mss = probe.optional("mss").map(c -> c.integer(0, 65495)).orElse(0);
        if (mss != 0 && mss < 88) {
            throw probe.required("mss").error("an MSS below 88 is not useful (0 means: from the interface MTU)");
        }
        ProbeConfig probeConfig = new ProbeConfig(iface, sourcePorts, timeout, retries, mss);

        Duration ttl = Duration.ofSeconds(60);
        Cursor cache = root.optionalCursor("cache");
        if (cache != null) {
            cache.keys(Set.of("ttl"));
            ttl = cache.optional("ttl").map(Cursor::duration).orElse(ttl);
        }
        FallbackPolicy fallback = root.optional("fallback").map(c -> c.choice(FallbackPolicy.class)).orElse(FallbackPolicy.PLAIN);
        int maxChain = root.optional("max-chain").map(c -> c.integer(1, 16)).orElse(3);
        Duration udpIdle = root.optional("udp-idle").map(Cursor::duration).orElse(Duration.ofSeconds(60));

        List<VipConfig> vips = new ArrayList<>();
        Map<InetAddress, Integer> vipLines = new HashMap<>();
        for (Cursor v : root.required("vips").list()) {
            v.keys(Set.of("address", "service-ports"));
            Cursor addr = v.required("address");
            InetAddress a = addr.address();
            if (vipLines.containsKey(a)) {
                throw addr.error("VIP " + a.getHostAddress() + " is declared twice (first at line " + vipLines.get(a) + ")");
            }
            vipLines.put(a, addr.line);
            List<PortRange> ranges = new ArrayList<>();
            Cursor ports = v.required("service-ports");
            if (ports.node.isList()) {
                for (Cursor r : ports.list()) {
                    ranges.add(r.portRange());
                }
            } else {
                ranges.add(ports.portRange());
            }
            for (PortRange r : ranges) {
                if (r.overlaps(sourcePorts)) {
                    throw ports.error("service ports " + r + " overlap the probe source ports " + sourcePorts);
                }
            }
            vips.add(new VipConfig(a, ranges));
        }

        List<ListenerConfig> listeners = new ArrayList<>();
        Map<String, Integer> listenLines = new HashMap<>();
        for (Cursor l : root.required("listeners").list()) {
            l.keys(Set.of("listen", "target", "protocol"));
            ListenerProtocol proto = l.optional("protocol").map(c -> c.choice(ListenerProtocol.class)).orElse(ListenerProtocol.TCP);
            Cursor listenAt = l.required("listen");
            InetSocketAddress listen = listenAt.hostPort();
            String listenKey = proto + " " + HostPorts.format(listen);
            if (listenLines.containsKey(listenKey)) {
                throw listenAt.error(HostPorts.format(listen) + " (" + proto.name().toLowerCase(Locale.ROOT)
                        + ") is already a listener at line " + listenLines.get(listenKey));
            }
            listenLines.put(listenKey, listenAt.line);
            Cursor targetAt = l.required("target");
            InetSocketAddress target = targetAt.hostPort();
            if (!vipLines.containsKey(target.getAddress())) {
                throw targetAt.error("VIP " + target.getAddress().getHostAddress() + " is not declared under 'vips'");
            }
            listeners.add(new ListenerConfig(proto, listen, target.getAddress(), target.getPort()));
        }
        if (listeners.isEmpty()) {
            throw root.required("listeners").error("at least one listener is needed");
        }
        return new AgentConfig(root.file, probeConfig, ttl, fallback, maxChain, udpIdle, vips, listeners);
    }

    /** Parses {@code 250ms}, {@code 2s}, {@code 5m}, {@code 1h}. */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (expected e.g. 250ms, 2s, 5m, 1h)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    /** A position in the tree with the key path that leads to it, for binding and error messages. */
    private static final class Cursor {
        final String file;
        final String path;
        final YamlNode node;
        final int line;

        Cursor(String file, String path, YamlNode node, int line) {
            this.file = file;
            this.path = path;
            this.node = node;
            this.line = line;
        }

        ConfigException error(String problem) {
            return new ConfigException(file, line, path, problem);
        }

        private String child(String key) {
            return path.isEmpty() ? key : path + "." + key;
        }

        private YamlNode mapping() throws ConfigException {
            if (node.isMap()) {
                return node;
            }
            throw error("expected a mapping of keys, found " + node.what());
        }

        void keys(Set<String> allowed) throws ConfigException {
            YamlNode m = mapping();
            for (String k : m.entries().keySet()) {
                if (!allowed.contains(k)) {
                    throw new ConfigException(file, m.keyLine(k), child(k), "unknown key (allowed here: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
                }
            }
        }

        Cursor required(String key) throws ConfigException {
            YamlNode m = mapping();
            YamlNode n = m.get(key);
            if (n == null) {
                throw new ConfigException(file, m.line(), child(key), "required key is missing");
            }
            if (n.isNull()) {
                throw new ConfigException(file, m.keyLine(key), child(key), "required key has no value");
            }
            return new Cursor(file, child(key), n, n.isScalar() ? m.keyLine(key) : n.line());
        }

        Cursor optionalCursor(String key) throws ConfigException {
            YamlNode m = mapping();
            YamlNode n = m.get(key);
            if (n == null || n.isNull()) {
                return null;
            }
            return new Cursor(file, child(key), n, n.isScalar() ? m.keyLine(key) : n.line());
        }

        OptionalCursor optional(String key) throws ConfigException {
            return new OptionalCursor(optionalCursor(key));
        }

        List<Cursor> list() throws ConfigException {
            if (!node.isList()) {
                throw error("expected a list, found " + node.what());
            }
            List<Cursor> out = new ArrayList<>();
            for (int i = 0; i < node.items().size(); i++) {
                YamlNode item = node.items().get(i);
                out.add(new Cursor(file, path + "[" + i + "]", item, item.line()));
            }
            return out;
        }

        String string() throws ConfigException {
            if (node.isScalar()) {
                return node.text().trim();
            }
            throw error("expected a value, found " + node.what());
        }

        int integer(int min, int max) throws ConfigException {
            String s = string();
            int v;
            try {
                v = Integer.parseInt(s);
            } catch (NumberFormatException e) {
                throw error("'" + s + "' is not a whole number");
            }
            if (v < min || v > max) {
                throw error(v + " is outside " + min + "-" + max);
            }
            return v;
        }

        Duration duration() throws ConfigException {
            try {
                return parseDuration(string());
            } catch (IllegalArgumentException e) {
                throw error(e.getMessage());
            }
        }

        PortRange portRange() throws ConfigException {
            try {
                return PortRange.parse(string());
            } catch (IllegalArgumentException e) {
                throw error(e.getMessage());
            }
        }

        InetSocketAddress hostPort() throws ConfigException {
            try {
                return HostPorts.parse(string());
            } catch (IllegalArgumentException e) {
                throw error(e.getMessage());
            }
        }

        InetAddress address() throws ConfigException {
            try {
                return HostPorts.literal(string());
            } catch (IllegalArgumentException e) {
                throw error(e.getMessage());
            }
        }

        <E extends Enum<E>> E choice(Class<E> type) throws ConfigException {
            String s = string();
            for (E e : type.getEnumConstants()) {
                if (e.name().equalsIgnoreCase(s)) {
                    return e;
                }
            }
            List<String> names = new ArrayList<>();
            for (E e : type.getEnumConstants()) {
                names.add(e.name().toLowerCase(Locale.ROOT));
            }
            throw error("'" + s + "' is not one of " + String.join(" | ", names));
        }
    }

    /** An optional key that maps with a binder that may throw ConfigException. */
    private record OptionalCursor(Cursor cursor) {
        interface Binder<T> {
            T bind(Cursor c) throws ConfigException;
        }

        <T> Mapped<T> map(Binder<T> b) throws ConfigException {
            return new Mapped<>(cursor == null ? null : b.bind(cursor));
        }
    }

    private record Mapped<T>(T value) {
        T orElse(T other) {
            return value == null ? other : value;
        }
    }
}
