package io.portredirect.clientagent.config;

import io.portredirect.protocol.config.ConfigDigests;
import io.portredirect.protocol.config.Durations;
import io.portredirect.protocol.config.HostPort;

import java.net.InetSocketAddress;
import java.util.stream.Collectors;

/**
 * The client agent's config digest ({@code portredirect_client_agent_config_info{digest}}): 12 hex
 * of SHA-256 of the validated config rendered one {@code key=value} line per setting, defaults
 * filled in, so comments, layout and key order in the file do not change it (see
 * {@link ConfigDigests}).
 */
public final class ConfigDigest {
    private ConfigDigest() {
    }

    public static String of(AgentConfig c) {
        return ConfigDigests.digest(canonical(c));
    }

    /** One line per setting in a fixed order; VIPs and listeners in file order. */
    public static String canonical(AgentConfig c) {
        StringBuilder out = new StringBuilder();
        ProbeConfig p = c.probe();
        out.append("probe=").append(p.iface()).append(' ').append(p.sourcePorts()).append(' ').append(Durations.format(p.timeout()))
                .append(' ').append(p.retries()).append(' ').append(p.mss()).append(p.retryNewSourcePort() ? " new-port" : " same-port")
                .append('\n');
        out.append("cache.ttl=").append(Durations.format(c.cacheTtl())).append('\n');
        NegativeCacheConfig n = c.negativeCache();
        out.append("negative-cache=").append(Durations.format(n.initial())).append(' ').append(Durations.format(n.max())).append(' ')
                .append(n.size()).append('\n');
        out.append("fallback=").append(c.fallback().name().toLowerCase()).append('\n');
        out.append("max-chain=").append(c.maxChain()).append('\n');
        out.append("udp-idle=").append(Durations.format(c.udpIdle())).append('\n');
        if (!c.idleTimeout().equals(AgentConfig.DEFAULT_IDLE_TIMEOUT)) {
            // only when set, so digests of configs written before the key stay as they were
            out.append("idle-timeout=").append(Durations.format(c.idleTimeout())).append('\n');
        }
        for (VipConfig v : c.vips()) {
            out.append("vip=").append(v.address().getHostAddress()).append(' ')
                    .append(v.servicePorts().stream().map(Object::toString).collect(Collectors.joining(","))).append('\n');
        }
        for (ListenerConfig l : c.listeners()) {
            out.append("listener=").append(l.protocol().name().toLowerCase()).append(' ').append(HostPort.format(l.listen()))
                    .append(' ').append(HostPort.format(new InetSocketAddress(l.vip(), l.redirectPort()))).append('\n');
        }
        // only when configured: configs without interception keep their digest
        for (io.portredirect.clientagent.intercept.Intercept i : c.intercept().targets()) {
            out.append("intercept=").append(i.protocol().name().toLowerCase()).append(' ')
                    .append(HostPort.format(new InetSocketAddress(i.vip(), i.port()))).append('\n');
        }
        if (c.intercept().enabled()) {
            out.append("intercept-spread=").append(c.intercept().spread()).append('\n');
        }
        return out.toString();
    }
}
