package io.portredirect.clientagent.config;

import java.time.Duration;

/**
 * How long a failed server (a VIP's service port whose connect failed, or whose probe source ports
 * stopped being answered) is avoided: {@code initial}, doubling per relapse up to {@code max}; at
 * most {@code size} servers remembered. {@code initial} 0 turns it off.
 */
public record NegativeCacheConfig(Duration initial, Duration max, int size) {
    public static final NegativeCacheConfig DEFAULT = new NegativeCacheConfig(Duration.ofSeconds(1), Duration.ofSeconds(30), 1024);
}
