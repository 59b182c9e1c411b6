package io.portredirect.serveragent.config;

import java.nio.file.Path;

/** A configuration error that names the file, the key and the line, as an operator needs to fix it. */
public final class ConfigException extends Exception {
    private final transient Path file;
    private final String key;
    private final int line;

    public ConfigException(Path file, String key, int line, String message) {
        super(format(file, key, line, message));
        this.file = file;
        this.key = key;
        this.line = line;
    }

    private static String format(Path file, String key, int line, String message) {
        StringBuilder sb = new StringBuilder().append(file == null ? "<config>" : file.toString());
        if (line > 0) {
            sb.append(':').append(line);
        }
        if (key != null && !key.isEmpty()) {
            sb.append(": key '").append(key).append('\'');
        }
        return sb.append(": ").append(message).toString();
    }

    public Path file() {
        return file;
    }

    /** The offending key as a path, e.g. {@code servicePorts[1].proxyTo}; empty for the whole file. */
    public String key() {
        return key;
    }

    /** 1-based line, or 0 when unknown. */
    public int line() {
        return line;
    }
}
