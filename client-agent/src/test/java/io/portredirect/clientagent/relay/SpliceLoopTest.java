package io.portredirect.clientagent.relay;

import io.portredirect.clientagent.stats.AgentStats;
import io.portredirect.clientagent.stats.Counter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Byte-exact bulk copy, half-close and reset propagation through real loopback sockets. */
class SpliceLoopTest {
    final AgentStats stats = new AgentStats();
    SpliceLoops loops;
    ServerSocketChannel front;
    ServerSocket server;

    @BeforeEach
    void open() throws IOException {
        loops = new SpliceLoops(2, 64 * 1024, stats);
        front = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void close() throws IOException {
        loops.close();
        front.close();
        server.close();
    }

    /** Client socket whose connection is spliced to whatever {@code server} accepts; returns when both are joined. */
    Socket splicedClient(CountDownLatch closed) throws Exception {
        Socket client = new Socket();
        client.connect(front.getLocalAddress(), 5000);
        SocketChannel app = front.accept();
        SocketChannel up = SocketChannel.open(server.getLocalSocketAddress());
        loops.add(app, up, closed::countDown);
        client.setSoTimeout(20_000);
        return client;
    }

    static byte[] sha(byte[] b) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(b);
    }

    @Test
    void aConnectStartedOffTheLoopIsUpBeforeTheLoopHearsOfItAndEndsOnTheLoop() throws Exception {
        SpliceLoop loop = loops.next();
        CompletableFuture<Thread> loopThread = new CompletableFuture<>();
        CompletableFuture<Thread> calledOn = new CompletableFuture<>();
        CountDownLatch hold = new CountDownLatch(1);
        loop.execute(() -> {
            loopThread.complete(Thread.currentThread());
            try {
                hold.await(); // the loop is busy: the SYN must not wait for it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        loop.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), java.time.Duration.ofSeconds(5), 0,
                new SpliceLoop.ConnectCallback() {
                    @Override
                    public void connected(SocketChannel upstream, java.nio.ByteBuffer unsent) {
                        calledOn.complete(Thread.currentThread());
                        SpliceLoop.closeQuietly(upstream);
                    }

                    @Override
                    public void failed(java.io.IOException why) {
                        calledOn.completeExceptionally(why);
                    }
                });
        server.setSoTimeout(5000);
        try (Socket accepted = server.accept()) {
            // the handshake completed while the loop was still held
            assertFalse(calledOn.isDone(), "the callback waits for the loop");
            hold.countDown();
            assertSame(loopThread.get(5, java.util.concurrent.TimeUnit.SECONDS), calledOn.get(5, java.util.concurrent.TimeUnit.SECONDS));
        }
    }

    @Test
    void theApplicationsFirstBytesGoUpstreamFromTheConnectingThreadWhileTheLoopIsBusy() throws Exception {
        SpliceLoop loop = loops.next();
        CountDownLatch hold = new CountDownLatch(1);
        loop.execute(() -> {
            try {
                hold.await(); // the loop is busy: the request must not wait for it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try (Socket client = new Socket()) {
            client.connect(front.getLocalAddress(), 5000);
            client.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            SocketChannel app = front.accept();
            // the request is in the app socket before the upstream is dialled, as when a probe came first
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (available(app) < 18 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            CompletableFuture<java.nio.ByteBuffer> unsentSeen = new CompletableFuture<>();
            loop.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), java.time.Duration.ofSeconds(5), 0, app,
                    new SpliceLoop.ConnectCallback() {
                        @Override
                        public void connected(SocketChannel upstream, java.nio.ByteBuffer unsent) {
                            unsentSeen.complete(unsent);
                            loop.splice(app, upstream, null, unsent, () -> { });
                        }

                        @Override
                        public void failed(IOException why) {
                            unsentSeen.completeExceptionally(why);
                        }
                    });
            server.setSoTimeout(5000);
            try (Socket upstream = server.accept()) {
                upstream.setSoTimeout(5000);
                byte[] got = upstream.getInputStream().readNBytes(18);
                assertEquals("GET / HTTP/1.0\r\n\r\n", new String(got, java.nio.charset.StandardCharsets.US_ASCII),
                        "the request reached the upstream while the loop was still held");
                assertFalse(unsentSeen.isDone(), "the loop has not run the callback yet");
                assertEquals(18, stats.get(Counter.BYTES_UP), "the first flight is counted");
                hold.countDown();
                assertEquals(null, unsentSeen.get(5, TimeUnit.SECONDS), "nothing left for the loop to send first");
                // the rest of the connection is the loop's: a reply comes back through it
                upstream.getOutputStream().write('!');
                client.setSoTimeout(5000);
                assertEquals('!', client.getInputStream().read());
            }
        } finally {
            hold.countDown();
        }
    }

    /** Bytes waiting in {@code ch}'s receive queue (FIONREAD through a non-consuming peek). */
    private static int available(SocketChannel ch) throws IOException {
        return ch.socket().getInputStream().available();
    }

    @Test
    void copiesBothWaysExactly() throws Exception {
        int size = 24 << 20;
        byte[] data = new byte[size];
        new Random(7).nextBytes(data);
        CompletableFuture<Void> echo = CompletableFuture.runAsync(() -> {
            try (Socket s = server.accept()) {
                s.getInputStream().transferTo(s.getOutputStream());
                s.shutdownOutput();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        CountDownLatch closed = new CountDownLatch(1);
        try (Socket c = splicedClient(closed)) {
            CompletableFuture<byte[]> back = CompletableFuture.supplyAsync(() -> {
                try {
                    return c.getInputStream().readAllBytes();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            OutputStream out = c.getOutputStream();
            for (int off = 0; off < size; off += 100_000) {
                out.write(data, off, Math.min(100_000, size - off));
            }
            c.shutdownOutput();
            byte[] got = back.get(60, TimeUnit.SECONDS);
            assertEquals(size, got.length);
            assertArrayEquals(sha(data), sha(got));
        }
        echo.get(10, TimeUnit.SECONDS);
        assertTrue(closed.await(10, TimeUnit.SECONDS), "the pair closes after both directions end");
        assertEquals(size, stats.get(Counter.BYTES_UP));
        assertEquals(size, stats.get(Counter.BYTES_DOWN));
    }

    @Test
    void halfCloseReachesTheServerAndTheAnswerStillComesBack() throws Exception {
        CompletableFuture<String> serverSaw = CompletableFuture.supplyAsync(() -> {
            try (Socket s = server.accept()) {
                String req = new String(s.getInputStream().readAllBytes()); // until the client's FIN
                Thread.sleep(200); // answer after the half-close has travelled
                s.getOutputStream().write(("got " + req.length()).getBytes());
                return req;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        CountDownLatch closed = new CountDownLatch(1);
        try (Socket c = splicedClient(closed)) {
            c.getOutputStream().write("request".getBytes());
            c.shutdownOutput();
            InputStream in = c.getInputStream();
            assertEquals("got 7", new String(in.readAllBytes()));
        }
        assertEquals("request", serverSaw.get(10, TimeUnit.SECONDS));
        assertTrue(closed.await(10, TimeUnit.SECONDS));
    }

    @Test
    void aServerResetResetsTheApplication() throws Exception {
        CompletableFuture.runAsync(() -> {
            try (Socket s = server.accept()) {
                s.getInputStream().read();
                s.setSoLinger(true, 0);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        CountDownLatch closed = new CountDownLatch(1);
        try (Socket c = splicedClient(closed)) {
            c.getOutputStream().write(1);
            assertThrows(IOException.class, () -> {
                // the reset arrives as an error, not as a clean end of stream
                c.getInputStream().read();
            });
        }
        assertTrue(closed.await(10, TimeUnit.SECONDS));
    }

    @Test
    void anApplicationResetResetsTheServer() throws Exception {
        CompletableFuture<Class<?>> serverSaw = CompletableFuture.supplyAsync(() -> {
            try (Socket s = server.accept()) {
                s.getInputStream().read();
                try {
                    s.getInputStream().read();
                    return Void.class; // a clean end of stream: wrong
                } catch (IOException e) {
                    return IOException.class;
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        CountDownLatch closed = new CountDownLatch(1);
        Socket c = splicedClient(closed);
        c.getOutputStream().write(1);
        Thread.sleep(100);
        c.setSoLinger(true, 0);
        c.close();
        assertEquals(IOException.class, serverSaw.get(10, TimeUnit.SECONDS), "the server sees a reset, not a FIN");
        assertTrue(closed.await(10, TimeUnit.SECONDS));
        assertTrue(stats.get(Counter.RELAY_RESETS) >= 1);
    }

    @Test
    void anIdleConnectionIsResetAfterTheTimeoutAndBuffersGoBack() throws Exception {
        loops.close();
        loops = new SpliceLoops(1, 64 * 1024, java.time.Duration.ofMillis(600), stats);
        CompletableFuture<Socket> held = CompletableFuture.supplyAsync(() -> {
            try {
                Socket s = server.accept();
                s.getOutputStream().write("hello\n".getBytes());
                return s;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        CountDownLatch closed = new CountDownLatch(1);
        try (Socket c = splicedClient(closed)) {
            assertEquals('h', c.getInputStream().read());
            long start = System.nanoTime();
            assertThrows(IOException.class, () -> c.getInputStream().readAllBytes(), "idle: reset");
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= 300 && ms < 5000, "reset after about the idle timeout, took " + ms + " ms");
        } finally {
            held.get(5, TimeUnit.SECONDS).close();
        }
        assertTrue(closed.await(5, TimeUnit.SECONDS));
        assertEquals(1, stats.get(Counter.RELAY_IDLE_CLOSED));
        SpliceLoop l = loops.next();
        CompletableFuture<long[]> pool = new CompletableFuture<>();
        l.execute(() -> pool.complete(new long[] {l.pool().inUse(), l.pool().allocated()}));
        long[] p = pool.get(5, TimeUnit.SECONDS);
        assertEquals(0, p[0], "every buffer is back in the pool");
        assertTrue(p[1] <= 2, "a handful of buffers were ever allocated: " + p[1]);
    }

    @Test
    void aSlowReaderStopsTheSenderInsteadOfBuffering() throws Exception {
        CompletableFuture<Long> sent = new CompletableFuture<>();
        CompletableFuture<Socket> srv = CompletableFuture.supplyAsync(() -> {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> {
                    long n = 0;
                    byte[] chunk = new byte[64 * 1024];
                    try {
                        s.setSoTimeout(0);
                        while (n < (256L << 20)) {
                            s.getOutputStream().write(chunk);
                            n += chunk.length;
                        }
                    } catch (IOException e) {
                        // closed by the test
                    }
                    sent.complete(n);
                });
                t.setDaemon(true);
                t.start();
                return s;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        CountDownLatch closed = new CountDownLatch(1);
        Socket c = splicedClient(closed);
        Thread.sleep(1500); // the application reads nothing
        long relayed = stats.get(Counter.BYTES_DOWN);
        Thread.sleep(500);
        assertEquals(relayed, stats.get(Counter.BYTES_DOWN), "the relay stopped reading: the sender is held by TCP's window");
        assertTrue(relayed < (64L << 20), "bounded by socket buffers, not by the relay: " + relayed);
        c.setSoLinger(true, 0);
        c.close();
        srv.get(5, TimeUnit.SECONDS).close();
        assertTrue(sent.get(10, TimeUnit.SECONDS) < (256L << 20));
    }
}
