package io.portredirect.serveragent.agent;

import io.portredirect.protocol.metrics.MetricRegistry;
import io.portredirect.serveragent.kernel.KernelGuard;
import io.portredirect.serveragent.proxy.TcpProxy;
import io.portredirect.serveragent.reply.RedirectResponder.Verdict;

import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The server agent's counters as Prometheus metrics ({@code portredirect_server_agent_*}): what
 * its stats line carries, read at scrape time from the lock-free {@link Counters}, the kernel guard
 * and the proxy (either may be absent).
 */
public final class ServerAgentMetrics {
    private static final String P = "portredirect_server_agent_";

    private ServerAgentMetrics() {
    }

    /**
     * {@code portredirect_server_agent_config_info{digest="..."} 1}: which config the agent runs,
     * the digest {@code ConfigDigest} computes (12 hex of SHA-256 of the canonical config).
     */
    public static void registerConfig(MetricRegistry metrics, String digest) {
        metrics.info("portredirect_server_agent_config", "The running config: 12 hex of SHA-256 of its canonical form.",
                List.of("digest"), out -> out.sample(1, digest));
    }

    /** Registers the agent's metrics; {@code guard} and {@code proxy} are read at each scrape and may give null. */
    public static void register(MetricRegistry metrics, Counters counters, int[] servicePorts, Supplier<KernelGuard> guard,
            Supplier<TcpProxy> proxy) {
        Verdict[] verdicts = Verdict.values();
        String[] names = new String[verdicts.length];
        for (int i = 0; i < verdicts.length; i++) {
            names[i] = verdicts[i].name().toLowerCase(Locale.ROOT);
        }
        metrics.counter(P + "packets", "Captured packets by verdict: answered (syn_ack, udp_notice, reset_all_full) or not (the rest).",
                List.of("verdict"), out -> {
                    for (int i = 0; i < verdicts.length; i++) {
                        out.sample(counters.get(verdicts[i]), names[i]);
                    }
                });
        int[] ports = servicePorts.clone();
        metrics.counter(P + "service_port_answers", "Answers (SYN-ACK or UDP notice) that named a service port.",
                List.of("port"), out -> {
                    for (int port : ports) {
                        out.sample(counters.named(port), Integer.toString(port));
                    }
                });
        metrics.counter(P + "send_errors", "Answers the interface refused to send.", List.of(), out -> out.sample(counters.sendErrors()));
        metrics.gauge(P + "nft_guard_installed", "1 while the nft table dropping REDIRECT SYNs before the kernel is in place and its lease is fresh.",
                List.of(), out -> {
                    KernelGuard g = guard.get();
                    out.sample(g != null && g.nftInstalled() ? 1 : 0);
                });
        metrics.counter(P + "guard_refreshes", "Renewals of the nft guard's lease (its drop rule lapses guard-timeout after the last).",
                List.of(), out -> {
                    KernelGuard g = guard.get();
                    out.sample(g == null ? 0 : g.guardRefreshes());
                });
        metrics.counter(P + "guard_refresh_failures", "Renewals of the nft guard's lease that failed.", List.of(), out -> {
            KernelGuard g = guard.get();
            out.sample(g == null ? 0 : g.guardRefreshFailures());
        });
        metrics.counter(P + "udp_absorbed_datagrams", "Datagrams to unused redirect ports swallowed by the absorbing sockets.",
                List.of(), out -> {
                    KernelGuard g = guard.get();
                    out.sample(g == null ? 0 : g.absorbedDatagrams());
                });
        metrics.counter(P + "proxy_connections", "Connections accepted by the TCP proxy.", List.of(), out -> {
            TcpProxy t = proxy.get();
            out.sample(t == null ? 0 : t.accepted());
        });
        metrics.gauge(P + "proxy_active_connections", "Connections the TCP proxy is splicing now.", List.of(), out -> {
            TcpProxy t = proxy.get();
            out.sample(t == null ? 0 : t.active());
        });
        metrics.counter(P + "proxy_upstream_failures", "Proxied connections whose upstream connect failed.", List.of(), out -> {
            TcpProxy t = proxy.get();
            out.sample(t == null ? 0 : t.failedUpstream());
        });
    }
}
