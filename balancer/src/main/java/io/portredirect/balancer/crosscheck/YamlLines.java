package io.portredirect.balancer.crosscheck;

import io.portredirect.protocol.config.YamlException;
import io.portredirect.protocol.config.YamlNode;
import io.portredirect.protocol.config.YamlReader;

import java.util.HashMap;
import java.util.Map;

/**
 * Source lines of an agent file by key path ({@code service-ports[1]}, {@code vips[0].address}):
 * the agents' configs do not keep them, and a finding should point at the line to edit.
 */
public final class YamlLines {
    private static final YamlLines NONE = new YamlLines(Map.of());

    private final Map<String, Integer> lines;

    private YamlLines(Map<String, Integer> lines) {
        this.lines = lines;
    }

    /** No lines known (configs built in code): every lookup is 0. */
    public static YamlLines none() {
        return NONE;
    }

    /** The lines of {@code yaml}, already validated by its loader (unreadable text gives none). */
    public static YamlLines of(String yaml) {
        try {
            Map<String, Integer> lines = new HashMap<>();
            record(YamlReader.read(yaml), "", lines);
            return new YamlLines(lines);
        } catch (YamlException e) {
            return NONE;
        }
    }

    /** Line of {@code path}, else of its nearest enclosing key, else 0. */
    public int line(String path) {
        for (String p = path; !p.isEmpty(); p = parent(p)) {
            Integer l = lines.get(p);
            if (l != null) {
                return l;
            }
        }
        return 0;
    }

    private static String parent(String p) {
        int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
        return cut < 0 ? "" : p.substring(0, cut);
    }

    private static void record(YamlNode n, String path, Map<String, Integer> lines) {
        if (n.isMap()) {
            for (YamlNode.Entry e : n.entries().values()) {
                String p = path.isEmpty() ? e.key() : path + "." + e.key();
                lines.put(p, e.keyLine());
                record(e.value(), p, lines);
            }
        } else if (n.isList()) {
            for (int i = 0; i < n.items().size(); i++) {
                String p = path + "[" + i + "]";
                lines.put(p, n.items().get(i).line());
                record(n.items().get(i), p, lines);
            }
        }
    }
}
