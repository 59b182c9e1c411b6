package io.portredirect.protocol.config;

/**
 * One thing wrong (or deprecated) in a configuration file, printed as {@code FILE:LINE: KEY: what}
 * so an operator can jump to the line.
 *
 * @param line 1-based line, 0 when the file could not be read at all
 * @param key  dotted key path such as {@code servers[1].weight}, or {@code (file)}, {@code (yaml)},
 *             {@code (document)} for problems of the whole file
 */
public record ConfigProblem(String file, int line, String key, String what) {
    /** The one format all three programs use. */
    public static String format(String file, int line, String key, String what) {
        return file + ":" + line + ": " + key + ": " + what;
    }

    @Override
    public String toString() {
        return format(file, line, key, what);
    }
}
