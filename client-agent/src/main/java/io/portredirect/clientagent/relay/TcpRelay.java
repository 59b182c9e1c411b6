package io.portredirect.clientagent.relay;

import io.portredirect.clientagent.config.ListenerConfig;
import io.portredirect.clientagent.config.ListenerProtocol;
import io.portredirect.protocol.config.HostPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * One TCP listener: accepts application connections on one thread and hands each to the
 * {@link TcpSplicer}, which negotiates, connects and splices without blocking the accept.
 */
public final class TcpRelay implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TcpRelay.class);

    private final ListenerConfig listener;
    private final TcpSplicer splicer;
    private ServerSocketChannel server;
    private Thread acceptor;
    private volatile boolean running;

    public TcpRelay(ListenerConfig listener, TcpSplicer splicer) {
        if (listener.protocol() != ListenerProtocol.TCP) {
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
                    // out of file descriptors, say: do not spin
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
                continue;
            }
            splicer.serve(app, listener.vip(), listener.redirectPort());
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
