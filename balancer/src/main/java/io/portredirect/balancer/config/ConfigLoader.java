package io.portredirect.balancer.config;

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
        YamlNode root = YamlTreeReader.read(yaml, fileName);
        return new ConfigValidator(fileName).validate(root);
    }
}
