package io.portredirect.clientagent.relay;

import io.portredirect.protocol.config.TransportProtocol;
import io.portredirect.clientagent.negotiate.RedirectCache;
import io.portredirect.clientagent.negotiate.Resolution;
import io.portredirect.clientagent.negotiate.Resolver;
import io.portredirect.clientagent.stats.AgentStats;
import io.portredirect.clientagent.stats.Counter;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * Opens the real connection: resolves VIP:redirect-port (cache or probe), then connects an ordinary
 * kernel socket to VIP:service-port. A service port (cached or just negotiated) that does not
 * answer is forgotten, its server remembered as failed, and the connection resolved once more, so a
 * server that went away costs one failed connect, not a TTL's worth, and the new probe steers clear
 * of it.
 */
public final class UpstreamConnector {
    /** The result: the connected channel and the port it went to. */
    public record Upstream(SocketChannel channel, Resolution resolution, int port) {
    }

    private final Resolver resolver;
    private final AgentStats stats;
    private final Duration connectTimeout;

    public UpstreamConnector(Resolver resolver, AgentStats stats, Duration connectTimeout) {
        this.resolver = resolver;
        this.stats = stats;
        this.connectTimeout = connectTimeout;
    }

    public Resolver resolver() {
        return resolver;
    }

    /**
     * Blocks until connected.
     *
     * @throws RefusedByPolicyException when negotiation failed and the policy is 'fail'
     * @throws IOException              when the kernel connect fails
     */
    public Upstream connect(InetAddress vip, int redirectPort) throws IOException {
        Resolution r = resolver.resolve(vip, redirectPort).join();
        if (!r.connects()) {
            throw new RefusedByPolicyException(vip, redirectPort);
        }
        try {
            return new Upstream(open(vip, r.port()), r, r.port());
        } catch (IOException e) {
            if (r.kind() == Resolution.Kind.FALLBACK) {
                throw e;
            }
            stats.inc(Counter.UPSTREAM_RETRIES);
            resolver.forget(new RedirectCache.Key(TransportProtocol.TCP, vip, redirectPort));
            if (r.port() != redirectPort) {
                resolver.serverFailed(vip, r.port());
            }
            Resolution again = resolver.resolve(vip, redirectPort).join();
            if (!again.connects()) {
                throw new RefusedByPolicyException(vip, redirectPort);
            }
            return new Upstream(open(vip, again.port()), again, again.port());
        }
    }

    private SocketChannel open(InetAddress vip, int port) throws IOException {
        SocketChannel ch = SocketChannel.open();
        try {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.socket().connect(new InetSocketAddress(vip, port), (int) connectTimeout.toMillis());
            return ch;
        } catch (IOException e) {
            ch.close();
            throw new IOException("connect to " + vip.getHostAddress() + ":" + port + " failed: " + e.getMessage(), e);
        }
    }

    /** Negotiation failed and the configured fallback is 'fail'. */
    public static final class RefusedByPolicyException extends IOException {
        public RefusedByPolicyException(InetAddress vip, int port) {
            super("no service port negotiated for " + vip.getHostAddress() + ":" + port + " and fallback is 'fail'");
        }
    }
}
