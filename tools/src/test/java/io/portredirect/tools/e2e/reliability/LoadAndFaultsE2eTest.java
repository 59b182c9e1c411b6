package io.portredirect.tools.e2e.reliability;

import java.time.Duration;
import io.portredirect.protocol.lab.Await;
import io.portredirect.protocol.lab.LabExtension;
import io.portredirect.protocol.lab.LabTest;
import io.portredirect.tools.e2e.support.BalancerProcess;
import io.portredirect.tools.e2e.support.BalancerYaml;
import io.portredirect.tools.e2e.support.ClientAgentProcess;
import io.portredirect.tools.e2e.support.ClientAgentYaml;
import io.portredirect.tools.e2e.support.CommandResult;
import io.portredirect.tools.e2e.support.E2eLab;
import io.portredirect.tools.e2e.support.ServerAgentProcess;
import io.portredirect.tools.e2e.support.ServerAgentYaml;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.portredirect.tools.e2e.reliability.ConnectionStream.Attempt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Load and faults through the real programs (the lab with its router: client - rt - gw): balancer in prrl-gw, server agents on s1..s3
 * (redirect port 80 -> service port 800N), two client agents in prrl-client (warm: cache 60 s;
 * cold: no cache, a probe per connection) in front of echo servers that name themselves.
 * <p>
 * {@value #LONG_LIVED} connections opened through the cold agent at the start stay open for the
 * whole class and are pinged every {@value #PING_MILLIS} ms; each test adds a stream of new
 * connections through both agents and a fault, and prints the established connections broken
 * (target 0) and how long new connections were disturbed:
 * load; balancer crash (SIGKILL) and restart; a server removed from the redirect group (config
 * edit + SIGHUP); a server agent restarted; 30 % of the probe packets lost on the client's veth
 * ({@link PacketLoss}: tc, in the egress path libpcap injection takes too). Every load is bounded in
 * count and time.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@LabTest
class LoadAndFaultsE2eTest {
    static final String PREFIX = "prrl";
    @RegisterExtension
    static final LabExtension<E2eLab> LAB = LabExtension.of(() -> E2eLab.up(PREFIX, E2eLab.options().servers(false).router(true), "tc"));
    static final int LONG_LIVED = 50;
    static final int PING_MILLIS = 200;
    static final long LOAD_MILLIS = 20_000;
    static final int STREAM_PAUSE_MILLIS = 20;
    /** Set-up slower than this counts as disturbed (a lost SYN costs the kernel 1 s). */
    static final double SLOW_MILLIS = 900;
    static final InetSocketAddress WARM = new InetSocketAddress("127.0.0.1", 8080);
    static final InetSocketAddress COLD = new InetSocketAddress("127.0.0.1", 8081);
    /** Probe source ports of both agents (PROBE_PORTS: the range {@link PacketLoss} drops from and to). */
    static final String WARM_PROBE_PORTS = "61440-61503";
    static final String COLD_PROBE_PORTS = "61504-61567";
    static final String PROBE_PORTS = "61440-61567";

    static E2eLab lab;
    static EchoServers echo;
    static BalancerProcess balancer;
    static List<ServerAgentProcess> serverAgents = new ArrayList<>();
    static ClientAgentProcess warm;
    static ClientAgentProcess cold;
    static LongLivedConnections longLived;

    @BeforeAll
    static void up(E2eLab fixture) throws Exception {
        lab = fixture;
        echo = EchoServers.start(lab);
        balancer = lab.startBalancer(BalancerYaml.lab(), "--no-watch");
        for (int n = 1; n <= 3; n++) {
            serverAgents.add(lab.launchServerAgent(n, ServerAgentYaml.forServer(n)));
        }
        warm = lab.launchClientAgent("warm", "client", ClientAgentYaml.builderForLab(WARM.getPort()).sourcePorts(WARM_PROBE_PORTS).build());
        cold = lab.launchClientAgent("cold", "client",
                ClientAgentYaml.builderForLab(COLD.getPort()).sourcePorts(COLD_PROBE_PORTS).cacheTtl("0s").build());
        for (ServerAgentProcess s : serverAgents) {
            s.awaitReady();
        }
        warm.awaitReady();
        cold.awaitReady();
        // through the cold agent: each probed on its own, so they spread over s1..s3 by weight
        longLived = LongLivedConnections.open(lab, COLD, LONG_LIVED);
        longLived.startPinging(PING_MILLIS);
    }

    @AfterAll
    static void down() throws Exception {
        if (longLived != null) {
            longLived.close();
        }
        if (echo != null) {
            echo.close();
        }
    }

    /** Streams through both agents for {@code millis} at most. */
    private static List<ConnectionStream> streams(long millis) {
        return List.of(ConnectionStream.start(lab, "warm", WARM, STREAM_PAUSE_MILLIS, 2000, millis),
                ConnectionStream.start(lab, "cold", COLD, STREAM_PAUSE_MILLIS, 2000, millis));
    }

    private static List<Attempt> stop(List<ConnectionStream> streams) throws InterruptedException {
        List<Attempt> all = new ArrayList<>();
        for (ConnectionStream s : streams) {
            all.addAll(s.stop());
        }
        return all;
    }

    private String diag() {
        return "\nbroken: " + longLived.brokenDetails() + "\n" + lab.diagnostics();
    }

    @Test
    @Order(1)
    void loadLongLivedAndNewConnections() throws Exception {
        List<ConnectionStream> s = streams(LOAD_MILLIS);
        List<Attempt> warmRun = s.get(0).awaitEnd();
        List<Attempt> coldRun = s.get(1).awaitEnd();
        List<Attempt> all = new ArrayList<>(warmRun);
        all.addAll(coldRun);
        longLived.awaitFreshRound(LongLivedConnections.BREAK_MILLIS);

        Stats.figure("load", "%d long-lived connections %s open for %.0f s, %d ping rounds: broken %d; %d new connections "
                        + "(warm agent %d, cold agent %d): completed %d, failed %d; set-up p50/p99 warm %.1f/%.1f ms, cold %.1f/%.1f ms; "
                        + "long-lived set-up p50/p99 %.1f/%.1f ms; new connections by server %s",
                longLived.opened(), longLived.byServer(), LOAD_MILLIS / 1000.0, longLived.rounds(), longLived.brokenCount(), all.size(),
                warmRun.size(), coldRun.size(), ConnectionStream.completed(all), ConnectionStream.failed(all),
                ConnectionStream.setupMillis(warmRun, 0.5), ConnectionStream.setupMillis(warmRun, 0.99),
                ConnectionStream.setupMillis(coldRun, 0.5), ConnectionStream.setupMillis(coldRun, 0.99),
                Stats.percentileMillis(longLived.setupNanos(), 0.5), Stats.percentileMillis(longLived.setupNanos(), 0.99),
                ConnectionStream.byServer(all));

        assertEquals(0, longLived.brokenCount(), "established connections broken under load" + diag());
        assertEquals(0, ConnectionStream.failed(all), "new connections failed under load:\n" + ConnectionStream.errors(all) + diag());
        assertTrue(warmRun.size() >= 20 && coldRun.size() >= 20, "the streams ran: " + warmRun.size() + " + " + coldRun.size());
        assertTrue(longLived.byServer().size() >= 2, "cold probes spread the long-lived connections: " + longLived.byServer());
        assertTrue(cold.freshStat("probes") >= LONG_LIVED + coldRun.size(), "the cold agent probed every connection");
        assertEquals(0, cold.stat("probe_not_sent") + warm.stat("probe_not_sent"), "every probe was sent");
    }

    @Test
    @Order(2)
    void balancerCrashAndRestart() throws Exception {
        int brokenBefore = longLived.brokenCount();
        List<ConnectionStream> s = streams(40_000);
        Thread.sleep(2000);
        long t0 = System.nanoTime();
        balancer.kill(); // SIGKILL: a crash, nothing runs on the way out
        balancer.start();
        balancer.awaitReady();
        double outage = (System.nanoTime() - t0) / 1e6;
        Thread.sleep(8000);
        List<Attempt> all = stop(s);
        longLived.awaitFreshRound(LongLivedConnections.BREAK_MILLIS);
        int broken = longLived.brokenCount() - brokenBefore;
        double recovery = ConnectionStream.recoveryMillis(all, t0, SLOW_MILLIS);
        List<Attempt> during = ConnectionStream.select(all, a -> a.end() >= t0 && a.start() <= t0 + (long) (outage * 1e6));
        List<Attempt> late = ConnectionStream.select(all, a -> a.start() > t0 + (long) ((recovery + 500) * 1e6));

        Stats.figure("balancer crash+restart", "no balancer for %.0f ms (SIGKILL to ready); %d established connections: broken %d; "
                        + "new connections: %d attempts, %d failed (%d overlapped the outage, slowest %.0f ms), disturbed until %.0f ms after "
                        + "the crash; afterwards %d completed, p50/p99 %.1f/%.1f ms",
                outage, longLived.aliveCount() + broken, broken, all.size(), ConnectionStream.failed(all), during.size(),
                slowestMillis(during), recovery, ConnectionStream.completed(late), ConnectionStream.setupMillis(late, 0.5),
                ConnectionStream.setupMillis(late, 0.99));

        assertEquals(0, broken, "established connections broken by a balancer restart" + diag());
        assertTrue(late.size() >= 10, "new connections were tried after the recovery: " + late.size());
        assertEquals(0, ConnectionStream.failed(late), "new connections fail after the restart:\n" + ConnectionStream.errors(late) + diag());
    }

    private static double slowestMillis(List<Attempt> as) {
        double m = 0;
        for (Attempt a : as) {
            m = Math.max(m, (a.end() - a.start()) / 1e6);
        }
        return m;
    }

    @Test
    @Order(3)
    void serverRemovedFromTheGroup() throws Exception {
        int brokenBefore = longLived.brokenCount();
        int onS3 = longLived.byServer().getOrDefault("s3", 0);
        assertTrue(onS3 >= 1, "some long-lived connections are on s3: " + longLived.byServer());
        List<ConnectionStream> s = streams(30_000);
        Thread.sleep(2000);
        long t0 = System.nanoTime();
        lab.writeBalancerConfig(balancer, BalancerYaml.lab().group(80, "s1", "s2"));
        balancer.reload();
        long reloaded = System.nanoTime();
        Thread.sleep(6000);
        List<Attempt> all = stop(s);
        longLived.awaitFreshRound(LongLivedConnections.BREAK_MILLIS);
        int broken = longLived.brokenCount() - brokenBefore;
        List<Attempt> coldAfter = ConnectionStream.select(s.get(1).attempts(), a -> a.start() > reloaded);
        double recovery = ConnectionStream.recoveryMillis(all, t0, SLOW_MILLIS);

        // put s3 back for the tests that follow
        lab.writeBalancerConfig(balancer, BalancerYaml.lab());
        balancer.reload();

        Stats.figure("server removed", "s3 taken out of redirect port 80's group (edit + SIGHUP, reloaded in %.0f ms); %d established "
                        + "connections (%d on s3): broken %d; new connections: %d attempts, %d failed, disturbed for %.0f ms; "
                        + "cold-agent connections after the reload by server %s",
                (reloaded - t0) / 1e6, longLived.aliveCount() + broken, onS3, broken, all.size(), ConnectionStream.failed(all), recovery,
                ConnectionStream.byServer(coldAfter));

        assertEquals(0, broken, "established connections broken by removing a server from the group" + diag());
        assertEquals(0, ConnectionStream.failed(all), "new connections failed:\n" + ConnectionStream.errors(all) + diag());
        assertTrue(coldAfter.size() >= 10, "cold-agent connections after the reload: " + coldAfter.size());
        assertEquals(0, coldAfter.stream().filter(a -> a.servedBy("s3")).count(),
                "a probe after the reload still reached s3: " + ConnectionStream.byBanner(coldAfter));
    }

    @Test
    @Order(4)
    void serverAgentRestarted() throws Exception {
        int brokenBefore = longLived.brokenCount();
        ServerAgentProcess s2 = serverAgents.get(1);
        cold.settle();
        long notSupported = cold.stat("probe_not_supported");
        long refused = cold.stat("probe_refused");
        List<ConnectionStream> s = streams(40_000);
        Thread.sleep(2000);
        long t0 = System.nanoTime();
        s2.stop(); // SIGTERM: its nft guard goes; s2's kernel answers probe SYNs to port 80 itself
        double stopped = (System.nanoTime() - t0) / 1e6;
        Thread.sleep(1000);
        s2.start();
        s2.awaitReady();
        long ready = System.nanoTime();
        // until a cold-agent connection is redirected to s2 again (bounded)
        Await.holdsWithin(Duration.ofSeconds(15), Duration.ofMillis(50),
                () -> s.get(1).attempts().stream().anyMatch(a -> a.start() > ready && a.banner().equals("s2 8002")));
        Thread.sleep(1000);
        List<Attempt> all = stop(s);
        longLived.awaitFreshRound(LongLivedConnections.BREAK_MILLIS);
        int broken = longLived.brokenCount() - brokenBefore;
        List<Attempt> coldRun = s.get(1).attempts();
        Attempt back = coldRun.stream().filter(a -> a.start() > ready && a.banner().equals("s2 8002")).findFirst().orElse(null);
        List<Attempt> gap = ConnectionStream.select(coldRun, a -> a.start() >= t0 && a.start() <= ready);
        cold.settle();

        Stats.figure("server agent restarted", "s2's agent stopped (%.0f ms) and started again, down %.0f ms; %d established connections: "
                        + "broken %d; new connections: %d attempts, %d failed; cold-agent connections while it was down by landing %s "
                        + "(probes answered without the extension %d, refused %d: plain fallback to VIP:80); redirects to s2 resumed "
                        + "%.0f ms after the stop",
                stopped, (ready - t0) / 1e6, longLived.aliveCount() + broken, broken, all.size(), ConnectionStream.failed(all),
                ConnectionStream.byBanner(gap), cold.stat("probe_not_supported") - notSupported, cold.stat("probe_refused") - refused,
                back == null ? Double.NaN : (back.end() - t0) / 1e6);

        assertEquals(0, broken, "established connections broken by a server agent restart" + diag());
        assertEquals(0, ConnectionStream.failed(all), "new connections failed:\n" + ConnectionStream.errors(all) + diag());
        assertTrue(back != null, "no cold-agent connection was redirected to s2 after its agent came back: "
                + ConnectionStream.byBanner(coldRun) + diag());
    }

    @Test
    @Order(5)
    void probePacketsLost() throws Exception {
        int brokenBefore = longLived.brokenCount();
        cold.settle();
        Map<String, Long> before = cold.stats();
        List<Attempt> all;
        List<Attempt> coldRun;
        String qdisc;
        // the client's link is lossy for probes, both ways: in the router's forwarding path, so nobody is told
        PacketLoss.add(lab, "rt", "up0", "ip and tcp and src portrange " + PROBE_PORTS, 0.30);
        PacketLoss.add(lab, "rt", "down0", "ip and tcp and dst portrange " + PROBE_PORTS, 0.30);
        try {
            List<ConnectionStream> s = streams(12_000);
            all = new ArrayList<>(s.get(0).awaitEnd());
            coldRun = s.get(1).awaitEnd();
            all.addAll(coldRun);
            qdisc = lab.exec("rt", "tc", "-s", "qdisc", "show", "dev", "up0") + lab.exec("rt", "tc", "-s", "qdisc", "show", "dev", "down0");
        } finally {
            PacketLoss.remove(lab, "rt", "up0");
            PacketLoss.remove(lab, "rt", "down0");
        }
        cold.settle();
        Map<String, Long> after = cold.stats();
        longLived.awaitFreshRound(LongLivedConnections.BREAK_MILLIS);
        int broken = longLived.brokenCount() - brokenBefore;
        long probes = after.get("probes") - before.get("probes");
        long syns = after.get("probe_syns") - before.get("probe_syns");
        long timedOut = after.get("probe_timed_out") - before.get("probe_timed_out");
        long fallbacks = after.get("fallbacks") - before.get("fallbacks");
        long lost = PacketLoss.dropped(qdisc);

        Stats.figure("probe loss", "30%% of the probe packets lost each way on the client's link (%d lost): cold agent %d probes, "
                        + "%d probe SYNs (%d retransmitted), %d timed out -> %d plain fallbacks; %d new connections: %d failed, set-up p50/p99 "
                        + "%.1f/%.1f ms; established connections broken %d",
                lost, probes, syns, syns - probes, timedOut, fallbacks, all.size(), ConnectionStream.failed(all),
                ConnectionStream.setupMillis(coldRun, 0.5), ConnectionStream.setupMillis(coldRun, 0.99), broken);

        assertEquals(0, broken, "established connections broken by probe loss" + diag());
        assertEquals(0, ConnectionStream.failed(all), "new connections failed with lossy probes:\n" + ConnectionStream.errors(all) + diag());
        assertTrue(lost > 0 && syns > probes, "probes were lost and retransmitted: " + syns + " SYNs for " + probes + " probes\n" + qdisc);
        assertTrue(fallbacks >= timedOut, "every timed-out probe fell back to VIP:80");
    }

    @Test
    @Order(6)
    void establishedConnectionsSurvivedEverything() throws Exception {
        longLived.awaitFreshRound(LongLivedConnections.BREAK_MILLIS);
        Stats.figure("long-lived total", "%d of %d connections opened before the load alive after load, balancer crash, server removal, "
                        + "server agent restart and probe loss (%d ping rounds)",
                longLived.aliveCount(), longLived.opened(), longLived.rounds());
        assertEquals(longLived.opened(), longLived.aliveCount(), "broken: " + longLived.brokenDetails());
        assertTrue(longLived.rounds() >= 50, "pinged throughout: " + longLived.rounds() + " rounds");
    }
}
