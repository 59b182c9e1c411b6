package io.portredirect.clientagent.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML document as a tree that remembers the line of every key and value. Jackson's YAML parser
 * does the parsing; the tree exists because a bound object forgets where a bad value came from, and
 * every configuration error must name its line.
 */
public abstract sealed class YamlNode permits YamlNode.Mapping, YamlNode.Sequence, YamlNode.Scalar {
    private final int line;

    private YamlNode(int line) {
        this.line = line;
    }

    /** 1-based line where the node starts. */
    public int line() {
        return line;
    }

    /** What the node is, for error messages ("a mapping", "a list", "a value"). */
    public abstract String kind();

    /** A mapping; keys keep file order and remember their own line. */
    public static final class Mapping extends YamlNode {
        private final Map<String, YamlNode> entries = new LinkedHashMap<>();
        private final Map<String, Integer> keyLines = new LinkedHashMap<>();

        Mapping(int line) {
            super(line);
        }

        public Map<String, YamlNode> entries() {
            return Collections.unmodifiableMap(entries);
        }

        public YamlNode get(String key) {
            return entries.get(key);
        }

        /** Line of the key, or the mapping's own line when absent. */
        public int keyLine(String key) {
            return keyLines.getOrDefault(key, line());
        }

        @Override
        public String kind() {
            return "a mapping";
        }
    }

    /** A list. */
    public static final class Sequence extends YamlNode {
        private final List<YamlNode> items = new ArrayList<>();

        Sequence(int line) {
            super(line);
        }

        public List<YamlNode> items() {
            return Collections.unmodifiableList(items);
        }

        @Override
        public String kind() {
            return "a list";
        }
    }

    /** A scalar; {@code text} is null for an explicit or implicit YAML null. */
    public static final class Scalar extends YamlNode {
        private final String text;

        Scalar(int line, String text) {
            super(line);
            this.text = text;
        }

        public String text() {
            return text;
        }

        @Override
        public String kind() {
            return text == null ? "empty" : "a value";
        }
    }

    /**
     * Parses one YAML document. An empty document yields an empty mapping.
     *
     * @throws ConfigException on a syntax error or a duplicate key, naming file and line
     */
    public static YamlNode parse(Reader in, String file) throws ConfigException {
        try (JsonParser p = new YAMLFactory().createParser(in)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return new Mapping(1);
            }
            return read(p, file, "");
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            throw new ConfigException(file, loc == null ? 0 : loc.getLineNr(), "", "not valid YAML: " + e.getOriginalMessage().lines().findFirst().orElse("").trim());
        } catch (IOException e) {
            throw new ConfigException(file, 0, "", "cannot read: " + e.getMessage());
        }
    }

    private static YamlNode read(JsonParser p, String file, String path) throws IOException, ConfigException {
        int line = p.currentTokenLocation().getLineNr();
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT -> {
                Mapping m = new Mapping(line);
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    int keyLine = p.currentTokenLocation().getLineNr();
                    String childPath = path.isEmpty() ? key : path + "." + key;
                    if (m.entries.containsKey(key)) {
                        throw new ConfigException(file, keyLine, childPath, "duplicate key (first at line " + m.keyLines.get(key) + ")");
                    }
                    p.nextToken();
                    m.keyLines.put(key, keyLine);
                    m.entries.put(key, read(p, file, childPath));
                }
                return m;
            }
            case START_ARRAY -> {
                Sequence s = new Sequence(line);
                int i = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    s.items.add(read(p, file, path + "[" + i++ + "]"));
                }
                return s;
            }
            case VALUE_NULL -> {
                return new Scalar(line, null);
            }
            default -> {
                return new Scalar(line, p.getText());
            }
        }
    }
}
