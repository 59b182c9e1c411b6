package io.portredirect.balancer.config;

import java.util.List;

/**
 * A configuration file that cannot be used. The message reads {@code FILE:LINE: KEY: what is wrong}
 * so an operator can jump to the line; {@link #problems()} lists every problem found, first one first.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final int line;
    private final String key;
    private final transient List<String> problems;

    public ConfigException(String file, int line, String key, String what) {
        this(file, line, key, what, List.of());
    }

    ConfigException(String file, int line, String key, String what, List<String> all) {
        super(format(file, line, key, what));
        this.file = file;
        this.line = line;
        this.key = key;
        this.problems = all.isEmpty() ? List.of(getMessage()) : List.copyOf(all);
    }

    static String format(String file, int line, String key, String what) {
        return file + ":" + line + ": " + key + ": " + what;
    }

    /** The file as named by the caller. */
    public String file() {
        return file;
    }

    /** 1-based line, 0 when the problem has no line (unreadable file). */
    public int line() {
        return line;
    }

    /** Path of the offending key, e.g. {@code servers[1].servicePorts[0]}. */
    public String key() {
        return key;
    }

    /** Every problem found, each formatted like {@link #getMessage()}. */
    public List<String> problems() {
        return problems;
    }
}
