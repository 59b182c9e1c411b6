package io.portredirect.clientagent.config;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The client agent's whole configuration, validated: every listener's VIP is declared, ranges are
 * sane, durations positive. Built by {@link ConfigLoader}.
 *
 * @param cacheTtl  how long a learned redirect-port -> service-port mapping stays fresh
 * @param maxChain  most redirects followed for one VIP:port before a fresh probe is forced
 * @param udpIdle   a UDP client with no traffic for this long is forgotten
 * @param negativeCache how long failed servers are avoided
 * @param idleTimeout a spliced TCP connection with no byte either way for this long is reset; zero: never
 * @param intercept transparent interception (none unless configured)
 */
public record AgentConfig(String source, ProbeConfig probe, Duration cacheTtl, FallbackPolicy fallback, int maxChain,
                          Duration udpIdle, List<VipConfig> vips, List<ListenerConfig> listeners,
                          NegativeCacheConfig negativeCache, Duration idleTimeout, InterceptConfig intercept) {
    /** Default of {@code idle-timeout}: longer than any sane keep-alive, shorter than a forgotten socket's life. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(1);

    /** Without interception. */
    public AgentConfig(String source, ProbeConfig probe, Duration cacheTtl, FallbackPolicy fallback, int maxChain,
                       Duration udpIdle, List<VipConfig> vips, List<ListenerConfig> listeners, NegativeCacheConfig negativeCache,
                       Duration idleTimeout) {
        this(source, probe, cacheTtl, fallback, maxChain, udpIdle, vips, listeners, negativeCache, idleTimeout, InterceptConfig.NONE);
    }

    /** With the default idle timeout, without interception. */
    public AgentConfig(String source, ProbeConfig probe, Duration cacheTtl, FallbackPolicy fallback, int maxChain,
                       Duration udpIdle, List<VipConfig> vips, List<ListenerConfig> listeners, NegativeCacheConfig negativeCache) {
        this(source, probe, cacheTtl, fallback, maxChain, udpIdle, vips, listeners, negativeCache, DEFAULT_IDLE_TIMEOUT);
    }

    /** With the default negative cache. */
    public AgentConfig(String source, ProbeConfig probe, Duration cacheTtl, FallbackPolicy fallback, int maxChain,
                       Duration udpIdle, List<VipConfig> vips, List<ListenerConfig> listeners) {
        this(source, probe, cacheTtl, fallback, maxChain, udpIdle, vips, listeners, NegativeCacheConfig.DEFAULT);
    }

    public AgentConfig {
        vips = List.copyOf(vips);
        listeners = List.copyOf(listeners);
    }

    public Optional<VipConfig> vip(InetAddress address) {
        return vips.stream().filter(v -> v.address().equals(address)).findFirst();
    }
}
