package io.portredirect.protocol.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * One value in a config file with its key path and line. The typed getters report a problem and
 * return null when the value is not what is expected, so the loader goes on to the next key.
 */
public final class ConfigValue {
    private final ConfigReader reader;
    private final YamlNode node;
    private final String path;
    private final int line;
    private final ChronoUnit legacyUnit;

    ConfigValue(ConfigReader reader, YamlNode node, String path, int line, ChronoUnit legacyUnit) {
        this.reader = reader;
        this.node = node;
        this.path = path;
        this.line = line;
        this.legacyUnit = legacyUnit;
    }

    public YamlNode node() {
        return node;
    }

    /** Key path, e.g. {@code servers[1].weight}. */
    public String path() {
        return path;
    }

    public int line() {
        return line;
    }

    /** Records a problem at this value. */
    public void problem(String what) {
        reader.problem(line, path, what);
    }

    /** A non-blank scalar, trimmed. */
    public String text() {
        if (!node.isScalar() || node.text().isBlank()) {
            problem("expected a value, found " + node.describe());
            return null;
        }
        return node.text().trim();
    }

    public Integer integer(int min, int max) {
        String s = node.isScalar() ? node.text().trim() : null;
        long x;
        try {
            x = s == null ? Long.MIN_VALUE : Long.parseLong(s);
        } catch (NumberFormatException e) {
            x = Long.MIN_VALUE;
        }
        if (x == Long.MIN_VALUE) {
            problem(node.describe() + " is not an integer");
            return null;
        }
        if (x < min || x > max) {
            problem(x + " is out of range " + min + "-" + max);
            return null;
        }
        return (int) x;
    }

    public Boolean bool() {
        String s = node.isScalar() ? node.text().trim() : "";
        if (s.equals("true") || s.equals("false")) {
            return Boolean.valueOf(s);
        }
        problem(node.describe() + " is not true or false");
        return null;
    }

    /** {@code 250ms}, {@code 1s}, {@code 2m}; a bare number only under an old key that carried the unit. */
    public Duration duration() {
        String s = text();
        if (s == null) {
            return null;
        }
        if (legacyUnit != null && s.matches("\\d{1,9}")) {
            return Duration.of(Long.parseLong(s), legacyUnit);
        }
        return parse(s, Durations::parse);
    }

    public InetAddress ip() {
        InetAddress a = node.isScalar() ? HostPort.literalOrNull(node.text()) : null;
        if (a == null) {
            problem(node.describe() + " is not an IPv4 or IPv6 address literal");
        }
        return a;
    }

    /** {@code ADDRESS:PORT}, IPv6 in brackets. */
    public InetSocketAddress hostPort() {
        String s = text();
        return s == null ? null : parse(s, HostPort::parse);
    }

    /** {@code 8080} or {@code 61000-61099}. */
    public PortRange portRange() {
        String s = text();
        return s == null ? null : parse(s, PortRange::parse);
    }

    /** A MAC address; {@code orElse} names the other accepted spellings in the message, e.g. " or auto". */
    public byte[] mac(String orElse) {
        byte[] m = node.isScalar() ? MacAddress.parseOrNull(node.text()) : null;
        if (m == null) {
            problem(node.describe() + " is not a MAC address like 02:00:5e:00:53:01" + orElse);
        }
        return m;
    }

    /** One of {@code allowed} (case-insensitive), as written in {@code allowed}. */
    public String choice(String... allowed) {
        String s = node.isScalar() ? node.text().trim() : "";
        for (String a : allowed) {
            if (a.equalsIgnoreCase(s)) {
                return a;
            }
        }
        problem(node.describe() + " is not one of " + String.join(", ", allowed));
        return null;
    }

    /** The items of a list, or this value alone when it is a scalar (YAML lets one item stand for a list). */
    public List<ConfigValue> items() {
        if (node.isList()) {
            return list();
        }
        return List.of(this);
    }

    /** The items of a list; a problem and an empty list when it is not one. */
    public List<ConfigValue> list() {
        if (!node.isList()) {
            problem("expected a list, found " + node.describe());
            return List.of();
        }
        List<ConfigValue> out = new ArrayList<>();
        for (int i = 0; i < node.items().size(); i++) {
            YamlNode item = node.items().get(i);
            out.add(new ConfigValue(reader, item, path + "[" + i + "]", item.line(), null));
        }
        return out;
    }

    /** This value as a mapping whose keys the caller declares with {@link ConfigMapping#keys}; null and a problem when not. */
    public ConfigMapping mapping() {
        if (!node.isMap()) {
            problem("expected a mapping, found " + node.describe());
            return null;
        }
        return new ConfigMapping(reader, node, path);
    }

    private <T> T parse(String s, java.util.function.Function<String, T> parser) {
        try {
            return parser.apply(s);
        } catch (IllegalArgumentException e) {
            problem(e.getMessage());
            return null;
        }
    }

    @Override
    public String toString() {
        return path + " at line " + line;
    }
}
