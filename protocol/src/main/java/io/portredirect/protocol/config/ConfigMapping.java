package io.portredirect.protocol.config;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A mapping in a config file whose keys are declared with {@link #keys}: kebab-case names. Each
 * name's camelCase spelling (the style before kebab-case) is still read, with a warning naming the
 * new key; both spellings in one mapping are an error, and so is any key not declared.
 */
public final class ConfigMapping {
    private final ConfigReader reader;
    private final YamlNode node;
    private final String path;
    /** Old spellings that are not just camelCase, e.g. refreshMillis for refresh, with the unit a bare number had. */
    private final Map<String, Renamed> renamed = new HashMap<>();
    private final Map<String, YamlNode.Entry> byKey = new LinkedHashMap<>();
    private final Map<String, ChronoUnit> legacyUnits = new HashMap<>();

    private record Renamed(String now, ChronoUnit unit) {
    }

    ConfigMapping(ConfigReader reader, YamlNode node, String path) {
        this.reader = reader;
        this.node = node;
        this.path = path;
    }

    /** Path of this mapping, e.g. {@code servers[1]}; empty for the document. */
    public String path() {
        return path;
    }

    /** Line where the mapping starts. */
    public int line() {
        return node.line();
    }

    public ConfigReader reader() {
        return reader;
    }

    /**
     * Declares an old spelling of a duration key whose name carried the unit ({@code refreshMillis}):
     * it is read as {@code now} with a warning, and a bare number under it is in {@code unit}.
     * Call before {@link #keys}.
     */
    public ConfigMapping renamed(String old, String now, ChronoUnit unit) {
        renamed.put(old, new Renamed(now, unit));
        return this;
    }

    /** Declares the keys this mapping may hold and checks the file's keys against them. */
    public ConfigMapping keys(String... known) {
        Set<String> allowed = Set.of(known);
        Map<String, String> camel = new HashMap<>();
        for (String k : known) {
            String c = camelCase(k);
            if (!c.equals(k)) {
                camel.put(c, k);
            }
        }
        List<YamlNode.Entry> deprecated = new ArrayList<>();
        for (YamlNode.Entry e : node.entries().values()) {
            if (allowed.contains(e.key())) {
                byKey.put(e.key(), e);
            } else if (camel.containsKey(e.key()) || renamed.containsKey(e.key()) && allowed.contains(renamed.get(e.key()).now())) {
                deprecated.add(e);
            } else {
                String near = allowed.stream().filter(a -> editDistance(a, e.key().toLowerCase()) <= 2).sorted().findFirst()
                        .map(a -> " (did you mean '" + a + "'?)").orElse("");
                reader.problem(e.keyLine(), ConfigReader.child(path, e.key()),
                        "unknown key" + near + "; known here: " + String.join(", ", new TreeSet<>(allowed)));
            }
        }
        for (YamlNode.Entry e : deprecated) {
            Renamed r = renamed.get(e.key());
            String now = r != null ? r.now() : camel.get(e.key());
            YamlNode.Entry both = byKey.get(now);
            String key = ConfigReader.child(path, e.key());
            if (both != null) {
                YamlNode.Entry later = both.keyLine() > e.keyLine() ? both : e;
                YamlNode.Entry earlier = later == both ? e : both;
                reader.problem(later.keyLine(), ConfigReader.child(path, later.key()), "both " + earlier.key() + " (line "
                        + earlier.keyLine() + ") and " + later.key() + " given; keep only " + now);
                continue;
            }
            String write = now;
            if (r != null && r.unit() != null && e.value().isScalar() && e.value().text().trim().matches("\\d+")) {
                write = now + ": " + e.value().text().trim() + unitSuffix(r.unit());
                legacyUnits.put(now, r.unit());
            }
            reader.warn(e.keyLine(), key, "deprecated spelling, write " + write);
            byKey.put(now, e);
        }
        return this;
    }

    /** The value of {@code key} (under any accepted spelling), or null when absent or empty. */
    public ConfigValue get(String key) {
        YamlNode.Entry e = byKey.get(key);
        if (e == null || e.value().isNull()) {
            return null;
        }
        return new ConfigValue(reader, e.value(), ConfigReader.child(path, e.key()), e.keyLine(), legacyUnits.get(key));
    }

    /** True when the file gives {@code key} (even without a value). */
    public boolean has(String key) {
        return byKey.containsKey(key);
    }

    /** Line of {@code key}, or of this mapping when absent. */
    public int lineOf(String key) {
        YamlNode.Entry e = byKey.get(key);
        return e == null ? node.line() : e.keyLine();
    }

    /** Path of {@code key} as the file spells it (the new spelling when absent). */
    public String pathOf(String key) {
        YamlNode.Entry e = byKey.get(key);
        return ConfigReader.child(path, e == null ? key : e.key());
    }

    /** The value of a key that must be given; a problem ("missing" plus {@code hint}) and null when not. */
    public ConfigValue required(String key, String hint) {
        ConfigValue v = get(key);
        if (v == null) {
            String what = hint == null || hint.isEmpty() ? "missing" : "missing: " + hint;
            if (has(key)) {
                reader.problem(lineOf(key), pathOf(key), what.replaceFirst("^missing", "empty"));
            } else {
                reader.problem(node.line(), pathOf(key), what);
            }
        }
        return v;
    }

    /** Records a problem at {@code key} (its line, or this mapping's when absent). */
    public void problem(String key, String what) {
        reader.problem(lineOf(key), pathOf(key), what);
    }

    // ---- typed shortcuts: the default when absent, or when the value has a problem (already reported) ----

    public String string(String key, String dflt) {
        ConfigValue v = get(key);
        String s = v == null ? null : v.text();
        return s == null ? dflt : s;
    }

    public int integer(String key, int min, int max, int dflt) {
        ConfigValue v = get(key);
        Integer i = v == null ? null : v.integer(min, max);
        return i == null ? dflt : i;
    }

    public boolean bool(String key, boolean dflt) {
        ConfigValue v = get(key);
        Boolean b = v == null ? null : v.bool();
        return b == null ? dflt : b;
    }

    public Duration duration(String key, Duration dflt) {
        ConfigValue v = get(key);
        Duration d = v == null ? null : v.duration();
        return d == null ? dflt : d;
    }

    /** A sub-mapping; null when absent or empty, and a problem when not a mapping. */
    public ConfigMapping mapping(String key) {
        ConfigValue v = get(key);
        return v == null ? null : v.mapping();
    }

    static String camelCase(String kebab) {
        StringBuilder sb = new StringBuilder();
        boolean up = false;
        for (char c : kebab.toCharArray()) {
            if (c == '-') {
                up = true;
            } else {
                sb.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return sb.toString();
    }

    private static String unitSuffix(ChronoUnit u) {
        return switch (u) {
            case MILLIS -> "ms";
            case SECONDS -> "s";
            case MINUTES -> "m";
            case HOURS -> "h";
            default -> throw new IllegalArgumentException("no config spelling for " + u);
        };
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
