package io.portredirect.clientagent.api;

import io.portredirect.clientagent.ClientRuntime;
import io.portredirect.clientagent.config.AgentConfig;
import io.portredirect.clientagent.config.FallbackPolicy;
import io.portredirect.clientagent.config.ProbeConfig;
import io.portredirect.clientagent.config.VipConfig;
import io.portredirect.clientagent.negotiate.FlowRegistry;
import io.portredirect.clientagent.negotiate.Resolver;
import io.portredirect.clientagent.relay.UpstreamConnector;
import io.portredirect.clientagent.stats.AgentStats;
import io.portredirect.protocol.config.PortRange;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Port redirection for applications that embed the client side instead of running the agent:
 * {@code connect(vip, redirectPort)} negotiates (or uses the cache) with the same negotiator and
 * cache as the agent, then returns an ordinary connected {@link Socket} on VIP:service-port.
 *
 * <pre>{@code
 * try (Redirect r = Redirect.builder().probeInterface("eth0").probePorts(61000, 61099)
 *         .vip(InetAddress.getByName("198.18.0.10"), new PortRange(20000, 20999)).open()) {
 *     Socket s = r.connect(InetAddress.getByName("198.18.0.10"), 80);
 *     ...
 * }
 * }</pre>
 *
 * One instance per process: it owns the probe ports, an nft table and a capture until closed. Needs
 * root like the agent. Thread-safe.
 */
public final class Redirect implements AutoCloseable {
    private final ClientRuntime runtime;
    private final UpstreamConnector connector;

    Redirect(ClientRuntime runtime, UpstreamConnector connector) {
        this.runtime = runtime;
        this.connector = connector;
    }

    /** Starts the runtime for a validated configuration (listeners are ignored). */
    public static Redirect open(AgentConfig config) throws IOException {
        AgentStats stats = new AgentStats();
        ClientRuntime rt = ClientRuntime.start(config, stats);
        return new Redirect(rt, new UpstreamConnector(rt.resolver(), stats, Duration.ofSeconds(5)));
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A socket connected to the service port negotiated for VIP:redirectPort (or to the redirect port
     * itself when the far side does not take part and the fallback policy is 'plain').
     *
     * @throws IOException when the connection fails, or negotiation failed and the policy is 'fail'
     */
    public Socket connect(InetAddress vip, int redirectPort) throws IOException {
        UpstreamConnector.Upstream up = connector.connect(vip, redirectPort);
        return track(up.channel(), vip, redirectPort, up.port());
    }

    /** The service port a new connection to VIP:redirectPort would use now (probing if needed); 0 if refused. */
    public int resolve(InetAddress vip, int redirectPort) {
        return runtime.resolver().resolve(vip, redirectPort).join().port();
    }

    /** A {@link javax.net.SocketFactory} whose sockets negotiate when they connect. */
    public RedirectingSocketFactory socketFactory() {
        return new RedirectingSocketFactory(this);
    }

    /** Counters of this instance (probes, cache hits, fallbacks, ...). */
    public AgentStats stats() {
        return runtime.stats();
    }

    Resolver resolver() {
        return runtime.resolver();
    }

    /** The returned socket unregisters its flow (for mid-connection redirects) when closed. */
    private Socket track(SocketChannel ch, InetAddress vip, int redirectPort, int port) throws IOException {
        FlowRegistry flows = runtime.flows();
        int localPort = ((InetSocketAddress) ch.getLocalAddress()).getPort();
        FlowRegistry.Flow flow = new FlowRegistry.Flow(io.portredirect.protocol.config.TransportProtocol.TCP, vip, redirectPort, port);
        flows.register(localPort, flow);
        return new TrackedSocket(ch, flow.window(), () -> flows.unregister(localPort, flow));
    }

    /** Stops the capture; removes the nft table and the probe port reservation. */
    @Override
    public void close() {
        runtime.close();
    }

    /** Settings for {@link Redirect}; defaults as in the agent's configuration. */
    public static final class Builder {
        private String iface;
        private PortRange probePorts;
        private Duration timeout = Duration.ofMillis(250);
        private int retries = 2;
        private Duration cacheTtl = Duration.ofSeconds(60);
        private FallbackPolicy fallback = FallbackPolicy.PLAIN;
        private int maxChain = 3;
        private final List<VipConfig> vips = new ArrayList<>();

        private Builder() {
        }

        public Builder probeInterface(String name) {
            this.iface = name;
            return this;
        }

        public Builder probePorts(int first, int last) {
            this.probePorts = new PortRange(first, last);
            return this;
        }

        public Builder timeout(Duration firstWait, int retries) {
            this.timeout = firstWait;
            this.retries = retries;
            return this;
        }

        public Builder cacheTtl(Duration ttl) {
            this.cacheTtl = ttl;
            return this;
        }

        public Builder fallback(FallbackPolicy p) {
            this.fallback = p;
            return this;
        }

        public Builder maxChain(int n) {
            this.maxChain = n;
            return this;
        }

        /** A VIP and the service ports a redirect from it may name. */
        public Builder vip(InetAddress address, PortRange... servicePorts) {
            vips.add(new VipConfig(address, List.of(servicePorts)));
            return this;
        }

        /** The configuration this builder describes. */
        public AgentConfig toConfig() {
            Objects.requireNonNull(iface, "probeInterface");
            Objects.requireNonNull(probePorts, "probePorts");
            if (vips.isEmpty()) {
                throw new IllegalStateException("at least one vip is needed");
            }
            return new AgentConfig("api", new ProbeConfig(iface, probePorts, timeout, retries, 0), cacheTtl, fallback,
                    maxChain, Duration.ofSeconds(60), vips, List.of());
        }

        public Redirect open() throws IOException {
            return Redirect.open(toConfig());
        }
    }
}
