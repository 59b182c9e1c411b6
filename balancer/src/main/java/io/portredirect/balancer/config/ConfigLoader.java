package io.portredirect.balancer.config;

import io.portredirect.protocol.config.YamlException;
import io.portredirect.protocol.config.YamlNode;
import io.portredirect.protocol.config.YamlReader;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads and validates a balancer YAML file into a {@link BalancerConfig}. */
public final class ConfigLoader {
    private ConfigLoader() {
    }

    /** Loads {@code file}; any problem (unreadable, bad YAML, invalid value) is a ConfigException with a line. */
    public static BalancerConfig load(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(file.toString(), 0, "(file)", "cannot read: " + e);
        }
        return parse(text, file.toString());
    }

    /** Validates YAML text; {@code fileName} is what error messages call it. */
    public static BalancerConfig parse(String yaml, String fileName) throws ConfigException {
        YamlNode root;
        try {
            root = YamlReader.read(yaml);
        } catch (YamlException e) {
            throw switch (e.problem()) {
                case DUPLICATE_KEY -> new ConfigException(fileName, e.line(), e.key(), e.detail());
                case SYNTAX -> new ConfigException(fileName, e.line() == 0 ? 0 : Math.max(1, e.line()), "(yaml)",
                        "not valid YAML: " + e.detail().replaceAll("\\s+", " ").trim());
                case UNREADABLE -> new ConfigException(fileName, 0, "(yaml)", "cannot read: " + e.detail());
            };
        }
        // an empty document is an empty value: the validator says what the file should hold
        return new ConfigValidator(fileName).validate(root != null ? root : YamlNode.nullNode(1));
    }
}
