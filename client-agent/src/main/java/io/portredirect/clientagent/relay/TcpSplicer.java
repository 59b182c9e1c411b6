package io.portredirect.clientagent.relay;

import io.portredirect.protocol.config.TransportProtocol;
import io.portredirect.clientagent.negotiate.FlowRegistry;
import io.portredirect.clientagent.negotiate.ReceiveWindow;
import io.portredirect.clientagent.negotiate.RedirectCache;
import io.portredirect.clientagent.negotiate.Resolution;
import io.portredirect.clientagent.negotiate.Resolver;
import io.portredirect.clientagent.stats.AgentStats;
import io.portredirect.clientagent.stats.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The TCP relay's entry point: an accepted application connection whose destination is
 * VIP:redirect-port (a local listener's target today; the original destination of an intercepted
 * connection later) is resolved, reopened by the kernel on VIP:service-port and spliced. Nothing
 * here blocks the caller or an event loop:
 * <pre>
 *   accept (on a loop) or serve (any thread)
 *   --cache fresh, or a miss whose probe starts at once--> resolve inline --\
 *         --cache miss, path to the VIP unknown---> resolve on the negotiation executor (a probe may wait for ARP)
 *                                           \--> connect (non-blocking, where resolved) --up, on the loop--> register flow, splice
 *                                                       |--refused/timeout, negotiated port--> forget it, mark the
 *                                                       |     server failed, resolve once more, connect again
 *                                                       \--refused/timeout otherwise--> reset the application
 * </pre>
 * A negotiation refused by policy resets the application at once, as a refused connect would.
 */
public final class TcpSplicer {
    private static final Logger LOG = LoggerFactory.getLogger(TcpSplicer.class);

    private final Resolver resolver;
    private final FlowRegistry flows;
    private final SpliceLoops loops;
    private final Executor negotiations;
    private final Duration connectTimeout;
    private final AgentStats stats;
    /** IP_TOS of upstream sockets, 0 to leave it: how interception rules tell the agent's own connections. */
    private final int trafficClass;

    /**
     * @param negotiations where cache misses are resolved (a probe may block briefly on ARP)
     * @param connectTimeout longest wait for the kernel's connect to VIP:service-port
     */
    public TcpSplicer(Resolver resolver, FlowRegistry flows, SpliceLoops loops, Executor negotiations, Duration connectTimeout,
                      AgentStats stats) {
        this(resolver, flows, loops, negotiations, connectTimeout, stats, 0);
    }

    /** @param trafficClass IP_TOS of the upstream sockets (0: left as the kernel sets it) */
    public TcpSplicer(Resolver resolver, FlowRegistry flows, SpliceLoops loops, Executor negotiations, Duration connectTimeout,
                      AgentStats stats, int trafficClass) {
        this.trafficClass = trafficClass;
        this.resolver = resolver;
        this.flows = flows;
        this.loops = loops;
        this.negotiations = negotiations;
        this.connectTimeout = connectTimeout;
        this.stats = stats;
    }

    /**
     * Serves one connection accepted elsewhere (any thread) whose destination is {@code vip:redirectPort};
     * returns at once. The entry point for connections whose original destination is read from the socket.
     */
    public void serve(SocketChannel app, InetAddress vip, int redirectPort) {
        serve(loops.next(), app, vip, redirectPort);
    }

    /** Accepts on {@code server} on every loop; each connection goes to {@code vip:redirectPort}. */
    public void listen(ServerSocketChannel server, InetAddress vip, int redirectPort) throws IOException {
        loops.listen(server, (loop, app) -> serve(loop, app, vip, redirectPort));
    }

    private void serve(SpliceLoop loop, SocketChannel app, InetAddress vip, int redirectPort) {
        stats.inc(Counter.CONNECTIONS);
        stats.activeConnections().incrementAndGet();
        resolve(new Attempt(app, vip, redirectPort, loop), false);
    }

    private record Attempt(SocketChannel app, InetAddress vip, int redirectPort, SpliceLoop loop) {
    }

    private void resolve(Attempt a, boolean retried) {
        RedirectCache.Key key = new RedirectCache.Key(TransportProtocol.TCP, a.vip(), a.redirectPort());
        // a cache hit, or a miss whose probe starts without waiting (the path to the VIP is known):
        // in place, on the loop that accepted; a miss that may wait for ARP goes to the executor
        if (resolver.cache().lookup(key) != null || resolver.resolvesWithoutWaiting(a.vip())) {
            whenResolved(a, resolver.resolve(a.vip(), a.redirectPort()), retried);
            return;
        }
        try {
            negotiations.execute(() -> whenResolved(a, resolver.resolve(a.vip(), a.redirectPort()), retried));
        } catch (RejectedExecutionException e) {
            a.loop().runOnLoop(() -> fail(a.app(), "shutting down"));
        }
    }

    private void whenResolved(Attempt a, CompletableFuture<Resolution> f, boolean retried) {
        // wherever the resolution completes (a cache hit on the loop that accepted, a probe's answer
        // on the probe loop), the upstream SYN leaves from there: no queue, no wake-up before it
        f.whenComplete((r, e) -> {
            if (e != null || !r.connects()) {
                a.loop().runOnLoop(() -> fail(a.app(), e != null ? e.toString() : "no service port negotiated for "
                        + a.vip().getHostAddress() + ":" + a.redirectPort() + " and fallback is 'fail'"));
                return;
            }
            connect(a, r, retried);
        });
    }

    private void connect(Attempt a, Resolution r, boolean retried) {
        a.loop().connect(new InetSocketAddress(a.vip(), r.port()), connectTimeout, trafficClass, a.app(), new SpliceLoop.ConnectCallback() {
            @Override
            public void connected(SocketChannel upstream, ByteBuffer unsent) {
                established(a, r, upstream, unsent);
            }

            @Override
            public void failed(IOException why) {
                if (r.kind() == Resolution.Kind.FALLBACK || retried) {
                    fail(a.app(), why.getMessage());
                    return;
                }
                stats.inc(Counter.UPSTREAM_RETRIES);
                resolver.forget(new RedirectCache.Key(TransportProtocol.TCP, a.vip(), a.redirectPort()));
                if (r.port() != a.redirectPort()) {
                    resolver.serverFailed(a.vip(), r.port());
                }
                resolve(a, true);
            }
        });
    }

    private void established(Attempt a, Resolution r, SocketChannel upstream, ByteBuffer unsent) {
        int localPort;
        try {
            a.app().setOption(StandardSocketOptions.TCP_NODELAY, true);
            localPort = ((InetSocketAddress) upstream.getLocalAddress()).getPort();
        } catch (IOException e) {
            SpliceLoop.closeQuietly(upstream);
            fail(a.app(), e.getMessage());
            return;
        }
        ReceiveWindow window = new ReceiveWindow();
        FlowRegistry.Flow flow = new FlowRegistry.Flow(TransportProtocol.TCP, a.vip(), a.redirectPort(), r.port(), window);
        flows.register(localPort, flow);
        LOG.debug("{}:{} via port {} ({})", a.vip().getHostAddress(), a.redirectPort(), r.port(), r.kind());
        a.loop().splice(a.app(), upstream, window, unsent, () -> {
            flows.unregister(localPort, flow);
            stats.activeConnections().decrementAndGet();
        });
    }

    private void fail(SocketChannel app, String why) {
        stats.inc(Counter.CONNECTIONS_FAILED);
        stats.activeConnections().decrementAndGet();
        LOG.info("connection closed without upstream: {}", why);
        try {
            // a reset tells the application at once, as a refused connect would
            app.setOption(StandardSocketOptions.SO_LINGER, 0);
        } catch (IOException e) {
            // closing anyway
        }
        SpliceLoop.closeQuietly(app);
    }
}
