package io.portredirect.tools.e2e.reliability;

import io.portredirect.tools.e2e.support.E2eLab;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * A stream of new connections from the client namespace, one at a time with a pause between:
 * each connects, waits for the server's banner (its set-up time), exchanges one line and closes.
 * Bounded by a count and a time; every attempt is recorded with its timing and outcome.
 */
final class ConnectionStream implements AutoCloseable {
    /** Longer than the client agent's worst case: probe retries, a 5 s upstream connect, a re-probe and a second connect. */
    static final int ATTEMPT_TIMEOUT_MILLIS = 20_000;

    /** One connection attempt; times are System.nanoTime() values. */
    record Attempt(long start, long end, boolean ok, long setupNanos, String banner, String error) {
        boolean servedBy(String server) {
            return ok && banner.startsWith(server + " ");
        }
    }

    private final String name;
    private final List<Attempt> attempts = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private final long maxMillis;
    private volatile boolean running = true;

    private ConnectionStream(E2eLab lab, String name, InetSocketAddress to, int pauseMillis, int maxCount, long maxMillis) {
        this.name = name;
        this.maxMillis = maxMillis;
        long end = System.nanoTime() + maxMillis * 1_000_000L;
        thread = new Thread(() -> {
            try {
                lab.inNamespace("client", () -> {
                    for (int i = 0; i < maxCount && running && System.nanoTime() < end; i++) {
                        attempts.add(attempt(to, i));
                        if (pauseMillis > 0) {
                            Thread.sleep(pauseMillis);
                        }
                    }
                    return null;
                });
            } catch (IOException e) {
                attempts.add(new Attempt(System.nanoTime(), System.nanoTime(), false, 0, "", "stream failed: " + e));
            }
        }, "stream-" + name);
        thread.setDaemon(true);
    }

    /** Starts a stream to {@code to}: at most {@code maxCount} attempts and {@code maxMillis}, {@code pauseMillis} apart. */
    static ConnectionStream start(E2eLab lab, String name, InetSocketAddress to, int pauseMillis, int maxCount, long maxMillis) {
        ConnectionStream s = new ConnectionStream(lab, name, to, pauseMillis, maxCount, maxMillis);
        s.thread.start();
        return s;
    }

    private static Attempt attempt(InetSocketAddress to, int i) {
        long t0 = System.nanoTime();
        try (EchoClient c = EchoClient.open(to, ATTEMPT_TIMEOUT_MILLIS)) {
            String line = "hello " + i;
            c.send(line);
            c.expect(line, ATTEMPT_TIMEOUT_MILLIS);
            return new Attempt(t0, System.nanoTime(), true, c.setupNanos(), c.banner(), null);
        } catch (IOException e) {
            return new Attempt(t0, System.nanoTime(), false, 0, "", e.getMessage());
        }
    }

    String name() {
        return name;
    }

    /** Waits until the stream ends by itself (its count or time is used up) and returns every attempt. */
    List<Attempt> awaitEnd() throws InterruptedException {
        thread.join(maxMillis + ATTEMPT_TIMEOUT_MILLIS * 2L + 5000);
        return stop();
    }

    /** Stops after the attempt in progress (bounded by the attempt timeout) and returns every attempt. */
    List<Attempt> stop() throws InterruptedException {
        running = false;
        thread.join(ATTEMPT_TIMEOUT_MILLIS * 2L + 5000);
        return List.copyOf(attempts);
    }

    List<Attempt> attempts() {
        return List.copyOf(attempts);
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    // ---- figures over a list of attempts

    static List<Attempt> select(List<Attempt> all, Predicate<Attempt> p) {
        return all.stream().filter(p).toList();
    }

    static long failed(List<Attempt> all) {
        return all.stream().filter(a -> !a.ok()).count();
    }

    static long completed(List<Attempt> all) {
        return all.stream().filter(Attempt::ok).count();
    }

    /** Set-up time percentile (0..1) of the completed attempts, in milliseconds; NaN when none. */
    static double setupMillis(List<Attempt> all, double p) {
        List<Long> v = new ArrayList<>();
        for (Attempt a : all) {
            if (a.ok()) {
                v.add(a.setupNanos());
            }
        }
        return Stats.percentileMillis(v, p);
    }

    /** Completed attempts per banner server ("s1" -> n). */
    static Map<String, Integer> byServer(List<Attempt> all) {
        Map<String, Integer> m = new TreeMap<>();
        for (Attempt a : all) {
            if (a.ok()) {
                m.merge(a.banner().substring(0, 2), 1, Integer::sum);
            }
        }
        return m;
    }

    /** Completed attempts per banner ("s1 80" -> n). */
    static Map<String, Integer> byBanner(List<Attempt> all) {
        Map<String, Integer> m = new TreeMap<>();
        for (Attempt a : all) {
            if (a.ok()) {
                m.merge(a.banner(), 1, Integer::sum);
            }
        }
        return m;
    }

    /**
     * How long new connections were disturbed by a fault at {@code faultStart}: from the fault to the
     * end of the last attempt that overlapped it and failed or took longer than {@code slowMillis}
     * to set up; 0 when none did.
     */
    static double recoveryMillis(List<Attempt> all, long faultStart, double slowMillis) {
        long last = faultStart;
        for (Attempt a : all) {
            if (a.end() < faultStart) {
                continue;
            }
            boolean bad = !a.ok() || a.setupNanos() / 1e6 > slowMillis;
            if (bad && a.end() > last) {
                last = a.end();
            }
        }
        return (last - faultStart) / 1e6;
    }

    /** The first few failures, for assertion messages. */
    static String errors(List<Attempt> all) {
        StringBuilder sb = new StringBuilder();
        int n = 0;
        for (Attempt a : all) {
            if (!a.ok() && n++ < 5) {
                sb.append("  ").append(a.error()).append('\n');
            }
        }
        return sb.toString();
    }
}
