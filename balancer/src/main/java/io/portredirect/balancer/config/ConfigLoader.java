package io.portredirect.balancer.config;

import io.portredirect.protocol.config.ConfigException;
import io.portredirect.protocol.config.ConfigReader;
import io.portredirect.protocol.config.LoadedConfig;

import java.nio.file.Path;

/** Reads and validates a balancer YAML file into a {@link BalancerConfig}. */
public final class ConfigLoader {
    private ConfigLoader() {
    }

    /** Loads {@code file}; any problem (unreadable, bad YAML, invalid value) is a ConfigException with a line. */
    public static BalancerConfig load(Path file) throws ConfigException {
        return loadWithWarnings(file).config();
    }

    /** Loads {@code file}, with the warnings (deprecated spellings) that check-config prints and run logs. */
    public static LoadedConfig<BalancerConfig> loadWithWarnings(Path file) throws ConfigException {
        return read(ConfigReader.readFile(file), file.toString());
    }

    /** Validates YAML text; {@code fileName} is what error messages call it. */
    public static BalancerConfig parse(String yaml, String fileName) throws ConfigException {
        return read(yaml, fileName).config();
    }

    /** Like {@link #parse}, with the warnings. */
    public static LoadedConfig<BalancerConfig> read(String yaml, String fileName) throws ConfigException {
        ConfigReader reader = new ConfigReader(fileName);
        return BalancerConfigReader.read(reader, reader.parse(yaml));
    }
}
