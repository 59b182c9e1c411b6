package io.portredirect.tools.e2e.ecmp;

import io.portredirect.protocol.lab.LabExtension;
import io.portredirect.protocol.lab.LabProcess;
import io.portredirect.protocol.lab.LabTest;
import io.portredirect.tools.e2e.ecmp.EcmpReplicasE2eTest.Stream;
import io.portredirect.tools.e2e.support.E2eLab;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replicas announced by BGP, the way operators run ECMP ({@code LAB_REPLICAS=2 LAB_BGP=1 lab.sh}):
 * each replica's BIRD announces the VIPs while its balancer holds the announce link
 * ({@code run --announce-link pr-announce}); the router's BIRD installs them as one ECMP route, with
 * BFD (100 ms x 3) on every session. Everything is measured on the router, polling its kernel route:
 * <ul>
 *   <li>a balancer SIGKILLed under load (long paced downloads over both replicas, a stream of new
 *       connections): the route loses that next hop within 1 s, no established connection breaks,
 *       no new connection fails;</li>
 *   <li>a balancer stopped with SIGTERM: the route is withdrawn before the process lets go of its
 *       data plane;</li>
 *   <li>a replica box gone (its switch port down): BFD withdraws within 1 s; back: re-added.</li>
 * </ul>
 * The servers have no routing daemon in the lab: their default routes over the replicas are moved
 * by {@code lab.sh replica out|in} after the router's route changed, as in EcmpReplicasE2eTest.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@LabTest
class BgpFailoverE2eTest {
    static final String PREFIX = "prbg";
    @RegisterExtension
    static final LabExtension<ReplicaLab> LAB = LabExtension.of(() -> ReplicaLab.upWithBgp(PREFIX, "curl"));
    static final int STREAM_RATE = 400_000;      // bytes/s, paced by the server
    static final int STREAM_SECONDS = 8;
    static final long WITHDRAW_LIMIT_MS = 1000;

    static ReplicaLab replicas;
    static E2eLab lab;

    @BeforeAll
    static void up(ReplicaLab fixture) throws Exception {
        replicas = fixture;
        lab = replicas.lab();
        byte[] data = new byte[STREAM_RATE * STREAM_SECONDS];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i % 251);
        }
        lab.serveFile(EcmpReplicasE2eTest.STREAM_FILE, data);
        for (int n = 1; n <= 3; n++) {
            lab.startHttpServer(n, 5200 + n);
        }
        replicas.startBalancer(1);
        replicas.startBalancer(2);
        long t = awaitHops(2, Duration.ofSeconds(20));
        assertTrue(t > 0, "the router never learned the VIP from both replicas:\n" + routerState());
    }

    // ---------------------------------------------------------------- the router's route, polled

    /** Next hops of the router's VIP/32 (and VIP6/128 when {@code v6}): 0 when there is no route. */
    static int hops(boolean v6) {
        String out = ip("-n", lab.ns("rt"), v6 ? "-6" : "-4", "route", "show", v6 ? E2eLab.VIP6 : E2eLab.VIP4);
        if (out.isBlank()) {
            return 0;
        }
        int n = 0;
        for (String line : out.split("\n")) {
            if (line.contains("nexthop via")) {
                n++;
            }
        }
        return n == 0 ? 1 : n;
    }

    static String ip(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("ip");
        Collections.addAll(cmd, args);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(5, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Polls the router until both its IPv4 and IPv6 VIP routes have {@code n} next hops; returns
     * System.nanoTime() of the first poll that saw it (one {@code ip route} call, about 2-5 ms), or -1
     * after {@code limit}.
     */
    static long awaitHops(int n, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        boolean v4 = false;
        while (System.nanoTime() < deadline) {
            v4 = v4 || hops(false) == n;
            if (v4 && hops(true) == n) {
                return System.nanoTime();
            }
        }
        return -1;
    }

    static String routerState() {
        return replicas.routerRoutes() + lab.run("rt", 5, "birdc", "-s", "/run/portredirect-lab/" + PREFIX + "/bird-rt.ctl",
                "show", "protocols").output();
    }

    // ---------------------------------------------------------------- load

    static Stream open(String name, String host, int port) throws IOException {
        Socket s = lab.inNamespace("client", () -> {
            Socket sock = new Socket();
            sock.setReceiveBufferSize(16384);
            sock.setSoTimeout(30_000);
            sock.connect(new InetSocketAddress(host, port), 5000);
            return sock;
        });
        String req = "GET /" + EcmpReplicasE2eTest.STREAM_FILE + "?rate=" + STREAM_RATE + " HTTP/1.0\r\nHost: lab\r\n\r\n";
        s.getOutputStream().write(req.getBytes(StandardCharsets.US_ASCII));
        return new Stream(name, s);
    }

    /** Long paced downloads straight to service ports, IPv4 and IPv6: the router's L4 hash spreads them. */
    static List<Stream> streams() throws IOException {
        List<Stream> streams = new ArrayList<>();
        for (int n = 1; n <= 3; n++) {
            for (int j = 0; j < 3; j++) {
                streams.add(open("v4-520" + n + "-" + j, E2eLab.VIP4, 5200 + n));
            }
        }
        streams.add(open("v6-5202", E2eLab.VIP6, 5202));
        streams.add(open("v6-5203", E2eLab.VIP6, 5203));
        streams.forEach(s -> s.thread.start());
        return streams;
    }

    /** New connections, one every 25 ms, to the lab servers' 800N: each must answer "sN". */
    static final class NewConnections implements Runnable {
        final AtomicBoolean stop = new AtomicBoolean();
        final List<Long> setupMicros = Collections.synchronizedList(new ArrayList<>());
        final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        final Thread thread = new Thread(this, "new-connections");

        @Override
        public void run() {
            try {
                lab.inNamespace("client", () -> {
                    int i = 0;
                    while (!stop.get()) {
                        int n = 1 + i++ % 3;
                        long t0 = System.nanoTime();
                        try (Socket s = new Socket()) {
                            s.setSoTimeout(5000);
                            s.connect(new InetSocketAddress(E2eLab.VIP4, 8000 + n), 5000);
                            setupMicros.add((System.nanoTime() - t0) / 1000);
                            s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                            InputStream in = s.getInputStream();
                            String body = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
                            if (!body.endsWith("s" + n + "\n")) {
                                failures.add(":800" + n + " answered " + body.lines().reduce((a, b) -> b).orElse(""));
                            }
                        } catch (IOException e) {
                            failures.add(":800" + n + " " + e);
                        }
                        Thread.sleep(25);
                    }
                    return null;
                });
            } catch (IOException e) {
                failures.add(e.toString());
            }
        }

        String summary() {
            List<Long> s;
            synchronized (setupMicros) {
                s = new ArrayList<>(setupMicros);
            }
            Collections.sort(s);
            long p99 = s.isEmpty() ? 0 : s.get(Math.min(s.size() - 1, (int) Math.ceil(s.size() * 0.99) - 1));
            long max = s.isEmpty() ? 0 : s.get(s.size() - 1);
            return String.format("%d new connections, %d failed, set-up p99 %.1f ms, max %.1f ms", s.size() + failures.size(),
                    failures.size(), p99 / 1000.0, max / 1000.0);
        }
    }

    static int broken(List<Stream> streams, StringBuilder report) {
        int broken = 0;
        long size = (long) STREAM_RATE * STREAM_SECONDS;
        for (Stream s : streams) {
            boolean ok = s.complete && s.error == null && s.contentOk && s.bytes == size;
            if (!ok) {
                broken++;
                report.append(String.format("  BROKEN %-12s %9d bytes%s%n", s.name, s.bytes, s.error == null ? "" : " " + s.error));
            }
        }
        return broken;
    }

    static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    // ---------------------------------------------------------------- (a) SIGKILL under load

    @Test
    @Order(1)
    void aKilledBalancerIsWithdrawnWithinASecondAndBreaksNoConnection() throws Exception {
        List<Stream> streams = streams();
        NewConnections fresh = new NewConnections();
        fresh.thread.setDaemon(true);
        fresh.thread.start();
        Thread.sleep(2000);
        long frames = replicas.metrics(1).get("portredirect_balancer_frames_total", "side", "network");

        long k0 = System.nanoTime();
        // SIGKILL: the kernel removes the link with the process (kill() would first wait for the exit)
        replicas.balancer(1).signal("KILL");
        long withdrawn = awaitHops(1, Duration.ofSeconds(5));
        replicas.balancer(1).kill();
        String after = replicas.routerRoutes();
        // the servers' default routes (no daemon there); in a BGP lab this also disables gw1's sessions
        replicas.replica("out", 1);
        Thread.sleep(1500);
        long r0 = System.nanoTime();
        replicas.startBalancer(1);
        long started = System.nanoTime();
        replicas.replica("in", 1);
        long back = awaitHops(2, Duration.ofSeconds(10));

        for (Stream s : streams) {
            s.thread.join(60_000);
        }
        fresh.stop.set(true);
        fresh.thread.join(10_000);

        StringBuilder report = new StringBuilder();
        int broken = broken(streams, report);
        report.insert(0, String.format("BGP (a) SIGKILL of gw1's balancer under load (dataplane %s): router's route withdrawn %d ms after "
                        + "the kill; re-announced %d ms after the new balancer started and lab.sh replica in 1 (start took %d ms); %d of %d established "
                        + "connections broken; %s; gw1 had forwarded %d network frames%n",
                System.getProperty("portredirect.lab.dataplane", "default"), withdrawn < 0 ? -1 : ms(withdrawn - k0),
                back < 0 ? -1 : ms(back - started), ms(started - r0), broken, streams.size(), fresh.summary(), frames));
        report.append("  router right after the withdraw:\n").append(after.indent(4));
        System.out.print(report);

        assertTrue(withdrawn > 0 && ms(withdrawn - k0) <= WITHDRAW_LIMIT_MS, report + routerState());
        assertTrue(after.contains("198.18.0.3") && !after.contains("198.18.0.1 "), "only gw2 is left:\n" + report);
        assertTrue(back > 0, "gw1 never announced again:\n" + report + routerState());
        assertTrue(frames > 0, "gw1 carried traffic before the kill\n" + report);
        assertEquals(0, broken, report.toString());
        assertEquals(List.of(), fresh.failures, report.toString());
    }

    // ---------------------------------------------------------------- (b) SIGTERM: withdraw first

    @Test
    @Order(2)
    void aStoppedBalancerIsWithdrawnBeforeItsDataplaneGoes() throws Exception {
        List<Stream> streams = streams();
        Thread.sleep(1500);
        LabProcess gw2 = replicas.balancer(2);
        long t0 = System.nanoTime();
        gw2.signal("TERM");                                // a kill(1) process: its own start is part of t0..sent
        long sent = System.nanoTime();
        long withdrawn = awaitHops(1, Duration.ofSeconds(5));
        assertTrue(gw2.awaitExit(Duration.ofSeconds(20)), "gw2's balancer did not stop");
        long exited = System.nanoTime();
        String log = gw2.log();
        replicas.replica("out", 2);
        Thread.sleep(500);
        replicas.startBalancer(2);
        replicas.replica("in", 2);
        long back = awaitHops(2, Duration.ofSeconds(10));
        for (Stream s : streams) {
            s.thread.join(60_000);
        }
        StringBuilder report = new StringBuilder();
        int broken = broken(streams, report);
        report.insert(0, String.format("BGP (b) SIGTERM of gw2's balancer under load: router's route withdrawn %d ms after kill -TERM was started "
                        + "(%d ms after it returned), the balancer exited %d ms after it (--withdraw-delay 300ms); %d of %d "
                        + "established connections broken%n",
                withdrawn < 0 ? -1 : ms(withdrawn - t0), withdrawn < 0 ? -1 : ms(withdrawn - sent), ms(exited - t0), broken,
                streams.size()));
        System.out.print(report);

        assertTrue(withdrawn > 0 && withdrawn < exited, "the route must be gone before the balancer lets go:\n" + report);
        assertTrue(ms(withdrawn - t0) <= WITHDRAW_LIMIT_MS, report.toString());
        int down = log.indexOf("event=announce_link_down");
        int stopped = log.indexOf("event=stopped");
        assertTrue(down >= 0 && down < stopped, "announce_link_down is logged before stopped:\n" + log);
        int nft = log.indexOf("event=nft_removed");
        assertTrue(nft < 0 || down < nft, "the link goes before the nft dataplane:\n" + log);
        assertTrue(back > 0, "gw2 never announced again:\n" + report + routerState());
        assertEquals(0, broken, report.toString());
    }

    // ---------------------------------------------------------------- (c), (d) the box gone, and back

    @Test
    @Order(3)
    void aReplicaBoxGoneIsWithdrawnByBfdAndComesBack() throws Exception {
        assertEquals(2, hops(false), routerState());
        long t0 = System.nanoTime();
        lab.exec("sw", "ip", "link", "set", "gw1", "down");   // gw1's cable: its balancer and BIRD still run
        long withdrawn = awaitHops(1, Duration.ofSeconds(5));
        String after = replicas.routerRoutes();
        Thread.sleep(500);
        long u0 = System.nanoTime();
        lab.exec("sw", "ip", "link", "set", "gw1", "up");
        long back = awaitHops(2, Duration.ofSeconds(20));
        String bird = lab.run("rt", 5, "sh", "-c", "grep -h -i -e bfd -e 'gw1v4' /run/portredirect-lab/" + PREFIX
                + "/bird-rt.log | tail -n 6").output();
        String report = String.format("BGP (c) gw1's switch port down: BFD withdrew the route %d ms later; (d) port up: route back "
                + "after %d ms (BFD up, BGP session re-established)%n  router right after the withdraw:%n%s  router's BIRD log:%n%s",
                withdrawn < 0 ? -1 : ms(withdrawn - t0), back < 0 ? -1 : ms(back - u0), after.indent(4), bird.indent(4));
        System.out.print(report);

        assertTrue(withdrawn > 0 && ms(withdrawn - t0) <= WITHDRAW_LIMIT_MS, report + routerState());
        assertTrue(after.contains("198.18.0.3") && !after.contains("198.18.0.1 "), report);
        assertTrue(back > 0, "gw1 never came back:\n" + report + routerState());
    }
}
