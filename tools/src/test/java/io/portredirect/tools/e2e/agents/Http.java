package io.portredirect.tools.e2e.agents;

import io.portredirect.tools.e2e.support.E2eLab;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/1.0 GETs from the test JVM with sockets opened inside a lab namespace (the lab servers are
 * python http.server answering "sN"). Timed from connect() to the last byte.
 */
final class Http {
    /** One exchange: body (trimmed; null when it failed), status, failure text, nanos from connect to the last byte. */
    record Reply(int status, String body, String failure, long nanos) {
        boolean ok() {
            return status == 200 && failure == null;
        }
    }

    private Http() {
    }

    static Reply get(E2eLab lab, String shortNs, String host, int port, String path) {
        try {
            return lab.inNamespace(shortNs, () -> exchange(host, port, path));
        } catch (IOException e) {
            return new Reply(0, null, e.toString(), 0);
        }
    }

    private static Reply exchange(String host, int port, String path) {
        long t0 = System.nanoTime();
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(host, port), 5000);
            s.setSoTimeout(10_000);
            OutputStream o = s.getOutputStream();
            o.write(("GET " + path + " HTTP/1.0\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            o.flush();
            InputStream in = s.getInputStream();
            String resp = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            long t = System.nanoTime() - t0;
            int end = resp.indexOf("\r\n\r\n");
            if (!resp.startsWith("HTTP/1.") || end < 0) {
                return new Reply(0, null, "not an HTTP response: '" + resp + "'", t);
            }
            int status = Integer.parseInt(resp.substring(9, 12));
            return new Reply(status, resp.substring(end + 4).trim(), null, t);
        } catch (IOException | RuntimeException e) {
            return new Reply(0, null, e.toString(), System.nanoTime() - t0);
        }
    }

    /** {@code count} GETs with {@code parallel} at a time; replies in submission order. */
    static List<Reply> many(E2eLab lab, String shortNs, String host, int port, int count, int parallel) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        try {
            List<Future<Reply>> fs = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                fs.add(pool.submit(() -> get(lab, shortNs, host, port, "/")));
            }
            List<Reply> out = new ArrayList<>();
            for (Future<Reply> f : fs) {
                out.add(f.get(60, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Bodies counted ("s1" -> 73, ...), failures under "FAILED". */
    static Map<String, Integer> tally(List<Reply> replies) {
        Map<String, Integer> m = new TreeMap<>();
        for (Reply r : replies) {
            m.merge(r.ok() ? r.body() : "FAILED", 1, Integer::sum);
        }
        return m;
    }

    /** The first failures, for messages. */
    static String failures(List<Reply> replies) {
        StringBuilder sb = new StringBuilder();
        replies.stream().filter(r -> !r.ok()).limit(5).forEach(r -> sb.append(r).append('\n'));
        return sb.toString();
    }
}
