package io.portredirect.tools.e2e.support;

import io.portredirect.protocol.io.NetNamespace;
import io.portredirect.protocol.lab.Await;
import io.portredirect.protocol.lab.LabProcess;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The real balancer ({@code java -jar redirect-balancer.jar run --config F}) in {@code PREFIX-gw}.
 * Ready when it logged {@code event=started} and {@code /healthz} answers; {@link #metrics()}
 * scrapes its Prometheus endpoint from inside the namespace; {@link #reload()} is SIGHUP plus the
 * wait for {@code event=reload result=ok}.
 */
public final class BalancerProcess extends LabProcess {
    private final Path config;
    private final String metricsAddress;

    BalancerProcess(String ns, List<String> command, Path log, Path config, String metricsAddress) {
        super("balancer", ns, command, log);
        this.config = config;
        this.metricsAddress = metricsAddress;
    }

    /** The config file it runs with (rewrite it, then {@link #reload()}). */
    public Path config() {
        return config;
    }

    /** Waits (30 s at most) for {@code event=started} and a 200 from {@code /healthz}. */
    public BalancerProcess awaitReady() throws InterruptedException {
        awaitLog("event=started", Duration.ofSeconds(30));
        if (!Await.holdsWithin(Duration.ofSeconds(10), Duration.ofMillis(50), this::healthy)) {
            throw new IllegalStateException("balancer /healthz not ok within 10 s:\n" + currentLog());
        }
        return this;
    }

    private boolean healthy() {
        try {
            String status = get("/healthz");
            return status.startsWith("HTTP/1.1 200") || status.startsWith("HTTP/1.0 200");
        } catch (IOException e) {
            return false; // not listening yet
        }
    }

    /** One scrape of {@code /metrics}. */
    public Metrics metrics() throws IOException {
        String resp = get("/metrics");
        int body = resp.indexOf("\r\n\r\n");
        if (!resp.startsWith("HTTP/1.1 200") && !resp.startsWith("HTTP/1.0 200")) {
            throw new IOException("metrics scrape failed: " + resp.lines().findFirst().orElse(""));
        }
        return Metrics.parse(body < 0 ? "" : resp.substring(body + 4));
    }

    /** SIGHUP, then waits (10 s) until one more {@code event=reload result=ok} than before; throws on reload_failed. */
    public void reload() throws InterruptedException {
        long before = count(currentLog(), "event=reload result=ok");
        long failedBefore = count(currentLog(), "event=reload_failed");
        signal("HUP");
        try {
            awaitLog(t -> count(t, "event=reload result=ok") > before || count(t, "event=reload_failed") > failedBefore,
                    "a reload after SIGHUP", Duration.ofSeconds(10));
        } catch (IllegalStateException e) {
            // where the reload stands: the balancer's threads
            throw new IllegalStateException(e.getMessage() + "\n" + threadDump(), e);
        }
        if (count(currentLog(), "event=reload_failed") > failedBefore) {
            throw new IllegalStateException("balancer rejected the new config:\n" + currentLog());
        }
    }

    private String threadDump() {
        try {
            Process p = new ProcessBuilder("jcmd", Long.toString(pid()), "Thread.print").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            return "no thread dump: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "no thread dump: interrupted";
        }
    }

    private static long count(String text, String needle) {
        long n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    private String get(String path) throws IOException {
        int colon = metricsAddress.lastIndexOf(':');
        String host = metricsAddress.substring(0, colon);
        int port = Integer.parseInt(metricsAddress.substring(colon + 1));
        return NetNamespace.call(namespace(), () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 2000);
                s.setSoTimeout(5000);
                OutputStream o = s.getOutputStream();
                o.write(("GET " + path + " HTTP/1.0\r\nHost: " + metricsAddress + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                o.flush();
                InputStream in = s.getInputStream();
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        });
    }
}
