package io.portredirect.clientagent.config;

/**
 * A configuration file the agent cannot use. The message always names the file, the line and the
 * key (as a path such as {@code listeners[1].target}), so an operator can go straight to it.
 */
public final class ConfigException extends Exception {
    private final String file;
    private final int line;
    private final String key;

    public ConfigException(String file, int line, String key, String problem) {
        super(file + ":" + (line > 0 ? line : "?") + ": " + (key == null || key.isEmpty() ? "" : key + ": ") + problem);
        this.file = file;
        this.line = line;
        this.key = key;
    }

    public String file() {
        return file;
    }

    /** 1-based line, or 0 when unknown. */
    public int line() {
        return line;
    }

    /** Path of the offending key, e.g. {@code probe.timeout}; empty for the whole document. */
    public String key() {
        return key;
    }
}
