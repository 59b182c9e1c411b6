package io.portredirect.protocol.config;

import java.util.Comparator;
import java.util.List;

/**
 * A configuration file that cannot be used, with every problem found in it (first line first).
 * The message is the first problem as {@code FILE:LINE: KEY: what}; {@link #problems()} has them all.
 */
public class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient List<ConfigProblem> all;

    /** One problem. */
    public ConfigException(String file, int line, String key, String what) {
        this(List.of(new ConfigProblem(file, line, key, what)));
    }

    /** Several problems (at least one); they are sorted by line. */
    public ConfigException(List<ConfigProblem> problems) {
        this(sorted(problems), true);
    }

    private ConfigException(List<ConfigProblem> sorted, boolean unused) {
        super(sorted.get(0).toString());
        this.all = sorted;
    }

    private static List<ConfigProblem> sorted(List<ConfigProblem> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs a problem");
        }
        return problems.stream().sorted(Comparator.comparingInt(ConfigProblem::line)).toList();
    }

    /** The file as named by the caller. */
    public String file() {
        return all.get(0).file();
    }

    /** Line of the first problem; 0 when the file could not be read. */
    public int line() {
        return all.get(0).line();
    }

    /** Key path of the first problem, e.g. {@code servers[1].service-ports[0]}. */
    public String key() {
        return all.get(0).key();
    }

    /** Every problem, each formatted like {@link #getMessage()}. */
    public List<String> problems() {
        return all.stream().map(ConfigProblem::toString).toList();
    }

    /** Every problem, as parts. */
    public List<ConfigProblem> problemList() {
        return all;
    }
}
