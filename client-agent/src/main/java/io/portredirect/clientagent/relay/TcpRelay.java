package io.portredirect.clientagent.relay;

import io.portredirect.clientagent.config.ListenerConfig;
import io.portredirect.clientagent.config.ListenerProtocol;
import io.portredirect.clientagent.negotiate.FlowRegistry;
import io.portredirect.clientagent.stats.AgentStats;
import io.portredirect.clientagent.stats.Counter;
import io.portredirect.protocol.config.HostPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * One TCP listener: accepts application connections, opens the upstream through the
 * {@link UpstreamConnector} (on a connector thread, since a probe takes a round trip), registers the
 * flow for mid-connection redirects and hands both sockets to the splice loops.
 */
public final class TcpRelay implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TcpRelay.class);

    private final ListenerConfig listener;
    private final UpstreamConnector connector;
    private final FlowRegistry flows;
    private final SpliceLoops splicers;
    private final ExecutorService connectors;
    private final AgentStats stats;
    private ServerSocketChannel server;
    private Thread acceptor;
    private volatile boolean running;

    public TcpRelay(ListenerConfig listener, UpstreamConnector connector, FlowRegistry flows, SpliceLoops splicers,
                    ExecutorService connectors, AgentStats stats) {
        if (listener.protocol() != ListenerProtocol.TCP) {
            throw new IllegalArgumentException("not a TCP listener: " + listener);
        }
        this.listener = listener;
        this.connector = connector;
        this.flows = flows;
        this.splicers = splicers;
        this.connectors = connectors;
        this.stats = stats;
    }

    /** Binds the listen address; throws when it is taken or not local. */
    public TcpRelay start() throws IOException {
        server = ServerSocketChannel.open();
        server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        try {
            server.bind(listener.listen(), 1024);
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot listen on " + HostPort.format(listener.listen()) + ": " + e.getMessage(), e);
        }
        running = true;
        acceptor = new Thread(this::acceptLoop, "accept-" + listener.listen().getPort());
        acceptor.setDaemon(true);
        acceptor.start();
        LOG.info("listening: {}", listener);
        return this;
    }

    /** The bound address (useful with port 0). */
    public InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) server.getLocalAddress();
    }

    private void acceptLoop() {
        while (running) {
            SocketChannel app;
            try {
                app = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (running) {
                    LOG.warn("accept on {} failed: {}", listener, e.getMessage());
                }
                continue;
            }
            stats.inc(Counter.CONNECTIONS);
            stats.activeConnections().incrementAndGet();
            try {
                connectors.execute(() -> serve(app));
            } catch (RejectedExecutionException e) {
                fail(app, "shutting down");
            }
        }
    }

    private void serve(SocketChannel app) {
        UpstreamConnector.Upstream up;
        try {
            up = connector.connect(listener.vip(), listener.redirectPort());
        } catch (IOException e) {
            fail(app, e.getMessage());
            return;
        }
        try {
            app.setOption(StandardSocketOptions.TCP_NODELAY, true);
            int localPort = ((InetSocketAddress) up.channel().getLocalAddress()).getPort();
            FlowRegistry.Flow flow = new FlowRegistry.Flow(ListenerProtocol.TCP, listener.vip(), listener.redirectPort(), up.port());
            flows.register(localPort, flow);
            LOG.debug("{} via {}:{} ({})", listener, listener.vip().getHostAddress(), up.port(), up.resolution().kind());
            splicers.add(app, up.channel(), () -> {
                flows.unregister(localPort, flow);
                stats.activeConnections().decrementAndGet();
            });
        } catch (IOException e) {
            try {
                up.channel().close();
            } catch (IOException ignored) {
                // closing anyway
            }
            fail(app, e.getMessage());
        }
    }

    private void fail(SocketChannel app, String why) {
        stats.inc(Counter.CONNECTIONS_FAILED);
        stats.activeConnections().decrementAndGet();
        LOG.info("{}: connection closed without upstream: {}", listener, why);
        try {
            // a reset tells the application at once, as a refused connect would
            app.setOption(StandardSocketOptions.SO_LINGER, 0);
            app.close();
        } catch (IOException e) {
            // nothing more to do
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            if (server != null) {
                server.close();
            }
        } catch (IOException e) {
            // closing anyway
        }
        if (acceptor != null) {
            try {
                acceptor.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
