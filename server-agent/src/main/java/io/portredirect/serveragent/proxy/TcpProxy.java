package io.portredirect.serveragent.proxy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Accepts on local ports and splices each connection to its upstream endpoint: one selector
 * thread, non-blocking channels, a large buffer per direction, half-close passed through (EOF
 * from one side becomes shutdownOutput on the other once its buffer is flushed); a connection
 * ends when both directions have, or at once on an error (the other side is then closed too).
 */
public final class TcpProxy implements AutoCloseable {
    /** Bytes buffered per direction. */
    public static final int BUFFER_BYTES = 256 * 1024;

    private final Selector selector;
    private final List<ServerSocketChannel> listeners = new ArrayList<>();
    private final Consumer<String> log;
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong failedUpstream = new AtomicLong();
    private final AtomicLong active = new AtomicLong();
    private Thread thread;
    private volatile boolean running = true;

    public TcpProxy(Consumer<String> log) throws IOException {
        this.selector = Selector.open();
        this.log = log;
    }

    /** Listens on {@code listen} and splices to {@code upstream}. Call before {@link #start}. */
    public void add(InetSocketAddress listen, InetSocketAddress upstream, int backlog) throws IOException {
        ServerSocketChannel ss = ServerSocketChannel.open();
        try {
            ss.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ss.bind(listen, backlog);
            ss.configureBlocking(false);
            ss.register(selector, SelectionKey.OP_ACCEPT, upstream);
        } catch (IOException e) {
            ss.close();
            throw new IOException("proxy cannot listen on " + listen + ": " + e.getMessage(), e);
        }
        listeners.add(ss);
    }

    public TcpProxy start() {
        thread = new Thread(this::loop, "tcp-proxy");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    public long accepted() {
        return accepted.get();
    }

    public long active() {
        return active.get();
    }

    public long failedUpstream() {
        return failedUpstream.get();
    }

    private void loop() {
        while (running) {
            try {
                selector.select(500);
            } catch (IOException e) {
                log.accept("proxy selector failed: " + e.getMessage());
                return;
            }
            var it = selector.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey k = it.next();
                it.remove();
                try {
                    if (!k.isValid()) {
                        continue;
                    }
                    if (k.isAcceptable()) {
                        accept(k);
                    } else if (k.attachment() instanceof Side s) {
                        s.pair.handle(s, k);
                    }
                } catch (IOException | RuntimeException e) {
                    if (k.attachment() instanceof Side s) {
                        s.pair.close();
                    }
                }
            }
        }
    }

    private void accept(SelectionKey k) throws IOException {
        SocketChannel client = ((ServerSocketChannel) k.channel()).accept();
        if (client == null) {
            return;
        }
        accepted.incrementAndGet();
        InetSocketAddress upstream = (InetSocketAddress) k.attachment();
        SocketChannel up = SocketChannel.open();
        try {
            client.configureBlocking(false);
            up.configureBlocking(false);
            client.setOption(StandardSocketOptions.TCP_NODELAY, true);
            up.setOption(StandardSocketOptions.TCP_NODELAY, true);
            Pair p = new Pair(client, up);
            boolean connected = up.connect(upstream);
            p.a.key = client.register(selector, 0, p.a);
            p.b.key = up.register(selector, connected ? 0 : SelectionKey.OP_CONNECT, p.b);
            p.b.connected = connected;
            active.incrementAndGet();
            if (connected) {
                p.update();
            }
        } catch (IOException e) {
            failedUpstream.incrementAndGet();
            client.close();
            up.close();
        }
    }

    /** One end of a spliced pair; {@code buf} holds bytes read from this end, to be written to the other. */
    private static final class Side {
        final SocketChannel ch;
        final ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER_BYTES);
        final Pair pair;
        SelectionKey key;
        boolean connected = true;
        boolean eof;
        boolean shutOther;

        Side(SocketChannel ch, Pair pair) {
            this.ch = ch;
            this.pair = pair;
        }
    }

    private final class Pair {
        final Side a;
        final Side b;
        boolean closed;

        Pair(SocketChannel client, SocketChannel upstream) {
            this.a = new Side(client, this);
            this.b = new Side(upstream, this);
        }

        Side other(Side s) {
            return s == a ? b : a;
        }

        void handle(Side s, SelectionKey k) throws IOException {
            if (k.isConnectable()) {
                try {
                    s.ch.finishConnect();
                } catch (IOException e) {
                    failedUpstream.incrementAndGet();
                    close();
                    return;
                }
                s.connected = true;
            }
            if (k.isValid() && k.isReadable()) {
                int n = s.ch.read(s.buf);
                if (n < 0) {
                    s.eof = true;
                }
            }
            if (k.isValid() && k.isWritable()) {
                flush(other(s), s);
            }
            flush(s, other(s));
            flush(other(s), s);
            update();
        }

        /** Writes what {@code from} has buffered to {@code to}; passes on EOF once drained. */
        private void flush(Side from, Side to) throws IOException {
            if (!to.connected || closed) {
                return;
            }
            if (from.buf.position() > 0) {
                from.buf.flip();
                to.ch.write(from.buf);
                from.buf.compact();
            }
            if (from.eof && from.buf.position() == 0 && !from.shutOther) {
                from.shutOther = true;
                to.ch.shutdownOutput();
            }
        }

        void update() {
            if (closed) {
                return;
            }
            if (a.shutOther && b.shutOther) {
                close();
                return;
            }
            interest(a);
            interest(b);
        }

        private void interest(Side s) {
            if (!s.connected) {
                return;
            }
            Side o = other(s);
            int ops = 0;
            if (!s.eof && s.buf.hasRemaining() && o.connected) {
                ops |= SelectionKey.OP_READ;
            }
            if (o.buf.position() > 0) {
                ops |= SelectionKey.OP_WRITE;
            }
            if (s.key.isValid()) {
                s.key.interestOps(ops);
            }
        }

        void close() {
            if (closed) {
                return;
            }
            closed = true;
            active.decrementAndGet();
            try {
                a.ch.close();
            } catch (IOException e) {
                // closing anyway
            }
            try {
                b.ch.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    @Override
    public void close() {
        running = false;
        selector.wakeup();
        if (thread != null) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (SelectionKey k : selector.keys()) {
            try {
                k.channel().close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        try {
            selector.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
