package io.portredirect.clientagent.relay;

import io.portredirect.clientagent.config.ListenerConfig;
import io.portredirect.protocol.config.TransportProtocol;
import io.portredirect.protocol.config.HostPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;

/**
 * One TCP listener: every event loop of the {@link TcpSplicer} accepts on it and serves what it
 * accepted itself (negotiation, connect and splice never block a loop), so a warm connection is
 * set up without a hand-off between threads.
 */
public final class TcpRelay implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TcpRelay.class);

    private final ListenerConfig listener;
    private final TcpSplicer splicer;
    private ServerSocketChannel server;

    public TcpRelay(ListenerConfig listener, TcpSplicer splicer) {
        if (listener.protocol() != TransportProtocol.TCP) {
            throw new IllegalArgumentException("not a TCP listener: " + listener);
        }
        this.listener = listener;
        this.splicer = splicer;
    }

    /** Binds the listen address; throws when it is taken or not local. */
    public TcpRelay start() throws IOException {
        server = ServerSocketChannel.open();
        server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        try {
            server.bind(listener.listen(), 4096);
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot listen on " + HostPort.format(listener.listen()) + ": " + e.getMessage(), e);
        }
        splicer.listen(server, listener.vip(), listener.redirectPort());
        LOG.info("listening: {}", listener);
        return this;
    }

    /** The bound address (useful with port 0). */
    public InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) server.getLocalAddress();
    }

    @Override
    public void close() {
        try {
            if (server != null) {
                server.close();
            }
        } catch (IOException e) {
            // closing anyway
        }
    }
}
