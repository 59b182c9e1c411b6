package io.portredirect.protocol.config;

/**
 * A YAML document {@link YamlReader} cannot turn into a tree. Each loader words it in its own
 * error format; {@link #line()}, {@link #key()} and {@link #detail()} are the parts.
 */
public final class YamlException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Problem {
        /** Not YAML; {@link #detail()} is the parser's own message, which may span lines. */
        SYNTAX,
        /** A key appears twice in one mapping; {@link #detail()} names the first one's line. */
        DUPLICATE_KEY,
        /** The text could not be read at all. */
        UNREADABLE
    }

    private final Problem problem;
    private final int line;
    private final String key;
    private final String detail;

    YamlException(Problem problem, int line, String key, String detail) {
        super((line > 0 ? "line " + line + ": " : "") + (key.isEmpty() ? "" : key + ": ") + detail);
        this.problem = problem;
        this.line = line;
        this.key = key;
        this.detail = detail;
    }

    public Problem problem() {
        return problem;
    }

    /** 1-based line, or 0 (or below) when the parser gave none. */
    public int line() {
        return line;
    }

    /** Path of the key, e.g. {@code servers[1].name}; empty when the problem is not at a key. */
    public String key() {
        return key;
    }

    /** What is wrong, without file, line or key. */
    public String detail() {
        return detail;
    }
}
