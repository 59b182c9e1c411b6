package io.portredirect.clientagent.lab;

import com.sun.net.httpserver.HttpServer;
import io.portredirect.protocol.io.NetNamespace;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Real kernel servers on the VIP inside the server namespace (sockets created there via
 * {@link NetNamespace#call}; their threads run in the test JVM): HTTP servers answering
 * "served-by PORT", banner-echo servers ("served-by PORT\n" then echo), a UDP echo prefixing its
 * port, and a discard sink for throughput.
 */
public final class LabServers implements AutoCloseable {
    private final String ns;
    private final InetAddress vip;
    private final List<AutoCloseable> open = new ArrayList<>();

    public LabServers(String ns, InetAddress vip) {
        this.ns = ns;
        this.vip = vip;
    }

    public LabServers http(int port) throws IOException {
        HttpServer s = NetNamespace.call(ns, () -> {
            HttpServer h = HttpServer.create(new InetSocketAddress(vip, port), 128);
            h.createContext("/", ex -> {
                byte[] body = ("served-by " + port + "\n").getBytes(StandardCharsets.US_ASCII);
                ex.sendResponseHeaders(200, body.length);
                try (OutputStream o = ex.getResponseBody()) {
                    o.write(body);
                }
            });
            h.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4, daemon("http-" + port)));
            h.start();
            return h;
        });
        open.add(() -> s.stop(0));
        return this;
    }

    /** On accept: "served-by PORT\n", then echo until the client closes. */
    public LabServers bannerEcho(int port) throws IOException {
        return tcp(port, c -> {
            OutputStream o = c.getOutputStream();
            o.write(("served-by " + port + "\n").getBytes(StandardCharsets.US_ASCII));
            o.flush();
            InputStream in = c.getInputStream();
            byte[] b = new byte[4096];
            for (int n; (n = in.read(b)) > 0; ) {
                o.write(b, 0, n);
                o.flush();
            }
        });
    }

    /** Reads and discards everything; for throughput runs. */
    public LabServers sink(int port) throws IOException {
        return tcp(port, c -> {
            InputStream in = c.getInputStream();
            byte[] b = new byte[1 << 20];
            while (in.read(b) > 0) {
                // discard
            }
        });
    }

    /** On accept: writes "x" (first byte for set-up latency) then echoes. */
    public LabServers firstByte(int port) throws IOException {
        return tcp(port, c -> {
            OutputStream o = c.getOutputStream();
            o.write('x');
            o.flush();
            c.getInputStream().transferTo(o);
        });
    }

    private interface Handler {
        void serve(Socket c) throws IOException;
    }

    private LabServers tcp(int port, Handler h) throws IOException {
        ServerSocket ss = NetNamespace.call(ns, () -> new ServerSocket(port, 128, vip));
        Thread t = new Thread(() -> {
            while (!ss.isClosed()) {
                try {
                    Socket c = ss.accept();
                    c.setTcpNoDelay(true);
                    Thread w = new Thread(() -> {
                        try (c) {
                            h.serve(c);
                        } catch (IOException e) {
                            // client went away
                        }
                    }, "srv-" + port + "-conn");
                    w.setDaemon(true);
                    w.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "srv-" + port);
        t.setDaemon(true);
        t.start();
        open.add(ss);
        return this;
    }

    /** Echoes each datagram prefixed with "PORT:". */
    public LabServers udpEcho(int port) throws IOException {
        DatagramSocket ds = NetNamespace.call(ns, () -> new DatagramSocket(new InetSocketAddress(vip, port)));
        Thread t = new Thread(() -> {
            byte[] b = new byte[65535];
            while (!ds.isClosed()) {
                try {
                    DatagramPacket p = new DatagramPacket(b, b.length);
                    ds.receive(p);
                    byte[] reply = (port + ":" + new String(Arrays.copyOf(p.getData(), p.getLength()), StandardCharsets.UTF_8))
                            .getBytes(StandardCharsets.UTF_8);
                    ds.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
                } catch (IOException e) {
                    return;
                }
            }
        }, "udp-" + port);
        t.setDaemon(true);
        t.start();
        open.add(ds);
        return this;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void close() {
        for (AutoCloseable c : open) {
            try {
                c.close();
            } catch (Exception e) {
                // keep closing
            }
        }
        open.clear();
    }
}
