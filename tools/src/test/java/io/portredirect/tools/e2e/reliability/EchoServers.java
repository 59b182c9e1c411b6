package io.portredirect.tools.e2e.reliability;

import io.portredirect.tools.e2e.support.E2eLab;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * TCP echo servers inside the lab's server namespaces, run by the test JVM (one selector thread per
 * server): every accepted connection first gets a banner line {@code "sN PORT\n"} naming the server
 * and the port it was accepted on, then everything it sends is echoed. The banner is how a client
 * learns where the redirect (or the fallback) took it; its arrival ends the connection's set-up.
 */
final class EchoServers implements AutoCloseable {
    private final List<Server> servers = new ArrayList<>();

    /** Starts an echo server in PREFIX-sN for each server 1..3 on port 80 and its service port 800N. */
    static EchoServers start(E2eLab lab) throws IOException {
        EchoServers e = new EchoServers();
        try {
            for (int n = 1; n <= 3; n++) {
                e.servers.add(new Server(lab, n, List.of(80, 8000 + n)));
            }
        } catch (IOException | RuntimeException ex) {
            e.close();
            throw ex;
        }
        return e;
    }

    /** Connections accepted so far by server n (1..3), all its ports. */
    long accepted(int n) {
        return servers.get(n - 1).accepted.get();
    }

    @Override
    public void close() {
        for (Server s : servers) {
            s.close();
        }
    }

    private static final class Server implements Runnable {
        private final int n;
        private final Selector selector;
        private final List<ServerSocketChannel> listeners = new ArrayList<>();
        private final Thread thread;
        private final AtomicLong accepted = new AtomicLong();
        private volatile boolean running = true;

        Server(E2eLab lab, int n, List<Integer> ports) throws IOException {
            this.n = n;
            this.selector = Selector.open();
            for (int port : ports) {
                // the listening socket must be created inside the server's namespace
                ServerSocketChannel ch = lab.inNamespace("s" + n, () -> {
                    ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.INET6);
                    s.bind(new InetSocketAddress(port), 1024);
                    return s;
                });
                ch.configureBlocking(false);
                ch.register(selector, SelectionKey.OP_ACCEPT, port);
                listeners.add(ch);
            }
            thread = new Thread(this, "echo-s" + n);
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void run() {
            ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
            while (running) {
                try {
                    selector.select(200);
                    for (var it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                        SelectionKey k = it.next();
                        it.remove();
                        if (!k.isValid()) {
                            continue;
                        }
                        if (k.isAcceptable()) {
                            accept(k);
                        } else if (k.isReadable()) {
                            echo(k, buf);
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    if (running) {
                        System.err.println("echo-s" + n + ": " + e);
                    }
                }
            }
        }

        private void accept(SelectionKey k) throws IOException {
            SocketChannel c;
            while ((c = ((ServerSocketChannel) k.channel()).accept()) != null) {
                accepted.incrementAndGet();
                c.configureBlocking(false);
                c.socket().setTcpNoDelay(true);
                // small enough to go out in one write on a fresh socket
                c.write(ByteBuffer.wrap(("s" + n + " " + k.attachment() + "\n").getBytes(StandardCharsets.US_ASCII)));
                c.register(selector, SelectionKey.OP_READ);
            }
        }

        /** Echoes what is readable; a client that does not read its echo is not the test's pattern, so a short write closes it. */
        private static void echo(SelectionKey k, ByteBuffer buf) {
            SocketChannel c = (SocketChannel) k.channel();
            try {
                buf.clear();
                int r = c.read(buf);
                if (r < 0) {
                    k.cancel();
                    c.close();
                    return;
                }
                buf.flip();
                long deadline = System.nanoTime() + 2_000_000_000L;
                while (buf.hasRemaining() && System.nanoTime() < deadline) {
                    c.write(buf);
                }
                if (buf.hasRemaining()) {
                    k.cancel();
                    c.close();
                }
            } catch (IOException e) {
                k.cancel();
                try {
                    c.close();
                } catch (IOException ignored) {
                    // already gone
                }
            }
        }

        void close() {
            running = false;
            selector.wakeup();
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (SelectionKey k : selector.keys()) {
                try {
                    k.channel().close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
            try {
                selector.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
