package io.portredirect.tools.e2e.reliability;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * One client connection to an {@link EchoServers} server, directly or through a client agent's
 * listener. Must be opened on a thread inside the client namespace; usable from any thread after.
 */
final class EchoClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final String banner;
    private final long setupNanos;

    private EchoClient(Socket socket, String banner, long setupNanos) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.banner = banner;
        this.setupNanos = setupNanos;
    }

    /**
     * Connects and waits for the banner: the set-up time is what an application sees, from
     * connect() to the first byte from the server (through an agent: local accept, negotiation,
     * the agent's connect to VIP:Y, and the server's first write).
     */
    static EchoClient open(InetSocketAddress to, int timeoutMillis) throws IOException {
        Socket s = new Socket();
        long t0 = System.nanoTime();
        try {
            s.setTcpNoDelay(true);
            s.connect(to, timeoutMillis);
            s.setSoTimeout(timeoutMillis);
            String banner = readLine(s.getInputStream());
            if (banner == null || !banner.matches("s[123] \\d+")) {
                throw new IOException("no banner from the server (got " + (banner == null ? "end of stream" : "'" + banner + "'") + ")");
            }
            return new EchoClient(s, banner, System.nanoTime() - t0);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** "s2 8002": the server and the port the connection landed on. */
    String banner() {
        return banner;
    }

    /** "s2". */
    String server() {
        return banner.substring(0, 2);
    }

    int port() {
        return Integer.parseInt(banner.substring(3));
    }

    long setupNanos() {
        return setupNanos;
    }

    void send(String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Reads one echoed line, waiting at most {@code timeoutMillis}; throws on timeout, end of stream or a wrong echo. */
    void expect(String line, int timeoutMillis) throws IOException {
        socket.setSoTimeout(Math.max(1, timeoutMillis));
        String got;
        try {
            got = readLine(in);
        } catch (SocketTimeoutException e) {
            throw new SocketTimeoutException("no echo within " + timeoutMillis + " ms");
        }
        if (got == null) {
            throw new IOException("connection closed by the far side");
        }
        if (!got.equals(line)) {
            throw new IOException("echo '" + got + "' instead of '" + line + "'");
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(32);
        while (true) {
            int c = in.read();
            if (c < 0) {
                return b.size() == 0 ? null : b.toString(StandardCharsets.US_ASCII);
            }
            if (c == '\n') {
                return b.toString(StandardCharsets.US_ASCII);
            }
            b.write(c);
            if (b.size() > 200) {
                throw new IOException("line too long");
            }
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
