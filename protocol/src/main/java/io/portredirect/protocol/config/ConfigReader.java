package io.portredirect.protocol.config;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The typed reader the balancer and both agents load their files with. It walks {@link YamlNode}s
 * through {@link ConfigMapping} and {@link ConfigValue}, collecting every problem in one pass (an
 * operator fixes them all in one edit) and every deprecation warning; {@link #finish()} throws one
 * {@link ConfigException} with them all. A value with a problem reads as null, so a loader carries
 * on with a default and finds the next problem.
 */
public final class ConfigReader {
    private final String file;
    private final List<ConfigProblem> problems = new ArrayList<>();
    private final List<ConfigProblem> warnings = new ArrayList<>();

    /** {@code file} is what messages call the file. */
    public ConfigReader(String file) {
        this.file = file;
    }

    /** Reads a file's text; a file that cannot be read is a problem at line 0, key {@code (file)}. */
    public static String readFile(Path path) throws ConfigException {
        try {
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(path.toString(), 0, "(file)", "cannot read: " + e);
        }
    }

    public String file() {
        return file;
    }

    /**
     * Parses YAML text. Not YAML at all is thrown at once (nothing else can be checked); duplicate
     * keys become problems and the first value is read on. An empty document reads as an empty mapping.
     */
    public YamlNode parse(String text) throws ConfigException {
        List<YamlException> duplicates = new ArrayList<>();
        YamlNode root;
        try {
            root = YamlReader.read(new StringReader(text), duplicates);
        } catch (YamlException e) {
            throw switch (e.problem()) {
                case SYNTAX -> new ConfigException(file, Math.max(1, e.line()), "(yaml)",
                        "not valid YAML: " + e.detail().replaceAll("\\s+", " ").trim());
                case DUPLICATE_KEY -> new ConfigException(file, e.line(), e.key(), e.detail());
                case UNREADABLE -> new ConfigException(file, 0, "(yaml)", "cannot read: " + e.detail());
            };
        }
        for (YamlException d : duplicates) {
            problem(d.line(), d.key(), d.detail());
        }
        return root == null ? YamlNode.emptyMapping(1) : root;
    }

    /**
     * The document's top-level mapping; {@code expected} says what it should hold. A document that is
     * not a mapping is thrown at once: none of its keys can be checked.
     */
    public ConfigMapping root(YamlNode root, String expected) throws ConfigException {
        if (!root.isMap()) {
            problem(root.line(), "(document)", "expected a mapping with " + expected + " but found " + root.describe());
            finish();
        }
        return new ConfigMapping(this, root, "");
    }

    /** Records a problem; the load fails at {@link #finish()}. */
    public void problem(int line, String key, String what) {
        problems.add(new ConfigProblem(file, line, key, what));
    }

    /** Records a warning: the file loads, but should be changed. */
    public void warn(int line, String key, String what) {
        warnings.add(new ConfigProblem(file, line, key, what));
    }

    public boolean hasProblems() {
        return !problems.isEmpty();
    }

    /** Warnings so far, by line. */
    public List<ConfigProblem> warnings() {
        return warnings.stream().sorted(java.util.Comparator.comparingInt(ConfigProblem::line)).toList();
    }

    /** Throws every problem found, if any. */
    public void finish() throws ConfigException {
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    static String child(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }
}
