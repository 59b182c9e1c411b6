package io.portredirect.balancer.config;

import io.portredirect.protocol.config.YamlNode;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a YAML tree against the schema of {@code testdata/balancer/sample.yaml} and builds the
 * immutable config. Collects every problem (each with key path and line) rather than stopping at
 * the first, so {@code check-config} can list them all.
 */
final class ConfigValidator {
    static final int DEFAULT_TABLE_SIZE = 65537;
    static final int MIN_TABLE_SIZE = 101;
    /** Largest prime below 2^24: tables stay well inside the CPU caches' reach and short[] sized. */
    static final int MAX_TABLE_SIZE = 16777213;
    /** Server indices are stored in short[] tables. */
    static final int MAX_SERVERS = Short.MAX_VALUE;
    static final int MAX_WEIGHT = 1_000_000;

    private static final Set<String> ROOT_KEYS = Set.of("vips", "network", "servers", "redirectPorts", "defaultServer",
            "policies", "table", "metrics");
    private static final Set<String> NETWORK_KEYS = Set.of("interface", "mac", "nextHop", "nextHopMac");
    private static final Set<String> SERVER_KEYS = Set.of("name", "interface", "mac", "interfaceMac", "ip", "vip", "mode",
            "weight", "servicePorts");
    private static final Set<String> REDIRECT_KEYS = Set.of("port", "protocols", "group", "owner");
    private static final Set<String> POLICY_KEYS = Set.of("icmpError", "icmpEcho", "fragments");
    private static final Set<String> TABLE_KEYS = Set.of("size");
    private static final Set<String> METRICS_KEYS = Set.of("listen");

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
    private static final Pattern INTERFACE = Pattern.compile("[^/\\s:]{1,15}");
    private static final Pattern PORT_SPEC = Pattern.compile("(\\d{1,5})(?:-(\\d{1,5}))?(?:/([A-Za-z]+))?");
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern LISTEN = Pattern.compile("(?:\\[([0-9A-Fa-f:.]+)]|([^:\\[\\]]+)):(\\d{1,5})");

    private record Problem(int line, String key, String what) {
    }

    /** Who already claimed a (protocol, port): for messages naming the first claim. */
    private record Claim(String what, String key, int line) {
    }

    private final String file;
    private final List<Problem> problems = new ArrayList<>();
    private final Map<String, Integer> lines = new HashMap<>();

    ConfigValidator(String file) {
        this.file = file;
    }

    BalancerConfig validate(YamlNode root) throws ConfigException {
        if (!root.isMap()) {
            throw new ConfigException(file, root.line(), "(document)", "expected a mapping with vips, network, servers, ... but found "
                    + root.describe());
        }
        recordLines(root, "");
        checkKeys(root, "", ROOT_KEYS);

        List<InetAddress> vips = vips(root);
        NetworkConfig network = network(root);
        List<ServerConfig> servers = servers(root, vips);
        Map<String, Integer> names = new HashMap<>();
        for (int i = 0; i < servers.size(); i++) {
            names.putIfAbsent(servers.get(i).name(), i);
        }
        Map<String, Claim> claims = servicePortClaims(root, servers);
        List<RedirectPortConfig> redirects = redirectPorts(root, names, claims);
        String defaultServer = serverRef(root, "defaultServer", "defaultServer", names);
        Policies policies = policies(root, names, defaultServer);
        int tableSize = tableSize(root, servers.size());
        String listen = metrics(root);

        if (!problems.isEmpty()) {
            problems.sort(Comparator.comparingInt(Problem::line));
            List<String> all = new ArrayList<>();
            for (Problem p : problems) {
                all.add(ConfigException.format(file, p.line, p.key, p.what));
            }
            Problem first = problems.get(0);
            throw new ConfigException(file, first.line, first.key, first.what, all);
        }
        return new BalancerConfig(file, vips, network, servers, redirects, defaultServer, policies, tableSize, listen, lines);
    }

    // ---- sections ----

    private List<InetAddress> vips(YamlNode root) {
        YamlNode.Entry e = root.entry("vips");
        List<InetAddress> out = new ArrayList<>();
        if (e == null) {
            problem(root.line(), "vips", "missing: list the virtual IPs (IPv4 and/or IPv6) the balancer serves");
            return out;
        }
        List<YamlNode> items = items(e.value());
        if (items.isEmpty()) {
            problem(e.keyLine(), "vips", "empty: at least one VIP is needed");
        }
        Map<InetAddress, Integer> seen = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            String key = "vips[" + i + "]";
            InetAddress a = ip(items.get(i), key);
            if (a == null) {
                continue;
            }
            Integer first = seen.putIfAbsent(a, items.get(i).line());
            if (first != null) {
                problem(items.get(i).line(), key, "duplicate VIP " + Addresses.format(a) + " (first at line " + first + ")");
            } else {
                out.add(a);
            }
        }
        return out;
    }

    private NetworkConfig network(YamlNode root) {
        YamlNode.Entry e = root.entry("network");
        if (e == null) {
            problem(root.line(), "network", "missing: name the network-side interface (network.interface) and next hop");
            return new NetworkConfig("?", MacSpec.auto(), List.of(), MacSpec.auto());
        }
        YamlNode n = e.value();
        if (!n.isMap()) {
            problem(n.line(), "network", "expected a mapping, found " + n.describe());
            return new NetworkConfig("?", MacSpec.auto(), List.of(), MacSpec.auto());
        }
        checkKeys(n, "network", NETWORK_KEYS);
        String iface = requiredInterface(n, "network");
        MacSpec mac = mac(n, "network", "mac", true, MacSpec.auto());
        List<InetAddress> hops = new ArrayList<>();
        YamlNode.Entry hop = n.entry("nextHop");
        if (hop != null) {
            List<YamlNode> items = items(hop.value());
            for (int i = 0; i < items.size(); i++) {
                String key = items.size() == 1 && hop.value().isScalar() ? "network.nextHop" : "network.nextHop[" + i + "]";
                InetAddress a = ip(items.get(i), key);
                if (a != null) {
                    if (sameFamily(hops, a)) {
                        problem(items.get(i).line(), key, "at most one next hop per address family");
                    } else {
                        hops.add(a);
                    }
                }
            }
        }
        MacSpec hopMac = mac(n, "network", "nextHopMac", true, MacSpec.auto());
        if (hopMac != null && hopMac.isAuto() && hops.isEmpty()) {
            YamlNode.Entry m = n.entry("nextHopMac");
            problem(m != null ? m.keyLine() : e.keyLine(), "network.nextHopMac",
                    "auto needs network.nextHop (the router to resolve); or give the router's MAC");
        }
        return new NetworkConfig(iface, mac == null ? MacSpec.auto() : mac, hops, hopMac == null ? MacSpec.auto() : hopMac);
    }

    private List<ServerConfig> servers(YamlNode root, List<InetAddress> vips) {
        YamlNode.Entry e = root.entry("servers");
        List<ServerConfig> out = new ArrayList<>();
        if (e == null) {
            problem(root.line(), "servers", "missing: at least one server is needed");
            return out;
        }
        if (!e.value().isList() || e.value().items().isEmpty()) {
            problem(e.keyLine(), "servers", "expected a non-empty list of servers, found " + e.value().describe());
            return out;
        }
        if (e.value().items().size() > MAX_SERVERS) {
            problem(e.keyLine(), "servers", "at most " + MAX_SERVERS + " servers");
        }
        Map<String, Integer> names = new HashMap<>();
        List<YamlNode> list = e.value().items();
        for (int i = 0; i < list.size(); i++) {
            String path = "servers[" + i + "]";
            YamlNode s = list.get(i);
            if (!s.isMap()) {
                problem(s.line(), path, "expected a mapping (name, interface, mac, mode, ...), found " + s.describe());
                continue;
            }
            checkKeys(s, path, SERVER_KEYS);
            String name = requiredString(s, path, "name");
            if (name != null) {
                if (!NAME.matcher(name).matches()) {
                    problem(line(s, "name"), path + ".name", "'" + name
                            + "' is not a valid name (letters, digits, '_', '.', '-'; starts with a letter or digit; max 63)");
                } else {
                    Integer first = names.putIfAbsent(name, line(s, "name"));
                    if (first != null) {
                        problem(line(s, "name"), path + ".name", "duplicate server name '" + name + "' (first at line " + first + ")");
                    }
                }
            }
            String iface = requiredInterface(s, path);
            ForwardingMode mode = mode(s, path);
            MacSpec mac = mac(s, path, "mac", false, null);
            if (mac == null && s.entry("mac") == null && mode != ForwardingMode.RAW && mode != null) {
                problem(s.line(), path + ".mac", "missing: " + mode.yamlName() + " servers need the server's MAC (only raw servers may omit it)");
            }
            MacSpec ifMac = mac(s, path, "interfaceMac", true, MacSpec.auto());
            List<InetAddress> ips = addressList(s, path, "ip");
            if (mode == ForwardingMode.L3 && ips.isEmpty() && s.entry("ip") == null) {
                problem(s.line(), path + ".ip", "missing: l3 servers need the server's own IP address (the balancer rewrites the VIP to it)");
            }
            List<InetAddress> serverVips = addressList(s, path, "vip");
            for (int j = 0; j < serverVips.size(); j++) {
                if (!vips.contains(serverVips.get(j))) {
                    problem(line(s, "vip"), path + ".vip", Addresses.format(serverVips.get(j)) + " is not one of the vips");
                }
            }
            if (!serverVips.isEmpty() && mode != ForwardingMode.L3) {
                problem(line(s, "vip"), path + ".vip", "only l3 servers name the VIP they answer for");
            }
            if (mode == ForwardingMode.L3) {
                for (InetAddress a : ips) {
                    long sameFamilyVips = vips.stream().filter(v -> (v instanceof Inet4Address) == (a instanceof Inet4Address)).count();
                    if (sameFamilyVips > 1 && !sameFamily(serverVips, a)) {
                        problem(line(s, "ip"), path + ".vip", "missing: there are " + sameFamilyVips + " "
                                + family(a) + " VIPs; an l3 server must name the one it answers for (return traffic gets it as source)");
                    }
                }
            }
            int weight = integer(s, path, "weight", 1, MAX_WEIGHT, 1);
            List<PortRange> ports = servicePorts(s, path);
            if (name != null && iface != null && mode != null) {
                out.add(new ServerConfig(name, iface, mac, ifMac == null ? MacSpec.auto() : ifMac, ips, serverVips, mode, weight, ports));
            }
        }
        return out;
    }

    private List<PortRange> servicePorts(YamlNode s, String path) {
        List<PortRange> out = new ArrayList<>();
        YamlNode.Entry e = s.entry("servicePorts");
        if (e == null) {
            return out;
        }
        List<YamlNode> items = items(e.value());
        for (int i = 0; i < items.size(); i++) {
            String key = path + ".servicePorts[" + i + "]";
            YamlNode n = items.get(i);
            if (!n.isScalar()) {
                problem(n.line(), key, "expected a port like \"10001\", \"10002-10004/tcp\" or \"5353/udp\", found " + n.describe());
                continue;
            }
            PortRange r = portSpec(n.text().trim(), n.line(), key);
            if (r != null) {
                out.add(r);
            }
        }
        return out;
    }

    private PortRange portSpec(String text, int line, String key) {
        Matcher m = PORT_SPEC.matcher(text);
        if (!m.matches()) {
            problem(line, key, "'" + text + "' is not a port spec: PORT, FIRST-LAST, optionally /tcp or /udp");
            return null;
        }
        int first = Integer.parseInt(m.group(1));
        int last = m.group(2) == null ? first : Integer.parseInt(m.group(2));
        if (first < 1 || first > 65535 || last < 1 || last > 65535) {
            problem(line, key, "'" + text + "': ports are 1-65535");
            return null;
        }
        if (first > last) {
            problem(line, key, "'" + text + "': range start above its end");
            return null;
        }
        Set<TransportProtocol> protos = EnumSet.allOf(TransportProtocol.class);
        if (m.group(3) != null) {
            TransportProtocol p = protocol(m.group(3));
            if (p == null) {
                problem(line, key, "'" + text + "': protocol must be tcp or udp");
                return null;
            }
            protos = EnumSet.of(p);
        }
        return new PortRange(first, last, protos);
    }

    /** Checks service ports are unique across (and within) servers; returns who owns each (protocol/port). */
    private Map<String, Claim> servicePortClaims(YamlNode root, List<ServerConfig> servers) {
        Map<String, Claim> claims = new HashMap<>();
        YamlNode.Entry e = root.entry("servers");
        for (int i = 0; i < servers.size(); i++) {
            ServerConfig s = servers.get(i);
            int serverNode = indexOfServer(e, s.name());
            for (int j = 0; j < s.servicePorts().size(); j++) {
                PortRange r = s.servicePorts().get(j);
                String key = "servers[" + serverNode + "].servicePorts[" + j + "]";
                int line = lines.getOrDefault(key, 0);
                boolean reported = false;
                for (TransportProtocol p : r.protocols()) {
                    for (int port = r.first(); port <= r.last() && !reported; port++) {
                        Claim c = claims.putIfAbsent(p.yamlName() + "/" + port, new Claim("service port of server " + s.name(), key, line));
                        if (c != null) {
                            problem(line, key, "port " + port + "/" + p.yamlName() + " is already a " + c.what + " (" + c.key
                                    + ", line " + c.line + "); service ports must be unique");
                            reported = true;
                        }
                    }
                }
            }
        }
        return claims;
    }

    private List<RedirectPortConfig> redirectPorts(YamlNode root, Map<String, Integer> names, Map<String, Claim> claims) {
        List<RedirectPortConfig> out = new ArrayList<>();
        YamlNode.Entry e = root.entry("redirectPorts");
        if (e == null || e.value().isNull()) {
            return out;
        }
        if (!e.value().isList()) {
            problem(e.keyLine(), "redirectPorts", "expected a list, found " + e.value().describe());
            return out;
        }
        Map<String, Claim> redirectClaims = new HashMap<>();
        List<YamlNode> list = e.value().items();
        for (int i = 0; i < list.size(); i++) {
            String path = "redirectPorts[" + i + "]";
            YamlNode r = list.get(i);
            if (!r.isMap()) {
                problem(r.line(), path, "expected a mapping (port, protocols, group, owner), found " + r.describe());
                continue;
            }
            checkKeys(r, path, REDIRECT_KEYS);
            int port = integer(r, path, "port", 1, 65535, -1);
            if (r.entry("port") == null) {
                problem(r.line(), path + ".port", "missing");
            }
            Set<TransportProtocol> protos = EnumSet.noneOf(TransportProtocol.class);
            YamlNode.Entry pe = r.entry("protocols");
            if (pe == null) {
                protos = EnumSet.allOf(TransportProtocol.class);
            } else {
                List<YamlNode> items = items(pe.value());
                if (items.isEmpty()) {
                    problem(pe.keyLine(), path + ".protocols", "empty: list tcp and/or udp (or leave the key out for both)");
                }
                for (int j = 0; j < items.size(); j++) {
                    TransportProtocol p = items.get(j).isScalar() ? protocol(items.get(j).text()) : null;
                    if (p == null) {
                        problem(items.get(j).line(), path + ".protocols[" + j + "]", items.get(j).describe() + " is not tcp or udp");
                    } else if (!protos.add(p)) {
                        problem(items.get(j).line(), path + ".protocols[" + j + "]", p.yamlName() + " listed twice");
                    }
                }
            }
            List<String> group = new ArrayList<>();
            YamlNode.Entry ge = r.entry("group");
            if (ge == null) {
                problem(r.line(), path + ".group", "missing: list the servers that share this redirect port");
            } else {
                List<YamlNode> items = items(ge.value());
                if (items.isEmpty()) {
                    problem(ge.keyLine(), path + ".group", "empty: a redirect port needs at least one server");
                }
                for (int j = 0; j < items.size(); j++) {
                    String name = serverName(items.get(j), path + ".group[" + j + "]", names);
                    if (name != null) {
                        if (group.contains(name)) {
                            problem(items.get(j).line(), path + ".group[" + j + "]", "server '" + name + "' listed twice");
                        } else {
                            group.add(name);
                        }
                    }
                }
            }
            String owner = serverRef(r, "owner", path + ".owner", names);
            if (port > 0) {
                int line = line(r, "port");
                for (TransportProtocol p : protos) {
                    String k = p.yamlName() + "/" + port;
                    Claim svc = claims.get(k);
                    if (svc != null) {
                        problem(line, path + ".port", "port " + k + " is a " + svc.what + " (" + svc.key + ", line " + svc.line
                                + "); a redirect port cannot also be a service port (rule 1 would shadow it; use owner: for legacy clients)");
                    }
                    Claim dup = redirectClaims.putIfAbsent(k, new Claim("redirect port", path, line));
                    if (dup != null) {
                        problem(line, path + ".port", "port " + k + " is already a redirect port (" + dup.key + ", line " + dup.line + ")");
                    }
                }
                if (!group.isEmpty() && !protos.isEmpty()) {
                    out.add(new RedirectPortConfig(port, protos, group, owner));
                }
            }
        }
        return out;
    }

    private Policies policies(YamlNode root, Map<String, Integer> names, String defaultServer) {
        YamlNode.Entry e = root.entry("policies");
        Policies d = Policies.defaults();
        if (e == null || e.value().isNull()) {
            return d;
        }
        YamlNode n = e.value();
        if (!n.isMap()) {
            problem(n.line(), "policies", "expected a mapping (icmpError, icmpEcho, fragments), found " + n.describe());
            return d;
        }
        checkKeys(n, "policies", POLICY_KEYS);
        Policies.IcmpError icmpError = choice(n, "policies", "icmpError", Policies.IcmpError.class, d.icmpError());
        Policies.Fragments fragments = choice(n, "policies", "fragments", Policies.Fragments.class, d.fragments());
        Policies.IcmpEcho echo = d.icmpEcho();
        String echoServer = null;
        YamlNode.Entry ee = n.entry("icmpEcho");
        if (ee != null) {
            String v = ee.value().isScalar() ? ee.value().text().trim() : null;
            if (v != null && v.regionMatches(true, 0, "server:", 0, 7)) {
                echo = Policies.IcmpEcho.SERVER;
                echoServer = v.substring(7).trim();
                if (!names.containsKey(echoServer)) {
                    problem(ee.value().line(), "policies.icmpEcho", "unknown server '" + echoServer + "'" + known(names));
                }
            } else {
                echo = choice(n, "policies", "icmpEcho", Policies.IcmpEcho.class, d.icmpEcho());
                if (echo == Policies.IcmpEcho.SERVER) {
                    problem(ee.value().line(), "policies.icmpEcho", "write server:NAME");
                }
            }
        }
        if (defaultServer == null) {
            if (icmpError == Policies.IcmpError.DEFAULT) {
                problem(line(n, "icmpError"), "policies.icmpError", "default needs a defaultServer");
            }
            if (echo == Policies.IcmpEcho.DEFAULT) {
                problem(line(n, "icmpEcho"), "policies.icmpEcho", "default needs a defaultServer");
            }
            if (fragments == Policies.Fragments.DEFAULT) {
                problem(line(n, "fragments"), "policies.fragments", "default needs a defaultServer");
            }
        }
        return new Policies(icmpError, echo, echoServer, fragments);
    }

    private int tableSize(YamlNode root, int servers) {
        YamlNode.Entry e = root.entry("table");
        if (e == null || e.value().isNull()) {
            return DEFAULT_TABLE_SIZE;
        }
        if (!e.value().isMap()) {
            problem(e.value().line(), "table", "expected a mapping (size), found " + e.value().describe());
            return DEFAULT_TABLE_SIZE;
        }
        checkKeys(e.value(), "table", TABLE_KEYS);
        int size = integer(e.value(), "table", "size", MIN_TABLE_SIZE, MAX_TABLE_SIZE, DEFAULT_TABLE_SIZE);
        int line = line(e.value(), "size");
        if (!isPrime(size)) {
            problem(line, "table.size", size + " is not prime (the permutation needs a prime size; e.g. 65537, 131071, 655373)");
        } else if (size < 10L * servers) {
            problem(line, "table.size", size + " is too small for " + servers + " servers (use at least 10x, better 100x the server count)");
        }
        return size;
    }

    private String metrics(YamlNode root) {
        YamlNode.Entry e = root.entry("metrics");
        if (e == null || e.value().isNull()) {
            return null;
        }
        if (!e.value().isMap()) {
            problem(e.value().line(), "metrics", "expected a mapping (listen), found " + e.value().describe());
            return null;
        }
        checkKeys(e.value(), "metrics", METRICS_KEYS);
        YamlNode.Entry l = e.value().entry("listen");
        if (l == null) {
            return null;
        }
        String v = l.value().isScalar() ? l.value().text().trim() : "";
        Matcher m = LISTEN.matcher(v);
        boolean ok = m.matches() && Integer.parseInt(m.group(3)) >= 1 && Integer.parseInt(m.group(3)) <= 65535;
        if (ok) {
            String host = m.group(1) != null ? m.group(1) : m.group(2);
            ok = host.equals("localhost") || host.equals("*") || parseIp(host) != null;
        }
        if (!ok) {
            problem(l.value().line(), "metrics.listen", l.value().describe() + " is not HOST:PORT (e.g. 127.0.0.1:9100 or [::1]:9100)");
            return null;
        }
        return v;
    }

    // ---- helpers ----

    private void recordLines(YamlNode n, String path) {
        if (n.isMap()) {
            for (YamlNode.Entry e : n.entries().values()) {
                String p = path.isEmpty() ? e.key() : path + "." + e.key();
                lines.put(p, e.keyLine());
                recordLines(e.value(), p);
            }
        } else if (n.isList()) {
            for (int i = 0; i < n.items().size(); i++) {
                String p = path + "[" + i + "]";
                lines.put(p, n.items().get(i).line());
                recordLines(n.items().get(i), p);
            }
        }
    }

    private void checkKeys(YamlNode map, String path, Set<String> allowed) {
        for (YamlNode.Entry e : map.entries().values()) {
            if (!allowed.contains(e.key())) {
                String near = allowed.stream().filter(a -> editDistance(a.toLowerCase(), e.key().toLowerCase()) <= 2).sorted().findFirst()
                        .map(a -> " (did you mean '" + a + "'?)").orElse("");
                problem(e.keyLine(), path.isEmpty() ? e.key() : path + "." + e.key(),
                        "unknown key" + near + "; known here: " + String.join(", ", new TreeSet<>(allowed)));
            }
        }
    }

    private int line(YamlNode map, String key) {
        YamlNode.Entry e = map.entry(key);
        return e == null ? map.line() : e.keyLine();
    }

    private void problem(int line, String key, String what) {
        problems.add(new Problem(line, key, what));
    }

    private static List<YamlNode> items(YamlNode n) {
        if (n.isList()) {
            return n.items();
        }
        return n.isNull() ? List.of() : List.of(n);
    }

    private String requiredString(YamlNode map, String path, String key) {
        YamlNode.Entry e = map.entry(key);
        String k = path.isEmpty() ? key : path + "." + key;
        if (e == null) {
            problem(map.line(), k, "missing");
            return null;
        }
        if (!e.value().isScalar() || e.value().text().isBlank()) {
            problem(e.keyLine(), k, "expected a value, found " + e.value().describe());
            return null;
        }
        return e.value().text().trim();
    }

    private String requiredInterface(YamlNode map, String path) {
        String v = requiredString(map, path, "interface");
        if (v != null && !INTERFACE.matcher(v).matches()) {
            problem(line(map, "interface"), path + ".interface", "'" + v + "' is not an interface name (1-15 characters, no '/', ':' or spaces)");
            return null;
        }
        return v;
    }

    private ForwardingMode mode(YamlNode s, String path) {
        String v = requiredString(s, path, "mode");
        if (v == null) {
            return null;
        }
        for (ForwardingMode m : ForwardingMode.values()) {
            if (m.yamlName().equalsIgnoreCase(v)) {
                return m;
            }
        }
        problem(line(s, "mode"), path + ".mode", "'" + v + "' is not l2, l3 or raw");
        return null;
    }

    private MacSpec mac(YamlNode map, String path, String key, boolean autoAllowed, MacSpec dflt) {
        YamlNode.Entry e = map.entry(key);
        if (e == null) {
            return dflt;
        }
        String k = path + "." + key;
        MacSpec m = e.value().isScalar() ? MacSpec.parse(e.value().text()) : null;
        if (m == null) {
            problem(e.keyLine(), k, e.value().describe() + " is not a MAC address like 02:00:5e:00:53:01"
                    + (autoAllowed ? " or auto" : ""));
            return null;
        }
        if (m.isAuto() && !autoAllowed) {
            problem(e.keyLine(), k, "auto is only for the balancer's own interfaces; give the server's MAC");
            return null;
        }
        return m;
    }

    private int integer(YamlNode map, String path, String key, int min, int max, int dflt) {
        YamlNode.Entry e = map.entry(key);
        if (e == null) {
            return dflt;
        }
        String k = path + "." + key;
        String v = e.value().isScalar() ? e.value().text().trim() : null;
        long x;
        try {
            x = v == null ? Long.MIN_VALUE : Long.parseLong(v);
        } catch (NumberFormatException ex) {
            x = Long.MIN_VALUE;
        }
        if (x == Long.MIN_VALUE) {
            problem(e.keyLine(), k, e.value().describe() + " is not an integer");
            return dflt;
        }
        if (x < min || x > max) {
            problem(e.keyLine(), k, x + " is out of range " + min + "-" + max);
            return dflt;
        }
        return (int) x;
    }

    private <E extends Enum<E>> E choice(YamlNode map, String path, String key, Class<E> type, E dflt) {
        YamlNode.Entry e = map.entry(key);
        if (e == null) {
            return dflt;
        }
        String v = e.value().isScalar() ? e.value().text().trim() : "";
        for (E c : type.getEnumConstants()) {
            if (c.name().equalsIgnoreCase(v)) {
                return c;
            }
        }
        List<String> allowed = new ArrayList<>();
        for (E c : type.getEnumConstants()) {
            allowed.add(c.name().toLowerCase() + (c.name().equals("SERVER") ? ":NAME" : ""));
        }
        problem(e.keyLine(), path + "." + key, e.value().describe() + " is not one of " + String.join(", ", allowed));
        return dflt;
    }

    private String serverRef(YamlNode map, String key, String path, Map<String, Integer> names) {
        YamlNode.Entry e = map.entry(key);
        if (e == null || e.value().isNull()) {
            return null;
        }
        return serverName(e.value(), path, names);
    }

    private String serverName(YamlNode n, String key, Map<String, Integer> names) {
        if (!n.isScalar()) {
            problem(n.line(), key, "expected a server name, found " + n.describe());
            return null;
        }
        String name = n.text().trim();
        if (!names.containsKey(name)) {
            problem(n.line(), key, "unknown server '" + name + "'" + known(names));
            return null;
        }
        return name;
    }

    private static String known(Map<String, Integer> names) {
        return names.isEmpty() ? "" : " (servers: " + String.join(", ", new TreeSet<>(names.keySet())) + ")";
    }

    private List<InetAddress> addressList(YamlNode map, String path, String key) {
        List<InetAddress> out = new ArrayList<>();
        YamlNode.Entry e = map.entry(key);
        if (e == null) {
            return out;
        }
        List<YamlNode> items = items(e.value());
        for (int i = 0; i < items.size(); i++) {
            String k = e.value().isList() ? path + "." + key + "[" + i + "]" : path + "." + key;
            InetAddress a = ip(items.get(i), k);
            if (a != null) {
                if (sameFamily(out, a)) {
                    problem(items.get(i).line(), k, "at most one " + family(a) + " address");
                } else {
                    out.add(a);
                }
            }
        }
        return out;
    }

    private InetAddress ip(YamlNode n, String key) {
        InetAddress a = n.isScalar() ? parseIp(n.text().trim()) : null;
        if (a == null) {
            problem(n.line(), key, n.describe() + " is not an IPv4 or IPv6 address literal");
        }
        return a;
    }

    /** Parses an address literal without ever resolving a name. */
    static InetAddress parseIp(String s) {
        if (!IPV4.matcher(s).matches() && !(s.contains(":") && s.matches("[0-9A-Fa-f:.]+"))) {
            return null;
        }
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException | SecurityException e) {
            return null;
        }
    }

    private static boolean sameFamily(List<InetAddress> list, InetAddress a) {
        for (InetAddress b : list) {
            if ((b instanceof Inet4Address) == (a instanceof Inet4Address)) {
                return true;
            }
        }
        return false;
    }

    private static String family(InetAddress a) {
        return a instanceof Inet4Address ? "IPv4" : "IPv6";
    }

    private static TransportProtocol protocol(String s) {
        for (TransportProtocol p : TransportProtocol.values()) {
            if (p.yamlName().equalsIgnoreCase(s.trim())) {
                return p;
            }
        }
        return null;
    }

    private static int indexOfServer(YamlNode.Entry servers, String name) {
        if (servers != null && servers.value().isList()) {
            List<YamlNode> list = servers.value().items();
            for (int i = 0; i < list.size(); i++) {
                YamlNode s = list.get(i);
                if (s.isMap() && s.entry("name") != null && name.equals(s.entry("name").value().text() == null ? null
                        : s.entry("name").value().text().trim())) {
                    return i;
                }
            }
        }
        return -1;
    }

    static boolean isPrime(int n) {
        if (n < 2) {
            return false;
        }
        for (int d = 2; (long) d * d <= n; d++) {
            if (n % d == 0) {
                return false;
            }
        }
        return true;
    }

    /** Levenshtein distance, for "did you mean" hints on unknown keys. */
    static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
