package io.portredirect.serveragent.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and validates the server agent's YAML file. Every error names the file, the key (as a path
 * such as {@code servicePorts[1].proxyTo}) and its line.
 *
 * <pre>
 * interface: eth0                 # required
 * vips: [198.18.0.10, 2001:2::10] # required, IP literals
 * redirectPorts: [8000]           # or [{port: 8000, legacyProxyTo: 127.0.0.1:9000}]
 * servicePorts: [8001, {port: 8002, proxyTo: 127.0.0.1:9002}]
 * policy: queue-aware             # round-robin | least-connections | queue-aware
 * protocols: [tcp, udp]
 * refreshMillis: 100              # kernel socket state refresh for the policies
 * allFull: reset                  # reset | drop
 * mss: 0                          # 0: interface MTU - 40 (IPv4) / - 60 (IPv6)
 * nftTable: portredirect_server
 * reserveLocalPorts: true
 * proxyBacklog: 1024
 * statsSeconds: 0
 * absorbUdp: true                 # bind UDP redirect ports no application uses
 * </pre>
 */
public final class ConfigLoader {
    private static final Set<String> TOP_KEYS = Set.of("interface", "vips", "redirectPorts", "servicePorts", "policy",
            "protocols", "refreshMillis", "allFull", "mss", "nftTable", "reserveLocalPorts", "proxyBacklog", "statsSeconds", "absorbUdp");
    private static final Pattern IP_LITERAL = Pattern.compile("[0-9a-fA-F:.]+");
    private static final Pattern NFT_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,63}");

    private final Path file;
    private final Map<String, Integer> lines;

    private ConfigLoader(Path file, Map<String, Integer> lines) {
        this.file = file;
        this.lines = lines;
    }

    /** Loads and validates {@code file}. */
    public static ServerAgentConfig load(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file, null, 0, "cannot read: " + e.getMessage());
        }
        return parse(file, text);
    }

    /** Parses and validates YAML text; {@code file} is only used in messages. */
    public static ServerAgentConfig parse(Path file, String text) throws ConfigException {
        JsonNode root;
        Map<String, Integer> lines = new HashMap<>();
        YAMLFactory yaml = new YAMLFactory();
        try (JsonParser p = yaml.createParser(text)) {
            if (p.nextToken() != null) {
                locate(p, "", lines);
            }
            root = new ObjectMapper(yaml).readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            throw new ConfigException(file, null, loc == null ? 0 : loc.getLineNr(), "not valid YAML: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException(file, null, 0, "cannot parse: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException(file, null, 1, "expected a mapping of settings (interface, vips, redirectPorts, servicePorts, ...)");
        }
        return new ConfigLoader(file, lines).build(root);
    }

    /** Records the line of every key and list element, by path. */
    private static void locate(JsonParser p, String path, Map<String, Integer> lines) throws IOException {
        JsonToken t = p.currentToken();
        lines.putIfAbsent(path, p.getTokenLocation().getLineNr());
        if (t == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String child = path.isEmpty() ? p.currentName() : path + "." + p.currentName();
                lines.put(child, p.getTokenLocation().getLineNr());
                p.nextToken();
                locate(p, child, lines);
            }
        } else if (t == JsonToken.START_ARRAY) {
            int i = 0;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                String child = path + "[" + i++ + "]";
                lines.put(child, p.getTokenLocation().getLineNr());
                locate(p, child, lines);
            }
        }
    }

    private ConfigException error(String key, String message) {
        Integer line = lines.get(key);
        if (line == null) {
            // a missing key: point at its parent
            String parent = key.contains(".") ? key.substring(0, key.lastIndexOf('.')) : "";
            line = lines.getOrDefault(parent, 0);
        }
        return new ConfigException(file, key, line, message);
    }

    private ServerAgentConfig build(JsonNode root) throws ConfigException {
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!TOP_KEYS.contains(k)) {
                throw error(k, "unknown setting (known: " + String.join(", ", new java.util.TreeSet<>(TOP_KEYS)) + ")");
            }
        }
        String iface = requiredText(root, "interface");
        if (iface.length() > 15 || !iface.matches("[A-Za-z0-9_.:@-]+")) {
            throw error("interface", "not an interface name: " + iface);
        }
        List<InetAddress> vips = new ArrayList<>();
        for (JsonNode n : requiredList(root, "vips")) {
            String key = "vips[" + vips.size() + "]";
            vips.add(ipLiteral(n, key));
        }
        Set<Integer> seen = new HashSet<>();
        List<Integer> redirectPorts = new ArrayList<>();
        Map<Integer, InetSocketAddress> legacy = new LinkedHashMap<>();
        int i = 0;
        for (JsonNode n : requiredList(root, "redirectPorts")) {
            String key = "redirectPorts[" + i++ + "]";
            int port = portEntry(n, key, Set.of("port", "legacyProxyTo"));
            if (!seen.add(port)) {
                throw error(key, "port " + port + " is listed twice");
            }
            redirectPorts.add(port);
            if (n.isObject() && n.has("legacyProxyTo")) {
                legacy.put(port, endpoint(n.get("legacyProxyTo"), key + ".legacyProxyTo"));
            }
        }
        List<ServicePort> servicePorts = new ArrayList<>();
        i = 0;
        for (JsonNode n : requiredList(root, "servicePorts")) {
            String key = "servicePorts[" + i++ + "]";
            int port = portEntry(n, key, Set.of("port", "proxyTo"));
            if (!seen.add(port)) {
                throw error(key, "port " + port + " is already a redirect or service port");
            }
            InetSocketAddress to = n.isObject() && n.has("proxyTo") ? endpoint(n.get("proxyTo"), key + ".proxyTo") : null;
            if (to != null && to.getPort() == port) {
                throw error(key + ".proxyTo", "the proxy would connect to itself (same port " + port + ")");
            }
            servicePorts.add(new ServicePort(port, to));
        }
        SelectionPolicy policy = SelectionPolicy.ROUND_ROBIN;
        if (root.has("policy")) {
            policy = SelectionPolicy.byName(text(root.get("policy"), "policy"));
            if (policy == null) {
                throw error("policy", "unknown policy '" + root.get("policy").asText() + "' (round-robin | least-connections | queue-aware)");
            }
        }
        boolean tcp = true;
        boolean udp = true;
        if (root.has("protocols")) {
            tcp = false;
            udp = false;
            int j = 0;
            for (JsonNode n : list(root.get("protocols"), "protocols")) {
                String key = "protocols[" + j++ + "]";
                switch (text(n, key)) {
                    case "tcp" -> tcp = true;
                    case "udp" -> udp = true;
                    default -> throw error(key, "unknown protocol '" + n.asText() + "' (tcp | udp)");
                }
            }
            if (!tcp && !udp) {
                throw error("protocols", "name at least one of tcp, udp");
            }
        }
        int refresh = intIn(root, "refreshMillis", 100, 10, 60_000);
        ServerAgentConfig.AllFullAction allFull = ServerAgentConfig.AllFullAction.RESET;
        if (root.has("allFull")) {
            switch (text(root.get("allFull"), "allFull")) {
                case "reset" -> allFull = ServerAgentConfig.AllFullAction.RESET;
                case "drop" -> allFull = ServerAgentConfig.AllFullAction.DROP;
                default -> throw error("allFull", "expected reset or drop, got '" + root.get("allFull").asText() + "'");
            }
        }
        int mss = intIn(root, "mss", 0, 0, 65495);
        if (mss != 0 && mss < 88) {
            throw error("mss", "MSS below 88 is not usable: " + mss);
        }
        String table = root.has("nftTable") ? text(root.get("nftTable"), "nftTable") : "portredirect_server";
        if (!NFT_NAME.matcher(table).matches()) {
            throw error("nftTable", "nft table names are letters, digits and _ (starting with a letter): " + table);
        }
        boolean reserve = bool(root, "reserveLocalPorts", true);
        boolean absorb = bool(root, "absorbUdp", true);
        int backlog = intIn(root, "proxyBacklog", 1024, 1, 65535);
        int stats = intIn(root, "statsSeconds", 0, 0, 3600);
        return new ServerAgentConfig(file, iface, vips, redirectPorts, servicePorts, legacy, policy, tcp, udp,
                refresh, allFull, mss, table, reserve, backlog, stats, absorb);
    }

    private boolean bool(JsonNode root, String key, boolean dflt) throws ConfigException {
        if (!root.has(key)) {
            return dflt;
        }
        if (!root.get(key).isBoolean()) {
            throw error(key, "expected true or false, got '" + root.get(key).asText() + "'");
        }
        return root.get(key).asBoolean();
    }

    private String requiredText(JsonNode root, String key) throws ConfigException {
        if (!root.has(key)) {
            throw error(key, "is required");
        }
        return text(root.get(key), key);
    }

    private String text(JsonNode n, String key) throws ConfigException {
        if (n == null || !n.isValueNode() || n.isNull() || n.asText().isBlank()) {
            throw error(key, "expected a value");
        }
        return n.asText().trim();
    }

    private List<JsonNode> requiredList(JsonNode root, String key) throws ConfigException {
        if (!root.has(key)) {
            throw error(key, "is required");
        }
        List<JsonNode> l = list(root.get(key), key);
        if (l.isEmpty()) {
            throw error(key, "must not be empty");
        }
        return l;
    }

    private List<JsonNode> list(JsonNode n, String key) throws ConfigException {
        if (n == null || !n.isArray()) {
            throw error(key, "expected a list, e.g. [a, b]");
        }
        List<JsonNode> out = new ArrayList<>();
        n.forEach(out::add);
        return out;
    }

    private int portEntry(JsonNode n, String key, Set<String> allowed) throws ConfigException {
        if (n.isObject()) {
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!allowed.contains(k)) {
                    throw error(key + "." + k, "unknown setting (known: " + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
                }
            }
            if (!n.has("port")) {
                throw error(key + ".port", "is required");
            }
            return port(n.get("port"), key + ".port");
        }
        return port(n, key);
    }

    private int port(JsonNode n, String key) throws ConfigException {
        if (!n.canConvertToInt() || !n.isIntegralNumber()) {
            throw error(key, "expected a port number 1-65535, got '" + n.asText() + "'");
        }
        int p = n.asInt();
        if (p < 1 || p > 65535) {
            throw error(key, "port out of range 1-65535: " + p);
        }
        return p;
    }

    private int intIn(JsonNode root, String key, int dflt, int min, int max) throws ConfigException {
        if (!root.has(key)) {
            return dflt;
        }
        JsonNode n = root.get(key);
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < min || n.asInt() > max) {
            throw error(key, "expected a whole number " + min + "-" + max + ", got '" + n.asText() + "'");
        }
        return n.asInt();
    }

    private InetAddress ipLiteral(JsonNode n, String key) throws ConfigException {
        String s = text(n, key);
        if (!IP_LITERAL.matcher(s).matches() || (!s.contains(".") && !s.contains(":"))) {
            throw error(key, "expected an IPv4 or IPv6 address, got '" + s + "'");
        }
        try {
            return InetAddress.getByName(s);
        } catch (IOException e) {
            throw error(key, "expected an IPv4 or IPv6 address, got '" + s + "'");
        }
    }

    private InetSocketAddress endpoint(JsonNode n, String key) throws ConfigException {
        String s = text(n, key);
        int colon = s.lastIndexOf(':');
        if (colon <= 0) {
            throw error(key, "expected ADDRESS:PORT (IPv6 as [ADDRESS]:PORT), got '" + s + "'");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw error(key, "write an IPv6 endpoint as [ADDRESS]:PORT, got '" + s + "'");
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw error(key, "bad port in '" + s + "'");
        }
        if (port < 1 || port > 65535) {
            throw error(key, "port out of range 1-65535 in '" + s + "'");
        }
        if (!IP_LITERAL.matcher(host).matches()) {
            throw error(key, "expected an IP address (no host names), got '" + host + "'");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (IOException e) {
            throw error(key, "expected an IP address, got '" + host + "'");
        }
    }
}
