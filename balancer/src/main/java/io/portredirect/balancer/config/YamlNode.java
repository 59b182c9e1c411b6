package io.portredirect.balancer.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML node with the line it starts on: Jackson's tree model drops locations, and every
 * configuration error must name its line.
 */
final class YamlNode {
    enum Kind { MAP, LIST, SCALAR, NULL }

    /** A mapping entry: the key's own line, and the value. */
    record Entry(String key, int keyLine, YamlNode value) {
    }

    final Kind kind;
    final int line;
    final String text;
    final Map<String, Entry> map;
    final List<YamlNode> list;

    private YamlNode(Kind kind, int line, String text, Map<String, Entry> map, List<YamlNode> list) {
        this.kind = kind;
        this.line = line;
        this.text = text;
        this.map = map;
        this.list = list;
    }

    static YamlNode scalar(int line, String text) {
        return new YamlNode(Kind.SCALAR, line, text, null, null);
    }

    static YamlNode nullNode(int line) {
        return new YamlNode(Kind.NULL, line, null, null, null);
    }

    static YamlNode map(int line, LinkedHashMap<String, Entry> entries) {
        return new YamlNode(Kind.MAP, line, null, entries, null);
    }

    static YamlNode list(int line, List<YamlNode> items) {
        return new YamlNode(Kind.LIST, line, null, null, items);
    }

    boolean isMap() {
        return kind == Kind.MAP;
    }

    boolean isList() {
        return kind == Kind.LIST;
    }

    boolean isScalar() {
        return kind == Kind.SCALAR;
    }

    boolean isNull() {
        return kind == Kind.NULL;
    }

    String describe() {
        return switch (kind) {
            case MAP -> "a mapping";
            case LIST -> "a list";
            case SCALAR -> "'" + text + "'";
            case NULL -> "empty";
        };
    }
}
