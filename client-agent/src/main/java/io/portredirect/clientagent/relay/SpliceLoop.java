package io.portredirect.clientagent.relay;

import io.portredirect.clientagent.stats.AgentStats;
import io.portredirect.clientagent.stats.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Iterator;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One selector thread that copies bytes both ways between pairs of connected sockets (the
 * application's and the upstream kernel connection). Each direction has its own direct buffer;
 * when the receiver is slow the buffer fills, reading from the sender stops (back-pressure through
 * TCP windows) and resumes once it drains. End of stream on one side becomes shutdownOutput on the
 * other (half-close), and the pair closes when both directions have ended; an error on either side
 * resets both (SO_LINGER 0), so the application sees what the server did.
 */
public final class SpliceLoop implements Runnable, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SpliceLoop.class);
    /** Reads per readiness event before the loop serves other pairs. */
    private static final int READS_PER_EVENT = 16;

    private final Selector selector;
    private final int bufferSize;
    private final AgentStats stats;
    private final Queue<Pair> incoming = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean running = true;

    public SpliceLoop(String name, int bufferSize, AgentStats stats) throws IOException {
        this.selector = Selector.open();
        this.bufferSize = bufferSize;
        this.stats = stats;
        this.thread = new Thread(this, name);
        this.thread.setDaemon(true);
    }

    public SpliceLoop start() {
        thread.start();
        return this;
    }

    /**
     * Splices two connected channels until both directions end; {@code onClose} runs once afterwards
     * (on the loop thread). The channels are switched to non-blocking mode here.
     */
    public void add(SocketChannel app, SocketChannel upstream, Runnable onClose) throws IOException {
        app.configureBlocking(false);
        upstream.configureBlocking(false);
        incoming.add(new Pair(app, upstream, onClose));
        selector.wakeup();
    }

    @Override
    public void run() {
        try {
            while (running) {
                selector.select(1000);
                for (Pair p; (p = incoming.poll()) != null; ) {
                    register(p);
                }
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey k = it.next();
                    it.remove();
                    handle(k);
                }
            }
        } catch (IOException | ClosedSelectorException e) {
            if (running) {
                LOG.error("splice loop {} stopped: {}", thread.getName(), e.toString());
            }
        } finally {
            for (SelectionKey k : selector.keys()) {
                if (k.attachment() instanceof Pair p) {
                    p.close(true);
                }
            }
            for (Pair p; (p = incoming.poll()) != null; ) {
                p.close(true);
            }
        }
    }

    private void register(Pair p) {
        try {
            p.appKey = p.app.register(selector, SelectionKey.OP_READ, p);
            p.upKey = p.up.register(selector, SelectionKey.OP_READ, p);
        } catch (IOException e) {
            p.close(true);
        }
    }

    private void handle(SelectionKey k) {
        Pair p = (Pair) k.attachment();
        if (p.closed) {
            return;
        }
        boolean fromApp = k.channel() == p.app;
        try {
            if (k.isValid() && k.isWritable()) {
                flush(fromApp ? p.toApp : p.toUp);
            }
            if (k.isValid() && k.isReadable()) {
                pump(fromApp ? p.toUp : p.toApp);
            }
            if (p.toUp.outputShut && p.toApp.outputShut) {
                p.close(false);
            } else {
                p.updateInterest();
            }
        } catch (IOException e) {
            LOG.debug("splice reset: {}", e.getMessage());
            p.close(true);
        }
    }

    private void pump(Direction d) throws IOException {
        for (int i = 0; i < READS_PER_EVENT && !d.eof; i++) {
            if (d.draining) {
                flush(d);
                if (d.draining) {
                    break; // the receiver is full: wait until it is writable again
                }
            }
            int n = d.from.read(d.buf);
            if (n < 0) {
                d.eof = true;
                break;
            }
            if (n == 0) {
                break;
            }
            stats.add(d.counter, n);
            d.buf.flip();
            d.draining = true;
            flush(d);
            if (d.draining) {
                break;
            }
        }
        flush(d);
    }

    /**
     * Writes what the buffer holds. The buffer is refilled only once it is empty, so bytes are never
     * moved inside it (compacting after every partial write would copy the bulk of the stream once more).
     */
    private static void flush(Direction d) throws IOException {
        if (d.draining) {
            d.to.write(d.buf);
            if (!d.buf.hasRemaining()) {
                d.buf.clear();
                d.draining = false;
            }
        }
        if (d.eof && !d.draining && !d.outputShut) {
            d.to.shutdownOutput();
            d.outputShut = true;
        }
    }

    @Override
    public void close() {
        running = false;
        selector.wakeup();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            selector.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /**
     * One direction: bytes read from {@code from} wait in {@code buf} until written to {@code to}.
     * The buffer is either empty (fill mode) or {@code draining} (flipped, holding unwritten bytes).
     */
    private final class Direction {
        final SocketChannel from;
        final SocketChannel to;
        final ByteBuffer buf = ByteBuffer.allocateDirect(bufferSize);
        final Counter counter;
        boolean draining;
        boolean eof;
        boolean outputShut;

        Direction(SocketChannel from, SocketChannel to, Counter counter) {
            this.from = from;
            this.to = to;
            this.counter = counter;
        }

        boolean wantsRead() {
            return !eof && !draining;
        }

        boolean hasPending() {
            return draining;
        }
    }

    private final class Pair {
        final SocketChannel app;
        final SocketChannel up;
        final Direction toUp;
        final Direction toApp;
        final Runnable onClose;
        SelectionKey appKey;
        SelectionKey upKey;
        boolean closed;

        Pair(SocketChannel app, SocketChannel up, Runnable onClose) {
            this.app = app;
            this.up = up;
            this.toUp = new Direction(app, up, Counter.BYTES_UP);
            this.toApp = new Direction(up, app, Counter.BYTES_DOWN);
            this.onClose = onClose;
        }

        void updateInterest() {
            appKey.interestOps((toUp.wantsRead() ? SelectionKey.OP_READ : 0) | (toApp.hasPending() ? SelectionKey.OP_WRITE : 0));
            upKey.interestOps((toApp.wantsRead() ? SelectionKey.OP_READ : 0) | (toUp.hasPending() ? SelectionKey.OP_WRITE : 0));
        }

        void close(boolean abort) {
            if (closed) {
                return;
            }
            closed = true;
            for (SocketChannel c : new SocketChannel[] {app, up}) {
                try {
                    if (abort && c.isOpen()) {
                        c.setOption(StandardSocketOptions.SO_LINGER, 0);
                    }
                } catch (IOException e) {
                    // the socket is already dead: closing is all that is left
                }
                try {
                    c.close();
                } catch (IOException e) {
                    // nothing more to do
                }
            }
            try {
                onClose.run();
            } catch (RuntimeException e) {
                LOG.warn("close callback failed: {}", e.toString());
            }
        }
    }
}
