package io.portredirect.serveragent.lab;

import io.portredirect.protocol.io.NetNamespace;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A tiny application for lab tests, listening inside a namespace: answers every chunk it reads
 * with {@code name + ":" + chunk}, so a test sees which application served it.
 */
final class EchoServer implements AutoCloseable {
    private final ServerSocket server;
    private final String name;

    private EchoServer(ServerSocket server, String name) {
        this.server = server;
        this.name = name;
        Thread t = new Thread(this::acceptLoop, "echo-" + name);
        t.setDaemon(true);
        t.start();
    }

    /** Listens on {@code bind} (wildcard when null) in namespace {@code ns}. */
    static EchoServer start(String ns, String bindAddress, int port, String name) throws IOException {
        ServerSocket ss = NetNamespace.call(ns, () -> {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(bindAddress == null ? new InetSocketAddress(port) : new InetSocketAddress(bindAddress, port), 64);
            return s;
        });
        return new EchoServer(ss, name);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> serve(s), "echo-conn-" + name);
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write((name + ":" + new String(buf, 0, n, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException e) {
            // client went away
        }
    }

    /** Sends {@code text} on {@code s} and returns what comes back (one read). */
    static String ask(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        s.getOutputStream().flush();
        byte[] buf = new byte[65536];
        int n = s.getInputStream().read(buf);
        return n < 0 ? "<eof>" : new String(buf, 0, n, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
