package io.portredirect.protocol.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML node with the line it starts on: Jackson's tree model drops locations, and every
 * configuration error must name its line. Scalars keep their source spelling (numbers and
 * booleans included); the loaders type them. Read with {@link YamlReader}.
 */
public final class YamlNode {
    /** What a node is. */
    public enum Type { MAPPING, SEQUENCE, SCALAR, NULL }

    /** A mapping entry: the key, the key's own line, and the value. */
    public record Entry(String key, int keyLine, YamlNode value) {
    }

    private final Type type;
    private final int line;
    private final String text;
    private final Map<String, Entry> entries;
    private final List<YamlNode> items;

    private YamlNode(Type type, int line, String text, Map<String, Entry> entries, List<YamlNode> items) {
        this.type = type;
        this.line = line;
        this.text = text;
        this.entries = entries;
        this.items = items;
    }

    static YamlNode scalar(int line, String text) {
        return new YamlNode(Type.SCALAR, line, text, Map.of(), List.of());
    }

    /** A null, e.g. for a loader that reads an empty document as one. */
    public static YamlNode nullNode(int line) {
        return new YamlNode(Type.NULL, line, null, Map.of(), List.of());
    }

    static YamlNode mapping(int line, LinkedHashMap<String, Entry> entries) {
        return new YamlNode(Type.MAPPING, line, null, Collections.unmodifiableMap(entries), List.of());
    }

    static YamlNode sequence(int line, List<YamlNode> items) {
        return new YamlNode(Type.SEQUENCE, line, null, Map.of(), Collections.unmodifiableList(items));
    }

    /** An empty mapping, for a loader that reads a document with no settings as one. */
    public static YamlNode emptyMapping(int line) {
        return mapping(line, new LinkedHashMap<>());
    }

    public Type type() {
        return type;
    }

    /** 1-based line where the node starts. */
    public int line() {
        return line;
    }

    public boolean isMap() {
        return type == Type.MAPPING;
    }

    public boolean isList() {
        return type == Type.SEQUENCE;
    }

    public boolean isScalar() {
        return type == Type.SCALAR;
    }

    /** An explicit ({@code ~}, {@code null}) or implicit (key without a value) YAML null. */
    public boolean isNull() {
        return type == Type.NULL;
    }

    /** A scalar's source text; null for any other node. */
    public String text() {
        return text;
    }

    /** A mapping's entries in file order; empty for any other node. */
    public Map<String, Entry> entries() {
        return entries;
    }

    /** A mapping's entry for {@code key}, or null. */
    public Entry entry(String key) {
        return entries.get(key);
    }

    /** A mapping's value for {@code key}, or null when the key is absent. */
    public YamlNode get(String key) {
        Entry e = entries.get(key);
        return e == null ? null : e.value();
    }

    /** Line of a mapping's key, or the node's own line when the key is absent. */
    public int keyLine(String key) {
        Entry e = entries.get(key);
        return e == null ? line : e.keyLine();
    }

    /** A sequence's items; empty for any other node. */
    public List<YamlNode> items() {
        return items;
    }

    /** What the node is, for error messages: "a mapping", "a list", "a value" or "empty". */
    public String what() {
        return switch (type) {
            case MAPPING -> "a mapping";
            case SEQUENCE -> "a list";
            case SCALAR -> "a value";
            case NULL -> "empty";
        };
    }

    /** Like {@link #what()}, but a scalar quotes its text. */
    public String describe() {
        return type == Type.SCALAR ? "'" + text + "'" : what();
    }

    @Override
    public String toString() {
        return describe() + " at line " + line;
    }
}
