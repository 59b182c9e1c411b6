package io.portredirect.protocol.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Streams one YAML document through Jackson's YAML parser into {@link YamlNode}s that keep their
 * lines. A key given twice in one mapping is an error (a bound object would silently keep the last).
 */
public final class YamlReader {
    private static final YAMLFactory FACTORY = new YAMLFactory();

    private final JsonParser parser;
    /** Where duplicate keys go when the caller collects them; null: the first one is thrown. */
    private final List<YamlException> duplicates;

    private YamlReader(JsonParser parser, List<YamlException> duplicates) {
        this.parser = parser;
        this.duplicates = duplicates;
    }

    /** Reads {@code text}; null when it holds no document at all (empty, or only comments). */
    public static YamlNode read(String text) throws YamlException {
        return read(new StringReader(text));
    }

    /** Reads one document from {@code in}; null when there is none. */
    public static YamlNode read(Reader in) throws YamlException {
        return read(in, null);
    }

    /**
     * Reads one document, adding each duplicate key to {@code duplicates} (the first value is kept)
     * instead of throwing, so a loader can report them with every other problem.
     */
    public static YamlNode read(Reader in, List<YamlException> duplicates) throws YamlException {
        try (JsonParser p = FACTORY.createParser(in)) {
            JsonToken t = p.nextToken();
            return t == null ? null : new YamlReader(p, duplicates).value(t, "");
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            throw new YamlException(YamlException.Problem.SYNTAX, loc == null ? 0 : loc.getLineNr(), "", e.getOriginalMessage());
        } catch (IOException e) {
            throw new YamlException(YamlException.Problem.UNREADABLE, 0, "", String.valueOf(e.getMessage()));
        }
    }

    private int line() {
        return Math.max(1, parser.currentTokenLocation().getLineNr());
    }

    private YamlNode value(JsonToken t, String path) throws IOException, YamlException {
        int line = line();
        switch (t) {
            case START_OBJECT -> {
                LinkedHashMap<String, YamlNode.Entry> entries = new LinkedHashMap<>();
                for (JsonToken k = parser.nextToken(); k != JsonToken.END_OBJECT; k = parser.nextToken()) {
                    String key = parser.currentName();
                    int keyLine = line();
                    String child = path.isEmpty() ? key : path + "." + key;
                    YamlNode.Entry first = entries.get(key);
                    YamlNode v = value(parser.nextToken(), child);
                    if (first != null) {
                        YamlException dup = new YamlException(YamlException.Problem.DUPLICATE_KEY, keyLine, child,
                                "duplicate key (first at line " + first.keyLine() + ")");
                        if (duplicates == null) {
                            throw dup;
                        }
                        duplicates.add(dup);
                        continue;
                    }
                    entries.put(key, new YamlNode.Entry(key, keyLine, v));
                }
                return YamlNode.mapping(line, entries);
            }
            case START_ARRAY -> {
                List<YamlNode> items = new ArrayList<>();
                for (JsonToken i = parser.nextToken(); i != JsonToken.END_ARRAY; i = parser.nextToken()) {
                    items.add(value(i, path + "[" + items.size() + "]"));
                }
                return YamlNode.sequence(line, items);
            }
            case VALUE_NULL -> {
                return YamlNode.nullNode(line);
            }
            default -> {
                // numbers and booleans keep their source spelling; the loaders type them
                return YamlNode.scalar(line, parser.getText());
            }
        }
    }
}
