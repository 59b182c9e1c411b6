package io.portredirect.clientagent.config;

import io.portredirect.protocol.config.TransportProtocol;
import io.portredirect.protocol.config.ConfigException;
import io.portredirect.protocol.config.ConfigMapping;
import io.portredirect.protocol.config.ConfigReader;
import io.portredirect.protocol.config.ConfigValue;
import io.portredirect.protocol.config.Durations;
import io.portredirect.protocol.config.HostPort;
import io.portredirect.protocol.config.LoadedConfig;
import io.portredirect.protocol.config.PortRange;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import io.portredirect.clientagent.intercept.Intercept;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the agent's YAML configuration with the shared {@link ConfigReader}: kebab-case keys,
 * unknown keys are errors (a typo must not silently fall back to a default), and every problem
 * is reported as {@code FILE:LINE: KEY: what is wrong}.
 *
 * <pre>
 * probe:
 *   interface: eth0            # required: where probes go out and answers are captured
 *   source-ports: 61000-61099  # required: reserved from the kernel while the agent runs
 *   timeout: 250ms             # first wait for an answer; doubles per retry
 *   retries: 2
 *   mss: 0                     # 0: interface MTU - 40 (IPv4) / 60 (IPv6)
 *   retry-new-source-port: true  # a retry leaves from a new source port (a new hash on the balancer)
 * cache:
 *   ttl: 60s
 * negative-cache:              # failed servers (service ports) avoided for a while
 *   initial: 1s                # 0s: off; doubles per relapse
 *   max: 30s
 *   size: 1024
 * fallback: plain              # plain | fail
 * max-chain: 3
 * udp-idle: 60s
 * idle-timeout: 1h             # a spliced TCP connection quiet this long is reset; 0s: never
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
    private ConfigLoader() {
    }

    public static AgentConfig load(Path file) throws ConfigException {
        return loadWithWarnings(file).config();
    }

    /** Loads {@code file}, with the warnings (deprecated spellings) to show the operator. */
    public static LoadedConfig<AgentConfig> loadWithWarnings(Path file) throws ConfigException {
        return read(ConfigReader.readFile(file), file.toString());
    }

    public static AgentConfig parse(Reader in, String file) throws ConfigException {
        StringBuilder text = new StringBuilder();
        char[] buf = new char[8192];
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                text.append(buf, 0, n);
            }
        } catch (IOException e) {
            throw new ConfigException(file, 0, "(file)", "cannot read: " + e);
        }
        return read(text.toString(), file).config();
    }

    /** Validates YAML text; {@code file} is what messages call it. */
    public static LoadedConfig<AgentConfig> read(String text, String file) throws ConfigException {
        ConfigReader r = new ConfigReader(file);
        ConfigMapping root = r.root(r.parse(text), "probe, vips, listeners, ...")
                .keys("probe", "cache", "negative-cache", "fallback", "max-chain", "udp-idle", "idle-timeout", "vips",
                        "listeners", "intercept", "intercept-spread");

        ProbeConfig probe = probe(root);
        Duration ttl = Duration.ofSeconds(60);
        ConfigMapping cache = root.mapping("cache");
        if (cache != null) {
            ttl = cache.keys("ttl").duration("ttl", ttl);
        }
        NegativeCacheConfig negative = negativeCache(root);
        ConfigValue fb = root.get("fallback");
        String fallbackName = fb == null ? null : fb.choice("plain", "fail");
        FallbackPolicy fallback = fallbackName == null ? FallbackPolicy.PLAIN : FallbackPolicy.valueOf(fallbackName.toUpperCase(Locale.ROOT));
        int maxChain = root.integer("max-chain", 1, 16, 3);
        Duration udpIdle = root.duration("udp-idle", Duration.ofSeconds(60));
        Duration idleTimeout = root.duration("idle-timeout", AgentConfig.DEFAULT_IDLE_TIMEOUT);

        Map<InetAddress, Integer> vipLines = new HashMap<>();
        List<VipConfig> vips = vips(root, probe == null ? null : probe.sourcePorts(), vipLines);
        InterceptConfig intercept = intercept(root, vipLines, ttl.isZero());
        List<ListenerConfig> listeners = listeners(root, vipLines, intercept.enabled());
        r.finish();
        return new LoadedConfig<>(new AgentConfig(file, probe, ttl, fallback, maxChain, udpIdle, vips, listeners, negative, idleTimeout,
                intercept),
                r.warnings());
    }

    private static ProbeConfig probe(ConfigMapping root) {
        ConfigValue pv = root.required("probe", "name the probe interface and source ports");
        ConfigMapping probe = pv == null ? null : pv.mapping();
        if (probe == null) {
            return null;
        }
        probe.keys("interface", "source-ports", "timeout", "retries", "mss", "retry-new-source-port");
        ConfigValue ifv = probe.required("interface", null);
        String iface = ifv == null ? null : ifv.text();
        if (iface != null && (iface.length() > 15 || iface.contains("/") || iface.contains(" "))) {
            ifv.problem("'" + iface + "' is not an interface name (1-15 characters, no '/' or spaces)");
        }
        ConfigValue sp = probe.required("source-ports", null);
        PortRange sourcePorts = sp == null ? null : sp.portRange();
        if (sourcePorts != null && sourcePorts.first() < 1024) {
            sp.problem("probe source ports must be >= 1024 (got " + sourcePorts + ")");
        }
        Duration timeout = probe.duration("timeout", Duration.ofMillis(250));
        if (timeout.isZero()) {
            probe.problem("timeout", "must be greater than 0");
        }
        int retries = probe.integer("retries", 0, 10, 2);
        int mss = probe.integer("mss", 0, 65495, 0);
        if (mss != 0 && mss < 88) {
            probe.problem("mss", "an MSS below 88 is not useful (0 means: from the interface MTU)");
        }
        boolean newPort = probe.bool("retry-new-source-port", true);
        return iface == null || sourcePorts == null ? null : new ProbeConfig(iface, sourcePorts, timeout, retries, mss, newPort);
    }

    private static NegativeCacheConfig negativeCache(ConfigMapping root) {
        ConfigMapping m = root.mapping("negative-cache");
        if (m == null) {
            return NegativeCacheConfig.DEFAULT;
        }
        m.keys("initial", "max", "size");
        NegativeCacheConfig d = NegativeCacheConfig.DEFAULT;
        Duration initial = m.duration("initial", d.initial());
        Duration max = m.duration("max", d.max().compareTo(initial) < 0 ? initial : d.max());
        if (max.compareTo(Duration.ofHours(1)) > 0) {
            m.problem("max", "at most 1h: a server avoided longer than that is better removed from the balancer");
            max = d.max();
        }
        if (max.compareTo(initial) < 0) {
            m.problem("max", "must be at least initial (" + Durations.format(initial) + ")");
            max = initial;
        }
        int size = m.integer("size", 1, 1 << 20, d.size());
        return new NegativeCacheConfig(initial, max, size);
    }

    private static List<VipConfig> vips(ConfigMapping root, PortRange sourcePorts, Map<InetAddress, Integer> vipLines) {
        List<VipConfig> vips = new ArrayList<>();
        ConfigValue list = root.required("vips", "list the VIPs and their service ports");
        for (ConfigValue item : list == null ? List.<ConfigValue>of() : list.list()) {
            ConfigMapping v = item.mapping();
            if (v == null) {
                continue;
            }
            v.keys("address", "service-ports");
            ConfigValue addr = v.required("address", null);
            InetAddress a = addr == null ? null : addr.ip();
            if (a != null && vipLines.containsKey(a)) {
                addr.problem("VIP " + a.getHostAddress() + " is declared twice (first at line " + vipLines.get(a) + ")");
            } else if (a != null) {
                vipLines.put(a, addr.line());
            }
            List<PortRange> ranges = new ArrayList<>();
            ConfigValue ports = v.required("service-ports", null);
            for (ConfigValue p : ports == null ? List.<ConfigValue>of() : ports.items()) {
                PortRange pr = p.portRange();
                if (pr != null && sourcePorts != null && pr.overlaps(sourcePorts)) {
                    p.problem("service ports " + pr + " overlap the probe source ports " + sourcePorts);
                } else if (pr != null) {
                    ranges.add(pr);
                }
            }
            if (a != null) {
                vips.add(new VipConfig(a, ranges));
            }
        }
        return vips;
    }

    /**
     * {@code intercept: [VIP:PORT, VIP:PORT/udp, ...]} (each VIP declared) and {@code intercept-spread}.
     * With a zero cache ttl every TCP connection takes the miss path and is negotiated itself; UDP
     * has no miss path, so a UDP target would never be negotiated and is refused.
     */
    private static InterceptConfig intercept(ConfigMapping root, Map<InetAddress, Integer> vipLines, boolean zeroTtl) {
        int spread = root.integer("intercept-spread", 1, 64, InterceptConfig.NONE.spread());
        ConfigValue list = root.get("intercept");
        List<Intercept> targets = new ArrayList<>();
        Map<Intercept, Integer> lines = new HashMap<>();
        for (ConfigValue item : list == null ? List.<ConfigValue>of() : list.list()) {
            String text = item.text();
            if (text == null) {
                continue;
            }
            Intercept i;
            try {
                i = Intercept.parse(text);
            } catch (IllegalArgumentException e) {
                item.problem(text + " is not VIP:PORT, VIP:PORT/tcp or VIP:PORT/udp (" + e.getMessage() + ")");
                continue;
            }
            if (!vipLines.containsKey(i.vip())) {
                item.problem("VIP " + i.vip().getHostAddress() + " is not declared under 'vips'");
            } else if (zeroTtl && i.udp()) {
                item.problem(text + ": UDP interception needs a cache ttl above 0 (UDP has no miss path: with ttl 0 "
                        + "nothing would ever be negotiated)");
            } else if (lines.putIfAbsent(i, item.line()) != null) {
                item.problem(i + " is already intercepted at line " + lines.get(i));
            } else {
                targets.add(i);
            }
        }
        return new InterceptConfig(targets, spread);
    }

    private static List<ListenerConfig> listeners(ConfigMapping root, Map<InetAddress, Integer> vipLines, boolean intercepting) {
        List<ListenerConfig> listeners = new ArrayList<>();
        if (intercepting && root.get("listeners") == null) {
            return listeners;
        }
        ConfigValue list = root.required("listeners", "at least one listener (or intercept) is needed");
        List<ConfigValue> items = list == null ? List.of() : list.list();
        if (list != null && list.node().isList() && items.isEmpty() && !intercepting) {
            list.problem("at least one listener (or intercept) is needed");
        }
        Map<String, Integer> listenLines = new HashMap<>();
        for (ConfigValue item : items) {
            ConfigMapping l = item.mapping();
            if (l == null) {
                continue;
            }
            l.keys("listen", "target", "protocol");
            ConfigValue pv = l.get("protocol");
            String pn = pv == null ? "tcp" : pv.choice("tcp", "udp");
            TransportProtocol proto = pn == null ? TransportProtocol.TCP : TransportProtocol.byName(pn);
            ConfigValue listenAt = l.required("listen", null);
            InetSocketAddress listen = listenAt == null ? null : listenAt.hostPort();
            if (listen != null) {
                String listenKey = proto + " " + HostPort.format(listen);
                Integer first = listenLines.putIfAbsent(listenKey, listenAt.line());
                if (first != null) {
                    listenAt.problem(HostPort.format(listen) + " (" + pn + ") is already a listener at line " + first);
                }
            }
            ConfigValue targetAt = l.required("target", null);
            InetSocketAddress target = targetAt == null ? null : targetAt.hostPort();
            if (target != null && !vipLines.containsKey(target.getAddress())) {
                targetAt.problem("VIP " + target.getAddress().getHostAddress() + " is not declared under 'vips'");
            }
            if (listen != null && target != null) {
                listeners.add(new ListenerConfig(proto, listen, target.getAddress(), target.getPort()));
            }
        }
        return listeners;
    }
}
