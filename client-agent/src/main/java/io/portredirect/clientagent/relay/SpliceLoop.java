package io.portredirect.clientagent.relay;

import io.portredirect.clientagent.negotiate.ReceiveWindow;
import io.portredirect.clientagent.stats.AgentStats;
import io.portredirect.clientagent.stats.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * One event loop (a selector thread) that opens upstream connections without blocking and copies
 * bytes both ways between pairs of connected sockets, the application's and the upstream one.
 *
 * <pre>
 *   connect(target) --OP_CONNECT ok--> connected() --splice()--> SPLICING --both ends shut--> closed (FIN)
 *        |                                                          |   \--idle-timeout---------> closed (RST)
 *        \--refused / timeout--> failed()                           \--reset or error, either side--> closed (RST both)
 * </pre>
 * Each direction takes a buffer from the loop's {@link BufferPool} when a read finds bytes and gives
 * it back once the other side has taken them all; while bytes wait, reading from the sender stops
 * (back-pressure through the TCP window) until the receiver is writable again. End of stream on
 * one side becomes shutdownOutput on the other (half-close); a reset, or any error, on one side is
 * passed on as a reset (SO_LINGER 0) on the other, so the application sees what the server did.
 * Everything runs on the loop's thread; other threads hand it work through {@link #execute}.
 */
public final class SpliceLoop implements Runnable, Executor, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SpliceLoop.class);
    /** Reads per readiness event before the loop serves other pairs. */
    private static final int READS_PER_EVENT = 16;
    private static final long SWEEP_NANOS = 250_000_000L;
    /** Connections accepted per readiness event before the loop serves others. */
    private static final int ACCEPTS_PER_EVENT = 64;

    /** The outcome of {@link #connect}; runs on the loop. */
    public interface ConnectCallback {
        /**
         * The connection is up. {@code unsent}: bytes of the application's that were read off the
         * loop and not yet taken by the upstream (null: none); {@link #splice} sends them first.
         */
        void connected(SocketChannel upstream, ByteBuffer unsent);

        void failed(IOException why);
    }

    /** What the first flight moves at most: a request, not a transfer (the loop relays the rest). */
    static final int FIRST_FLIGHT_BYTES = 4096;
    /** The first flight's buffer, one per calling thread (a probe's capture thread, say). */
    private static final ThreadLocal<ByteBuffer> FIRST_FLIGHT = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(FIRST_FLIGHT_BYTES));

    private final Selector selector;
    private final BufferPool pool;
    private final AgentStats stats;
    private final long idleNanos;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean running = true;
    private long now = System.nanoTime();
    private int pairs;

    /** @param idle a pair with no bytes either way for this long is reset; zero: never */
    public SpliceLoop(String name, BufferPool pool, Duration idle, AgentStats stats) throws IOException {
        this.selector = Selector.open();
        this.pool = pool;
        this.stats = stats;
        this.idleNanos = idle.toNanos();
        this.thread = new Thread(this, name);
        this.thread.setDaemon(true);
    }

    public SpliceLoop start() {
        thread.start();
        return this;
    }

    /** Runs {@code task} on the loop. */
    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    /** Runs {@code task} now when called on the loop (no queue, no wake-up), else as {@link #execute}. */
    public void runOnLoop(Runnable task) {
        if (Thread.currentThread() == thread) {
            task.run();
        } else {
            execute(task);
        }
    }

    /**
     * Accepts on {@code server} (switched to non-blocking) from this loop: {@code onAccept} runs on
     * the loop for each new connection, so a connection is served where it was accepted, with no
     * hand-off between threads. Several loops may accept on one server socket. Any thread.
     */
    public void listen(ServerSocketChannel server, Consumer<SocketChannel> onAccept) throws IOException {
        server.configureBlocking(false);
        execute(() -> {
            try {
                server.register(selector, SelectionKey.OP_ACCEPT, new Acceptor(server, onAccept));
            } catch (IOException e) {
                LOG.warn("cannot accept on {}: {}", server, e.toString());
            }
        });
    }

    /**
     * Splices two connected channels until both directions end; {@code onClose} runs once afterwards
     * (on the loop thread). Any thread.
     */
    public void add(SocketChannel app, SocketChannel upstream, Runnable onClose) {
        execute(() -> splice(app, upstream, null, null, onClose));
    }

    /** {@link #connect(InetSocketAddress, Duration, int, SocketChannel, ConnectCallback)} with no first flight. */
    public void connect(InetSocketAddress target, Duration timeout, int trafficClass, ConnectCallback cb) {
        connect(target, timeout, trafficClass, null, cb);
    }

    /**
     * Opens a non-blocking connection to {@code target}, the socket's IP_TOS set first (0: left).
     * Any thread: the connect (the SYN) is issued on the calling thread at once, and only its
     * completion goes to the loop, so the loop's wake-up overlaps the handshake instead of
     * preceding it. The callback runs on the loop once the connection is up, refused, or not up
     * within {@code timeout}.
     *
     * <p>First flight: when called off the loop with {@code sendFirst} (the application's side of
     * the pair to be) and the handshake is done before the hand-off (on a LAN the SYN-ACK often
     * arrives inside connect()), up to {@value #FIRST_FLIGHT_BYTES} bytes the application has sent
     * so far go upstream right here, so its request does not wait for the loop to wake up.
     */
    public void connect(InetSocketAddress target, Duration timeout, int trafficClass, SocketChannel sendFirst, ConnectCallback cb) {
        SocketChannel ch = null;
        try {
            ch = upstreamSocket(target, trafficClass);
            boolean up = ch.connect(target) || ch.finishConnect();
            ByteBuffer unsent = up && sendFirst != null && Thread.currentThread() != thread ? firstFlight(sendFirst, ch) : null;
            SocketChannel started = ch;
            runOnLoop(() -> {
                if (up) {
                    cb.connected(started, unsent);
                    return;
                }
                try {
                    started.register(selector, SelectionKey.OP_CONNECT, new Connecting(started, target, now + timeout.toNanos(), cb));
                } catch (IOException e) {
                    closeQuietly(started);
                    cb.failed(new IOException("connect to " + target + " failed: " + e.getMessage(), e));
                }
            });
        } catch (IOException e) {
            closeQuietly(ch);
            IOException why = new IOException("connect to " + target + " failed: " + e.getMessage(), e);
            runOnLoop(() -> cb.failed(why));
        }
    }

    /**
     * Moves what {@code app} has sent so far to {@code up}, before either is registered with the
     * loop (so no other thread touches them yet). Returns what {@code up} did not take (null:
     * nothing left), which the loop sends first; an error is left for the loop's splice to meet.
     */
    private ByteBuffer firstFlight(SocketChannel app, SocketChannel up) {
        ByteBuffer b = FIRST_FLIGHT.get();
        b.clear().limit(Math.min(b.capacity(), pool.bufferSize()));
        int n;
        try {
            app.configureBlocking(false);
            n = app.read(b);
        } catch (IOException e) {
            return null; // the splice's own read meets the error (or the end) again
        }
        if (n <= 0) {
            return null;
        }
        stats.add(Counter.BYTES_UP, n);
        b.flip();
        try {
            up.write(b);
        } catch (IOException e) {
            // the loop's write meets the error and resets the application, as for any upstream reset
        }
        if (!b.hasRemaining()) {
            return null;
        }
        ByteBuffer rest = ByteBuffer.allocate(b.remaining());
        rest.put(b).flip();
        return rest;
    }

    private static SocketChannel upstreamSocket(InetSocketAddress target, int trafficClass) throws IOException {
        SocketChannel ch = SocketChannel.open(target.getAddress() instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
        try {
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            if (trafficClass != 0) {
                ch.setOption(StandardSocketOptions.IP_TOS, trafficClass);
            }
            return ch;
        } catch (IOException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    /**
     * Splices two connected channels; call on the loop. Bytes read from the upstream are added to
     * {@code window} (when not null) so mid-connection redirects can be checked against it.
     * {@code unsent} (may be null): application bytes read already, sent upstream before any other.
     */
    public void splice(SocketChannel app, SocketChannel upstream, ReceiveWindow window, ByteBuffer unsent, Runnable onClose) {
        Pair p = new Pair(app, upstream, window, onClose);
        try {
            app.configureBlocking(false);
            upstream.configureBlocking(false);
            p.appKey = register(app, p);
            p.upKey = register(upstream, p);
            pairs++;
            p.open = true;
        } catch (IOException e) {
            p.close(true);
            return;
        }
        if (unsent != null && unsent.hasRemaining()) {
            // at most FIRST_FLIGHT_BYTES, never above the pool's buffer size (firstFlight reads no more)
            p.toUp.buf = pool.take().put(unsent).flip();
        }
        try {
            // what either side sent while the upstream was connecting (a request, a banner) goes now,
            // not one more trip through the selector later
            pump(p.toUp);
            pump(p.toApp);
            if (p.toUp.outputShut && p.toApp.outputShut) {
                p.close(false);
            } else {
                p.updateInterest();
            }
        } catch (IOException e) {
            stats.inc(Counter.RELAY_RESETS);
            p.close(true);
        }
    }

    /** A channel connected by this loop keeps its key (a cancelled key cannot be registered again before the next select). */
    private SelectionKey register(SocketChannel ch, Pair p) throws IOException {
        SelectionKey k = ch.keyFor(selector);
        if (k != null && k.isValid()) {
            k.attach(p);
            k.interestOps(SelectionKey.OP_READ);
            return k;
        }
        return ch.register(selector, SelectionKey.OP_READ, p);
    }

    /** Pairs being spliced now (a snapshot, for tests and stats). */
    public int pairs() {
        return pairs;
    }

    /** The loop's buffer pool (read it on the loop). */
    BufferPool pool() {
        return pool;
    }

    @Override
    public void run() {
        long nextSweep = now + SWEEP_NANOS;
        try {
            while (running) {
                selector.select(SWEEP_NANOS / 1_000_000);
                now = System.nanoTime();
                for (Runnable t; (t = tasks.poll()) != null; ) {
                    try {
                        t.run();
                    } catch (RuntimeException e) {
                        LOG.warn("relay task failed: {}", e.toString());
                    }
                }
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey k = it.next();
                    it.remove();
                    try {
                        if (k.attachment() instanceof Pair p) {
                            handle(k, p);
                        } else if (k.attachment() instanceof Connecting c) {
                            finishConnect(k, c);
                        } else if (k.attachment() instanceof Acceptor a) {
                            accept(k, a);
                        }
                    } catch (RuntimeException e) {
                        // one connection's bug must not stop the loop's other connections
                        LOG.warn("relay event failed: {}", e.toString());
                        if (k.attachment() instanceof Pair p) {
                            p.close(true);
                        }
                    }
                }
                if (now - nextSweep >= 0) {
                    sweep();
                    nextSweep = now + SWEEP_NANOS;
                }
            }
        } catch (IOException | ClosedSelectorException e) {
            if (running) {
                LOG.error("splice loop {} stopped: {}", thread.getName(), e.toString());
            }
        } finally {
            shutDown();
        }
    }

    private void shutDown() {
        List<SelectionKey> keys;
        try {
            keys = new ArrayList<>(selector.keys());
        } catch (ClosedSelectorException e) {
            keys = List.of();
        }
        for (SelectionKey k : keys) {
            if (k.attachment() instanceof Pair p) {
                p.close(true);
            } else if (k.attachment() instanceof Connecting c) {
                closeQuietly(c.channel);
                c.cb.failed(new IOException("the agent is stopping"));
            }
        }
        for (Runnable t; (t = tasks.poll()) != null; ) {
            try {
                t.run();
            } catch (RuntimeException e) {
                // stopping anyway
            }
        }
    }

    private void accept(SelectionKey k, Acceptor a) {
        for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
            SocketChannel ch;
            try {
                ch = a.server.accept();
            } catch (IOException e) {
                if (!a.server.isOpen()) {
                    k.cancel();
                    return;
                }
                // out of descriptors, say: the listen queue keeps the rest; try again at the next sweep
                LOG.warn("accept on {} failed: {}", a.server, e.toString());
                k.interestOps(0);
                a.paused = true;
                return;
            }
            if (ch == null) {
                return;
            }
            a.onAccept.accept(ch);
        }
    }

    private void finishConnect(SelectionKey k, Connecting c) {
        try {
            if (!c.channel.finishConnect()) {
                return;
            }
            k.interestOps(0);
            k.attach(null);
            c.cb.connected(c.channel, null);
        } catch (IOException e) {
            k.cancel();
            closeQuietly(c.channel);
            c.cb.failed(new IOException("connect to " + c.target + " failed: " + e.getMessage(), e));
        }
    }

    /** Resets idle pairs and gives up on connects past their deadline. */
    private void sweep() {
        for (SelectionKey k : new ArrayList<>(selector.keys())) {
            Object a = k.attachment();
            if (a instanceof Pair p) {
                if (idleNanos > 0 && k == p.appKey && p.open && now - p.lastActive >= idleNanos) {
                    stats.inc(Counter.RELAY_IDLE_CLOSED);
                    p.close(true);
                }
            } else if (a instanceof Acceptor acc && acc.paused && k.isValid()) {
                acc.paused = false;
                k.interestOps(SelectionKey.OP_ACCEPT);
            } else if (a instanceof Connecting c && now - c.deadline >= 0) {
                k.cancel();
                closeQuietly(c.channel);
                c.cb.failed(new IOException("connect to " + c.target + " timed out"));
            }
        }
    }

    private void handle(SelectionKey k, Pair p) {
        if (!p.open) {
            return;
        }
        boolean fromApp = k.channel() == p.app;
        p.lastActive = now;
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
            stats.inc(Counter.RELAY_RESETS);
            p.close(true);
        }
    }

    private void pump(Direction d) throws IOException {
        for (int i = 0; i < READS_PER_EVENT && !d.eof; i++) {
            if (d.buf != null) {
                flush(d);
                if (d.buf != null) {
                    break; // the receiver is full: wait until it is writable again
                }
            }
            ByteBuffer b = pool.take();
            int n;
            try {
                n = d.from.read(b);
            } catch (IOException e) {
                pool.give(b);
                throw e;
            }
            if (n <= 0) {
                pool.give(b);
                if (n < 0) {
                    d.eof = true;
                    d.received(1);
                }
                break;
            }
            stats.add(d.counter, n);
            d.received(n);
            boolean drained = b.hasRemaining();
            b.flip();
            d.buf = b;
            flush(d);
            if (d.buf != null || drained) {
                // a short read emptied the socket: another read would only say EAGAIN (level-triggered
                // readiness brings the loop back for what arrives later)
                break;
            }
        }
        flush(d);
    }

    /**
     * Writes what the buffer holds and gives it back once empty. The buffer is refilled only once it
     * is empty, so bytes are never moved inside it.
     */
    private void flush(Direction d) throws IOException {
        if (d.buf != null) {
            d.to.write(d.buf);
            if (!d.buf.hasRemaining()) {
                pool.give(d.buf);
                d.buf = null;
            }
        }
        if (d.eof && d.buf == null && !d.outputShut) {
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

    static void closeQuietly(SocketChannel c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // nothing more to do
            }
        }
    }

    private static final class Acceptor {
        final ServerSocketChannel server;
        final Consumer<SocketChannel> onAccept;
        boolean paused;

        Acceptor(ServerSocketChannel server, Consumer<SocketChannel> onAccept) {
            this.server = server;
            this.onAccept = onAccept;
        }
    }

    private record Connecting(SocketChannel channel, InetSocketAddress target, long deadline, ConnectCallback cb) {
    }

    /** One direction: bytes read from {@code from} wait in {@code buf} (taken from the pool) until written to {@code to}. */
    private static final class Direction {
        final SocketChannel from;
        final SocketChannel to;
        final Counter counter;
        final ReceiveWindow window;
        ByteBuffer buf;
        boolean eof;
        boolean outputShut;

        Direction(SocketChannel from, SocketChannel to, Counter counter, ReceiveWindow window) {
            this.from = from;
            this.to = to;
            this.counter = counter;
            this.window = window;
        }

        void received(long n) {
            if (window != null) {
                window.received(n);
            }
        }

        boolean wantsRead() {
            return !eof && buf == null;
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
        long lastActive = now;
        boolean open;
        boolean closed;

        Pair(SocketChannel app, SocketChannel up, ReceiveWindow window, Runnable onClose) {
            this.app = app;
            this.up = up;
            this.toUp = new Direction(app, up, Counter.BYTES_UP, null);
            this.toApp = new Direction(up, app, Counter.BYTES_DOWN, window);
            this.onClose = onClose;
        }

        void updateInterest() {
            appKey.interestOps((toUp.wantsRead() ? SelectionKey.OP_READ : 0) | (toApp.buf != null ? SelectionKey.OP_WRITE : 0));
            upKey.interestOps((toApp.wantsRead() ? SelectionKey.OP_READ : 0) | (toUp.buf != null ? SelectionKey.OP_WRITE : 0));
        }

        void close(boolean abort) {
            if (closed) {
                return;
            }
            closed = true;
            if (open) {
                pairs--;
            }
            open = false;
            for (Direction d : new Direction[] {toUp, toApp}) {
                if (d.buf != null) {
                    pool.give(d.buf);
                    d.buf = null;
                }
            }
            for (SocketChannel c : new SocketChannel[] {app, up}) {
                try {
                    if (abort && c.isOpen()) {
                        c.setOption(StandardSocketOptions.SO_LINGER, 0);
                    }
                } catch (IOException e) {
                    // the socket is already dead: closing is all that is left
                }
                closeQuietly(c);
            }
            try {
                onClose.run();
            } catch (RuntimeException e) {
                LOG.warn("close callback failed: {}", e.toString());
            }
        }
    }
}
