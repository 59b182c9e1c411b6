package io.portredirect.tools.e2e.agents;

import io.portredirect.protocol.lab.Await;
import io.portredirect.protocol.lab.LabExtension;
import io.portredirect.protocol.lab.LabProcess;
import io.portredirect.protocol.lab.LabTest;
import io.portredirect.tools.e2e.support.AgentStack;
import io.portredirect.tools.e2e.support.BalancerProcess;
import io.portredirect.tools.e2e.support.BalancerYaml;
import io.portredirect.tools.e2e.support.ClientAgentProcess;
import io.portredirect.tools.e2e.support.CommandResult;
import io.portredirect.tools.e2e.support.E2eLab;
import io.portredirect.tools.e2e.support.Jars;
import io.portredirect.tools.e2e.support.Metrics;
import io.portredirect.tools.e2e.support.ServerAgentProcess;
import io.portredirect.tools.e2e.support.ServerAgentYaml;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Taking servers out of service with the REAL programs (prefix "prib"): {@code redirect-server-agent
 * drain --to Z} moves new connections away while a transfer in flight finishes intact; removing a
 * server from the balancer's redirect group and reloading (SIGHUP) breaks none of the established
 * connections, and new connections go only to the servers left. Client agents in the client
 * namespace: "cached" (TTL 60 s, 127.0.0.1:8080; a drain acts on its cache) and "nocache" (TTL 0,
 * 127.0.0.1:8090; spreads connections over the group). The server agents name service port 810N,
 * where an HTTP server paces what it sends (E2eLab#startHttpServer), so a transfer stays
 * established on the server for its whole length.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@LabTest
class DrainAndRegroupE2eTest {
    @RegisterExtension
    static final LabExtension<E2eLab> LAB = LabExtension.of(() -> E2eLab.up("prib", E2eLab.options(), "curl", "ss"));

    static final int CACHED = 8080;
    static final int NOCACHE = 8090;
    static final int BIG = 4 << 20;
    static final int BIG_RATE = 1 << 20;
    static final int MID_RATE = 256 << 10;
    static final int MID = 3 << 19; // 1.5 MiB: 6 s at MID_RATE

    static E2eLab lab;
    static BalancerProcess balancer;
    static List<ServerAgentProcess> servers;
    static ClientAgentProcess cached;
    static ClientAgentProcess nocache;
    static BalancerYaml config;
    static String bigSha;
    static String midSha;

    @BeforeAll
    static void up(E2eLab fixture) throws Exception {
        lab = fixture;
        bigSha = serveFile("big.bin", BIG);
        midSha = serveFile("mid.bin", MID);
        // service ports 810N: HTTP servers that pace what they send, so transfers stay established on the server
        config = BalancerYaml.lab();
        for (int n = 1; n <= 3; n++) {
            lab.startHttpServer(n, port(n));
            config = config.addServicePort("s" + n, Integer.toString(port(n)));
        }
        AgentStack stack = AgentStack.on(lab)
                .balancer(config)
                .serverAgents(n -> ServerAgentYaml.builderFor(n).servicePorts(List.of(port(n))).build())
                .clientAgent("cached", CACHED, "61000-61099", "60s")
                .clientAgent("nocache", NOCACHE, "62000-62999", "0s")
                .start();
        balancer = stack.balancer();
        servers = stack.servers();
        cached = stack.client("cached");
        nocache = stack.client("nocache");
    }

    /** The paced HTTP server's port on server n, the one its agent names. */
    static int port(int n) {
        return 8100 + n;
    }

    /** Puts the same random file into every lab server's web root; returns its SHA-256. */
    static String serveFile(String name, int size) throws Exception {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        lab.serveFile(name, data);
        return sha256(data);
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    static ServerAgentProcess server(int n) {
        return servers.get(n - 1);
    }

    /** Established connections on server n's service port, as its kernel sees them. */
    static int established(int n) {
        CommandResult r = lab.run("s" + n, 10, "ss", "-Htn", "state", "established", "( sport = :" + port(n) + " )");
        return (int) r.output().lines().filter(l -> !l.isBlank()).count();
    }

    /** curl through a client agent; the server sends at {@code rate} bytes/s. */
    static LabProcess download(String name, int listenPort, String file, int rate) throws Exception {
        Path out = lab.work().resolve(name + ".out");
        return lab.startProcess(name, "client", "curl", "-s", "-S", "-f", "-m", "60", "-o", out.toString(),
                "http://127.0.0.1:" + listenPort + "/" + file + "?rate=" + rate);
    }

    static String downloadedSha(String name) throws Exception {
        Path out = lab.work().resolve(name + ".out");
        return Files.exists(out) ? sha256(Files.readAllBytes(out)) : "(no file)";
    }

    static int waitExit(LabProcess p, Duration timeout) throws Exception {
        return p.awaitExit(timeout) ? p.stop() : -1;
    }

    @Test
    @Order(1)
    void drainMovesNewConnectionsAwayWhileTheTransferInFlightFinishesIntact() throws Exception {
        Http.Reply first = Http.get(lab, "client", "127.0.0.1", CACHED, "/");
        assertTrue(first.ok(), first + "\n" + lab.diagnostics());
        int n = Integer.parseInt(first.body().substring(1));
        int m = n % 3 + 1;
        int z = port(m);
        cached.settle();
        long probes = cached.stat("probes");
        long moves = cached.stat("mid_flow_redirects");

        // a bounded transfer through the agent, pinned on s<n>'s service port (4 MiB at 1 MiB/s)
        LabProcess transfer = download("drain-transfer", CACHED, "big.bin", BIG_RATE);
        Await.holdsWithin(Duration.ofSeconds(5), Duration.ofMillis(50), () -> established(n) >= 1);
        assertEquals(1, established(n), "the transfer is established on s" + n + ":" + port(n));
        Thread.sleep(300);

        List<String> drain = new ArrayList<>(E2eLab.javaJar(Jars.SERVER_AGENT, List.of("drain", "--to", Integer.toString(z),
                "--config", server(n).config().toString())));
        CommandResult r = lab.run("s" + n, 30, drain.toArray(String[]::new));
        boolean inFlight = transfer.isAlive();
        System.out.println("[e2e agents] drain s" + n + " --to " + z + ": " + r.text().replace('\n', ' '));
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.output().contains("1 told to move"), r.output());
        assertTrue(inFlight, "the drain happened while the transfer was in flight");
        long applied = cached.awaitStat("mid_flow_redirects", v -> v > moves);
        assertEquals(moves + 1, applied, () -> "the client agent applied the move; why not, by its counters: ignored "
                + cached.stat("mid_flow_ignored") + ", out of window " + cached.stat("mid_flow_out_of_window") + ", no handshake "
                + cached.stat("mid_flow_no_handshake") + "\n" + cached.currentLog());

        List<Http.Reply> fresh = Http.many(lab, "client", "127.0.0.1", CACHED, 5, 1);
        assertTrue(fresh.stream().allMatch(x -> x.ok() && x.body().equals("s" + m)),
                "new connections go to Z=" + z + " (s" + m + "): " + Http.tally(fresh));
        assertEquals(probes, cached.stat("probes"), "the move needed no probe");

        assertEquals(0, waitExit(transfer, Duration.ofSeconds(20)), "transfer exit status\n" + transfer.log());
        assertEquals(bigSha, downloadedSha("drain-transfer"), "the drained transfer finished intact (4 MiB, same SHA-256)");
        System.out.printf("[e2e agents] drain: transfer on s%d finished intact (4 MiB, SHA-256 equal); 5/5 new connections to s%d%n", n, m);
    }

    @Test
    @Order(2)
    void removingAServerFromTheGroupBreaksNoEstablishedConnection() throws Exception {
        int k = 16;
        List<LabProcess> transfers = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            transfers.add(download("regroup-" + i, NOCACHE, "mid.bin", MID_RATE));
            Thread.sleep(60); // apart, so each connection gets its own probe (concurrent ones share one)
        }
        int[] pinned = new int[4];
        long deadline = System.nanoTime() + Duration.ofSeconds(8).toNanos();
        do {
            Thread.sleep(100);
            for (int n = 1; n <= 3; n++) {
                pinned[n] = established(n);
            }
        } while (pinned[1] + pinned[2] + pinned[3] < k && System.nanoTime() < deadline);
        assertEquals(k, pinned[1] + pinned[2] + pinned[3], "all transfers established: " + Arrays.toString(pinned) + "\n" + lab.diagnostics());
        int removed = 1;
        for (int n = 2; n <= 3; n++) {
            if (pinned[n] > pinned[removed]) {
                removed = n;
            }
        }
        String gone = "s" + removed;
        List<String> remaining = new ArrayList<>(List.of("s1", "s2", "s3"));
        remaining.remove(gone);

        lab.writeBalancerConfig(balancer, config.group(80, remaining.toArray(String[]::new)));
        balancer.reload();
        Metrics m0 = balancer.metrics();
        long aliveAtReload = transfers.stream().filter(LabProcess::isAlive).count();
        Thread.sleep(1200);
        long goneAnswers = server(removed).stats().synAcks();

        List<Http.Reply> fresh = Http.many(lab, "client", "127.0.0.1", NOCACHE, 30, 1);
        Map<String, Integer> tally = Http.tally(fresh);
        assertEquals(30, fresh.stream().filter(Http.Reply::ok).count(), tally + "\n" + Http.failures(fresh));
        assertTrue(!tally.containsKey(gone), "new connections avoid " + gone + ": " + tally);

        int broken = 0;
        StringBuilder why = new StringBuilder();
        for (int i = 0; i < k; i++) {
            int exit = waitExit(transfers.get(i), Duration.ofSeconds(30));
            String sha = downloadedSha("regroup-" + i);
            if (exit != 0 || !sha.equals(midSha)) {
                broken++;
                why.append("regroup-").append(i).append(": exit ").append(exit).append(", sha ").append(sha).append('\n');
            }
        }
        Metrics d = balancer.metrics().minus(m0);
        System.out.printf("[e2e agents] regroup: %d long-lived connections pinned s1=%d s2=%d s3=%d (%d still running at the reload);"
                        + " removed %s from group 80 + SIGHUP; broken = %d; 30 new connections %s; %s got %d packets after the reload%n",
                k, pinned[1], pinned[2], pinned[3], aliveAtReload, gone, broken, tally, gone, d.toServer(gone));
        assertEquals(k, aliveAtReload, "every transfer was still running when the group changed");
        assertEquals(0, broken, why.toString());
        assertTrue(d.toServer(gone) > 0, "the removed server still carried its established connections (service-port rule)\n" + d);
        Thread.sleep(1200);
        assertEquals(goneAnswers, server(removed).stats().synAcks(), "no probe reached " + gone + "'s agent after the reload");
    }
}
