package io.portredirect.protocol.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.portredirect.protocol.config.HostPort;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * A program's HTTP endpoint (JDK {@code com.sun.net.httpserver}, one thread, off the data
 * path): {@code GET /metrics} in Prometheus text format, {@code GET /healthz} 200 "ok" while
 * the program runs (503 otherwise).
 */
public final class MetricsEndpoint implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;

    private MetricsEndpoint(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Binds {@code listen} and serves until {@link #close()}. */
    public static MetricsEndpoint start(InetSocketAddress listen, MetricRegistry metrics, BooleanSupplier healthy,
            String program) throws IOException {
        HttpServer server = HttpServer.create(listen, 16);
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "metrics-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/metrics", ex -> {
            if (!allowGet(ex)) {
                return;
            }
            String text;
            try {
                text = metrics.scrapeText();
            } catch (RuntimeException e) {
                respond(ex, 500, "text/plain; charset=utf-8", "metrics failed: " + e + "\n");
                return;
            }
            respond(ex, 200, PrometheusText.CONTENT_TYPE, text);
        });
        server.createContext("/healthz", ex -> {
            if (allowGet(ex)) {
                boolean ok = healthy.getAsBoolean();
                respond(ex, ok ? 200 : 503, "text/plain; charset=utf-8", ok ? "ok\n" : "not running\n");
            }
        });
        server.createContext("/", ex -> {
            if (allowGet(ex)) {
                respond(ex, 404, "text/plain; charset=utf-8", program + ": see /metrics and /healthz\n");
            }
        });
        server.start();
        return new MetricsEndpoint(server, executor);
    }

    /** The bound address (port resolved when 0 was asked for). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    private static boolean allowGet(HttpExchange ex) throws IOException {
        String m = ex.getRequestMethod();
        if ("GET".equals(m) || "HEAD".equals(m)) {
            return true;
        }
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        respond(ex, 405, "text/plain; charset=utf-8", "method not allowed\n");
        return false;
    }

    private static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        boolean head = "HEAD".equals(ex.getRequestMethod());
        ex.sendResponseHeaders(status, head ? -1 : b.length);
        try (OutputStream os = ex.getResponseBody()) {
            if (!head) {
                os.write(b);
            }
        }
    }

    /**
     * Parses a listen address as the configs write it: {@code ADDRESS:PORT}, {@code [IPv6]:PORT}, or
     * {@code *:PORT} for every IPv4 address; literals only (no DNS). Throws IllegalArgumentException
     * saying what is wrong.
     */
    public static InetSocketAddress parseListen(String spec) {
        // the one ADDRESS:PORT parser of the configs, plus "*" for every IPv4 address
        String s = spec.trim();
        return HostPort.parse(s.startsWith("*:") ? "0.0.0.0" + s.substring(1) : s);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
