package io.portredirect.serveragent.config;

import io.portredirect.protocol.config.TransportProtocol;
import io.portredirect.protocol.config.ConfigException;
import io.portredirect.protocol.config.ConfigMapping;
import io.portredirect.protocol.config.ConfigReader;
import io.portredirect.protocol.config.ConfigValue;
import io.portredirect.protocol.config.Durations;
import io.portredirect.protocol.config.LoadedConfig;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads and validates the server agent's YAML file with the shared {@link ConfigReader}: every
 * problem is reported, each as {@code FILE:LINE: KEY: what is wrong}.
 *
 * <pre>
 * interface: eth0                 # required
 * vips: [198.18.0.10, 2001:2::10] # required, IP literals
 * redirect-ports: [8000]          # or [{port: 8000, legacy-proxy-to: 127.0.0.1:9000}]
 * service-ports: [8001, {port: 8002, proxy-to: 127.0.0.1:9002}, 9001/udp]   # /tcp, /udp: one transport only
 * policy: queue-aware             # round-robin | least-connections | queue-aware
 * protocols: [tcp, udp]
 * refresh: 100ms                  # kernel socket state refresh for the policies
 * all-full: reset                 # reset | drop
 * mss: 0                          # 0: interface MTU - 40 (IPv4) / - 60 (IPv6)
 * nft-table: portredirect_server
 * reserve-local-ports: true
 * proxy-backlog: 1024
 * stats-interval: 0s              # 0s: a stats line only at exit
 * absorb-udp: true                # bind UDP redirect ports no application uses
 * guard-timeout: 1s               # the nft guard expires this long after the agent's last refresh
 * </pre>
 */
public final class ConfigLoader {
    private static final Pattern NFT_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,63}");

    private ConfigLoader() {
    }

    /** Loads and validates {@code file}. */
    public static ServerAgentConfig load(Path file) throws ConfigException {
        return loadWithWarnings(file).config();
    }

    /** Loads {@code file}, with the warnings (deprecated spellings) to show the operator. */
    public static LoadedConfig<ServerAgentConfig> loadWithWarnings(Path file) throws ConfigException {
        return read(file, ConfigReader.readFile(file));
    }

    /** Parses and validates YAML text; {@code file} is only used in messages. */
    public static ServerAgentConfig parse(Path file, String text) throws ConfigException {
        return read(file, text).config();
    }

    /** Like {@link #parse}, with the warnings. */
    public static LoadedConfig<ServerAgentConfig> read(Path file, String text) throws ConfigException {
        ConfigReader r = new ConfigReader(String.valueOf(file));
        ConfigMapping root = r.root(r.parse(text), "interface, vips, redirect-ports, service-ports, ...")
                .renamed("refreshMillis", "refresh", ChronoUnit.MILLIS)
                .renamed("statsSeconds", "stats-interval", ChronoUnit.SECONDS)
                .keys("interface", "vips", "redirect-ports", "service-ports", "policy", "protocols", "refresh", "all-full",
                        "mss", "nft-table", "reserve-local-ports", "proxy-backlog", "stats-interval", "absorb-udp",
                        "guard-timeout");
        ConfigValue ifv = root.required("interface", "name the interface REDIRECT SYNs arrive on");
        String iface = ifv == null ? null : ifv.text();
        if (iface != null && (iface.length() > 15 || !iface.matches("[A-Za-z0-9_.:@-]+"))) {
            ifv.problem("'" + iface + "' is not an interface name (1-15 characters: letters, digits, _ . : @ -)");
        }
        List<InetAddress> vips = new ArrayList<>();
        for (ConfigValue v : nonEmptyList(root, "vips")) {
            InetAddress a = v.ip();
            if (a != null) {
                vips.add(a);
            }
        }
        Map<Integer, String> seen = new HashMap<>();
        List<Integer> redirectPorts = new ArrayList<>();
        Map<Integer, InetSocketAddress> legacy = new LinkedHashMap<>();
        for (ConfigValue v : nonEmptyList(root, "redirect-ports")) {
            ConfigMapping m = v.node().isMap() ? v.mapping().keys("port", "legacy-proxy-to") : null;
            Integer port = port(m, v);
            if (port == null) {
                continue;
            }
            if (seen.putIfAbsent(port, "redirect") != null) {
                v.problem("port " + port + " is listed twice");
                continue;
            }
            redirectPorts.add(port);
            ConfigValue to = m == null ? null : m.get("legacy-proxy-to");
            InetSocketAddress a = to == null ? null : to.hostPort();
            if (a != null) {
                legacy.put(port, a);
            }
        }
        List<ServicePort> servicePorts = new ArrayList<>();
        for (ConfigValue v : nonEmptyList(root, "service-ports")) {
            ConfigMapping m = v.node().isMap() ? v.mapping().keys("port", "proxy-to", "protocol") : null;
            Transport t = transport(m, v);
            if (t == null) {
                continue;
            }
            int port = t.port();
            if (seen.putIfAbsent(port, "service") != null) {
                v.problem("port " + port + " is already a redirect or service port");
                continue;
            }
            ConfigValue tv = m == null ? null : m.get("proxy-to");
            InetSocketAddress to = tv == null ? null : tv.hostPort();
            if (to != null && to.getPort() == port) {
                tv.problem("the proxy would connect to itself (same port " + port + ")");
            }
            if (to != null && !t.tcp()) {
                tv.problem("the proxy relays TCP: port " + port + " serves udp only");
                to = null;
            }
            servicePorts.add(new ServicePort(port, to, t.tcp(), t.udp()));
        }
        SelectionPolicy policy = SelectionPolicy.ROUND_ROBIN;
        ConfigValue pv = root.get("policy");
        if (pv != null) {
            String name = pv.choice("round-robin", "least-connections", "queue-aware");
            policy = name == null ? policy : SelectionPolicy.byName(name);
        }
        boolean tcp = true;
        boolean udp = true;
        ConfigValue protocols = root.get("protocols");
        if (protocols != null) {
            tcp = false;
            udp = false;
            List<ConfigValue> items = protocols.items();
            if (items.isEmpty()) {
                protocols.problem("empty: name at least one of tcp, udp");
            }
            for (ConfigValue p : items) {
                String name = p.choice("tcp", "udp");
                tcp |= "tcp".equals(name);
                udp |= "udp".equals(name);
            }
            if (!tcp && !udp) {
                // every item was wrong (reported): check the rest as if both were named
                tcp = true;
                udp = true;
            }
        }
        ConfigValue sv = root.get("service-ports");
        if (sv != null && !servicePorts.isEmpty()) {
            if (tcp && servicePorts.stream().noneMatch(ServicePort::tcp)) {
                sv.problem("no service port serves tcp, which protocols names (add one, or name udp only)");
            }
            if (udp && servicePorts.stream().noneMatch(ServicePort::udp)) {
                sv.problem("no service port serves udp, which protocols names (add one, or name tcp only)");
            }
        }
        Duration refresh = durationIn(root, "refresh", Duration.ofMillis(100), Duration.ofMillis(10), Duration.ofSeconds(60));
        ServerAgentConfig.AllFullAction allFull = ServerAgentConfig.AllFullAction.RESET;
        ConfigValue af = root.get("all-full");
        if (af != null && "drop".equals(af.choice("reset", "drop"))) {
            allFull = ServerAgentConfig.AllFullAction.DROP;
        }
        int mss = root.integer("mss", 0, 65495, 0);
        if (mss != 0 && mss < 88) {
            root.problem("mss", "an MSS below 88 is not useful (0 means: from the interface MTU)");
        }
        String table = root.string("nft-table", "portredirect_server");
        if (!NFT_NAME.matcher(table).matches()) {
            root.problem("nft-table", "'" + table + "' is not an nft table name (letters, digits and _, starting with a letter)");
        }
        boolean reserve = root.bool("reserve-local-ports", true);
        boolean absorb = root.bool("absorb-udp", true);
        int backlog = root.integer("proxy-backlog", 1, 65535, 1024);
        Duration stats = durationIn(root, "stats-interval", Duration.ZERO, Duration.ZERO, Duration.ofHours(1));
        if (stats.toMillis() % 1000 != 0) {
            root.problem("stats-interval", "whole seconds only (e.g. 5s; 0s: only at exit)");
        }
        // below 400 ms the refresh (a fork of nft every timeout/4) gets costly and a short stall
        // lets the kernel answer in the agent's place; above 60 s a SIGKILL blackholes too long
        Duration guard = durationIn(root, "guard-timeout", Duration.ofSeconds(1), Duration.ofMillis(400), Duration.ofSeconds(60));
        r.finish();
        ServerAgentConfig c = new ServerAgentConfig(file, iface, vips, redirectPorts, servicePorts, legacy, policy, tcp, udp,
                (int) refresh.toMillis(), allFull, mss, table, reserve, backlog, (int) stats.toSeconds(), absorb,
                (int) guard.toMillis());
        return new LoadedConfig<>(c, r.warnings());
    }

    private static List<ConfigValue> nonEmptyList(ConfigMapping root, String key) {
        ConfigValue v = root.required(key, null);
        if (v == null) {
            return List.of();
        }
        List<ConfigValue> items = v.items();
        if (items.isEmpty()) {
            v.problem("empty: list at least one");
        }
        return items;
    }

    /** A port entry: a bare number, or a mapping with {@code port}. */
    /** A service port and the transports it serves. */
    private record Transport(int port, boolean tcp, boolean udp) {
    }

    /** {@code 8001}, {@code "9001/udp"}, {@code "8001/tcp"} or {@code {port: 9001, protocol: udp}}; null after a reported problem. */
    private static Transport transport(ConfigMapping m, ConfigValue v) {
        String name = null;
        Integer port;
        if (m == null) {
            String text = v.text();
            if (text == null || text.indexOf('/') < 0) {
                port = v.integer(1, 65535);
            } else {
                TransportProtocol.Suffixed spec;
                try {
                    spec = TransportProtocol.split(text);
                    port = Integer.parseInt(spec.body());
                } catch (NumberFormatException e) {
                    v.problem(text + " is not PORT, PORT/tcp or PORT/udp");
                    return null;
                } catch (IllegalArgumentException e) {
                    v.problem(text + ": " + e.getMessage());
                    return null;
                }
                if (port < 1 || port > 65535) {
                    v.problem("port " + port + " is out of range 1-65535");
                    return null;
                }
                name = spec.transport().yamlName();
            }
        } else {
            port = port(m, v);
            ConfigValue pv = m.get("protocol");
            if (pv != null) {
                name = pv.choice("tcp", "udp");
                if (name == null) {
                    return null;
                }
            }
        }
        if (port == null) {
            return null;
        }
        return new Transport(port, name == null || name.equals("tcp"), name == null || name.equals("udp"));
    }

    private static Integer port(ConfigMapping m, ConfigValue v) {
        if (m == null) {
            return v.integer(1, 65535);
        }
        ConfigValue p = m.required("port", null);
        return p == null ? null : p.integer(1, 65535);
    }

    private static Duration durationIn(ConfigMapping root, String key, Duration dflt, Duration min, Duration max) {
        Duration d = root.duration(key, dflt);
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            root.problem(key, Durations.format(d) + " is out of range "
                    + Durations.format(min) + "-" + Durations.format(max));
            return dflt;
        }
        return d;
    }
}
