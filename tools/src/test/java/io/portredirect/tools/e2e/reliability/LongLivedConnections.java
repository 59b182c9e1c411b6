package io.portredirect.tools.e2e.reliability;

import java.time.Duration;
import io.portredirect.protocol.lab.Await;
import io.portredirect.tools.e2e.support.E2eLab;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * K established connections held open for the whole test class and pinged in rounds: every round
 * writes one line to every connection, then reads every echo. A connection is broken when a write
 * or read fails, the echo is wrong, or no echo arrives within {@link #BREAK_MILLIS} (longer than
 * TCP's retransmission backoff over any outage these tests cause). Broken connections are counted,
 * described and not pinged again.
 */
final class LongLivedConnections implements AutoCloseable {
    static final int BREAK_MILLIS = 30_000;

    private final List<EchoClient> alive = new CopyOnWriteArrayList<>();
    private final List<String> broken = new CopyOnWriteArrayList<>();
    private final List<Long> setupNanos = new ArrayList<>();
    private final Map<String, Integer> byServer = new TreeMap<>();
    private final AtomicLong rounds = new AtomicLong();
    private final AtomicLong lastRoundEnd = new AtomicLong();
    private final int opened;
    private volatile boolean running;
    private volatile boolean pinging;
    private Thread pinger;

    private LongLivedConnections(List<EchoClient> conns) {
        alive.addAll(conns);
        opened = conns.size();
        for (EchoClient c : conns) {
            setupNanos.add(c.setupNanos());
            byServer.merge(c.server(), 1, Integer::sum);
        }
    }

    /** Opens {@code count} connections to {@code to} from the client namespace, one after the other. */
    static LongLivedConnections open(E2eLab lab, InetSocketAddress to, int count) throws IOException {
        List<EchoClient> conns = lab.inNamespace("client", () -> {
            List<EchoClient> out = new ArrayList<>();
            try {
                for (int i = 0; i < count; i++) {
                    out.add(EchoClient.open(to, 20_000));
                }
            } catch (IOException e) {
                out.forEach(EchoClient::close);
                throw new IOException("opening long-lived connection " + (out.size() + 1) + " of " + count + " to " + to + ": " + e.getMessage(), e);
            }
            return out;
        });
        return new LongLivedConnections(conns);
    }

    /** Starts pinging every {@code periodMillis} on a daemon thread until {@link #close()}. */
    synchronized void startPinging(int periodMillis) {
        running = true;
        pinging = true;
        pinger = new Thread(() -> {
            long seq = 0;
            while (running && pinging) {
                long start = System.nanoTime();
                seq++;
                String line = "ping " + seq;
                List<EchoClient> round = new ArrayList<>(alive);
                List<EchoClient> written = new ArrayList<>();
                for (EchoClient c : round) {
                    try {
                        c.send(line);
                        written.add(c);
                    } catch (IOException e) {
                        broke(c, "write of '" + line + "' failed: " + e.getMessage());
                    }
                }
                long deadline = System.nanoTime() + BREAK_MILLIS * 1_000_000L;
                for (EchoClient c : written) {
                    try {
                        c.expect(line, (int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                    } catch (IOException e) {
                        broke(c, e.getMessage());
                    }
                }
                rounds.incrementAndGet();
                lastRoundEnd.set(System.nanoTime());
                long sleep = periodMillis - (System.nanoTime() - start) / 1_000_000;
                if (sleep > 0) {
                    try {
                        Thread.sleep(sleep);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }, "long-lived-pinger");
        pinger.setDaemon(true);
        pinger.start();
    }

    private void broke(EchoClient c, String why) {
        if (!running) {
            return; // closing: the sockets were closed under the pinger
        }
        if (alive.remove(c)) {
            broken.add(c.banner() + ": " + why);
            c.close();
        }
    }

    /** Waits (bounded) until a whole ping round started after this call has ended: every live connection answered since. */
    void awaitFreshRound(long timeoutMillis) throws InterruptedException {
        long since = System.nanoTime();
        long r0 = rounds.get();
        // the round in progress may have started before 'since': wait for the one after it
        Await.holdsWithin(Duration.ofMillis(timeoutMillis), Duration.ofMillis(20),
                () -> rounds.get() >= r0 + 2 && lastRoundEnd.get() >= since);
        if (rounds.get() < r0 + 2) {
            throw new IllegalStateException("no complete ping round within " + timeoutMillis + " ms");
        }
    }

    /** Stops pinging (waits for the round in progress); the connections stay open. */
    void stopPinging() throws InterruptedException {
        Thread t;
        synchronized (this) {
            t = pinger;
            pinger = null;
        }
        if (t != null) {
            pinging = false;
            t.join(BREAK_MILLIS + 5000L);
        }
    }

    int opened() {
        return opened;
    }

    int aliveCount() {
        return alive.size();
    }

    int brokenCount() {
        return broken.size();
    }

    List<String> brokenDetails() {
        return List.copyOf(broken);
    }

    long rounds() {
        return rounds.get();
    }

    /** Connections per server when they were opened ("s1" -> 12, ...). */
    Map<String, Integer> byServer() {
        return Map.copyOf(byServer);
    }

    List<Long> setupNanos() {
        return List.copyOf(setupNanos);
    }

    @Override
    public void close() {
        running = false;
        Thread t;
        synchronized (this) {
            t = pinger;
        }
        alive.forEach(EchoClient::close); // unblocks a pinger waiting in a read
        if (t != null) {
            t.interrupt();
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
