package io.portredirect.clientagent.config;

import io.portredirect.clientagent.intercept.Intercept;

import java.util.List;

/**
 * Transparent interception ({@code intercept:}): TCP and UDP destinations unmodified applications
 * send to, and over how many negotiated ports ({@code intercept-spread}) each spreads its
 * connections (UDP: its flows).
 */
public record InterceptConfig(List<Intercept> targets, int spread) {
    /** No interception. */
    public static final InterceptConfig NONE = new InterceptConfig(List.of(), 4);

    public InterceptConfig {
        targets = List.copyOf(targets);
        if (spread < 1 || spread > 64) {
            throw new IllegalArgumentException("spread must be 1..64: " + spread);
        }
    }

    public boolean enabled() {
        return !targets.isEmpty();
    }
}
