package io.portredirect.balancer.metrics;

import io.portredirect.balancer.config.BalancerConfig;
import io.portredirect.balancer.config.ConfigDigest;
import io.portredirect.protocol.metrics.MetricRegistry;

import java.util.List;
import java.util.function.Supplier;

/**
 * {@code portredirect_balancer_config_info{digest="...",generation="N"} 1}: which config a
 * replica runs, so replicas (and {@code check-config}'s {@code digest:} line for a file) can be
 * compared at a glance. Follows every reload: the digest and generation of the applied config.
 */
public final class ConfigInfo {
    /** The name without the {@code _info} suffix the exposition adds. */
    public static final String NAME = "portredirect_balancer_config";

    /** A config in force and its generation (1 for the first one applied). */
    public record Applied(BalancerConfig config, long generation) {
    }

    private ConfigInfo() {
    }

    /** Registers the metric; {@code applied} returns null before the first config is applied. */
    public static void register(MetricRegistry metrics, Supplier<Applied> applied) {
        metrics.info(NAME, "The running config: digest (12 hex of SHA-256 of its canonical form, as check-config prints) "
                + "and generation (1 at start, +1 per applied reload).", List.of("digest", "generation"), out -> {
                    Applied a = applied.get();
                    if (a != null) {
                        out.sample(1, ConfigDigest.of(a.config()), Long.toString(a.generation()));
                    }
                });
    }
}
