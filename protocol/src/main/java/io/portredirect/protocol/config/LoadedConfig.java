package io.portredirect.protocol.config;

import java.util.List;

/**
 * A configuration that loaded, with the warnings about it (deprecated spellings) that the
 * program's {@code check} prints and its {@code run} logs at start.
 */
public record LoadedConfig<T>(T config, List<ConfigProblem> warnings) {
    public LoadedConfig {
        warnings = List.copyOf(warnings);
    }
}
