package io.portredirect.balancer.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/** Streams a YAML document through Jackson's YAML parser into {@link YamlNode}s that keep their lines. */
final class YamlTreeReader {
    private static final YAMLFactory FACTORY = new YAMLFactory();

    private final String file;
    private final JsonParser parser;

    private YamlTreeReader(String file, JsonParser parser) {
        this.file = file;
        this.parser = parser;
    }

    /** Reads the single document in {@code text}; an empty document reads as a null node. */
    static YamlNode read(String text, String file) throws ConfigException {
        try (JsonParser p = FACTORY.createParser(text)) {
            YamlTreeReader r = new YamlTreeReader(file, p);
            JsonToken t = p.nextToken();
            if (t == null) {
                return YamlNode.nullNode(1);
            }
            return r.value(t, "(document)");
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String msg = e.getOriginalMessage().replaceAll("\\s+", " ").trim();
            throw new ConfigException(file, loc == null ? 0 : Math.max(1, loc.getLineNr()), "(yaml)", "not valid YAML: " + msg);
        } catch (IOException e) {
            throw new ConfigException(file, 0, "(yaml)", "cannot read: " + e.getMessage());
        }
    }

    private int line() {
        return Math.max(1, parser.currentTokenLocation().getLineNr());
    }

    private YamlNode value(JsonToken t, String path) throws IOException, ConfigException {
        int line = line();
        switch (t) {
            case START_OBJECT -> {
                LinkedHashMap<String, YamlNode.Entry> entries = new LinkedHashMap<>();
                for (JsonToken k = parser.nextToken(); k != JsonToken.END_OBJECT; k = parser.nextToken()) {
                    String key = parser.currentName();
                    int keyLine = line();
                    String child = path.equals("(document)") ? key : path + "." + key;
                    YamlNode v = value(parser.nextToken(), child);
                    YamlNode.Entry old = entries.put(key, new YamlNode.Entry(key, keyLine, v));
                    if (old != null) {
                        throw new ConfigException(file, keyLine, child, "duplicate key (first at line " + old.keyLine() + ")");
                    }
                }
                return YamlNode.map(line, entries);
            }
            case START_ARRAY -> {
                List<YamlNode> items = new ArrayList<>();
                for (JsonToken i = parser.nextToken(); i != JsonToken.END_ARRAY; i = parser.nextToken()) {
                    items.add(value(i, path + "[" + items.size() + "]"));
                }
                return YamlNode.list(line, items);
            }
            case VALUE_NULL -> {
                return YamlNode.nullNode(line);
            }
            default -> {
                // numbers and booleans keep their source spelling; the validator types them
                return YamlNode.scalar(line, parser.getText());
            }
        }
    }
}
