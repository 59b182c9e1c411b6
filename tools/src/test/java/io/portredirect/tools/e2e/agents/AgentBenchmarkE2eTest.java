package io.portredirect.tools.e2e.agents;

import io.portredirect.protocol.lab.Await;
import io.portredirect.protocol.lab.LabExtension;
import io.portredirect.protocol.lab.LabTest;
import io.portredirect.tools.e2e.support.AgentStack;
import io.portredirect.tools.e2e.support.BalancerProcess;
import io.portredirect.tools.e2e.support.ClientAgentProcess;
import io.portredirect.tools.e2e.support.ClientAgentYaml;
import io.portredirect.tools.e2e.support.CommandResult;
import io.portredirect.tools.e2e.support.E2eLab;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portredirect.tools.e2e.support.ServerAgentProcess;
import io.portredirect.tools.e2e.support.ServerAgentYaml;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End-to-end figures through the REAL balancer, server agents and client agents (prefix "pric"),
 * printed side by side, never asserted as speeds (the machine is shared; one noisy run). Set-up:
 * connect + one small HTTP exchange, from the client namespace, via the client agent cold (cache
 * off: a probe per connection), warm (cached: no probe) and directly with the kernel to VIP:Y (the
 * same server's service port through the balancer) and VIP:80 (legacy). Throughput: iperf3 both
 * ways via the agent's splice versus directly to the same server's service port, same balancer.
 */
@LabTest
class AgentBenchmarkE2eTest {
    @RegisterExtension
    static final LabExtension<E2eLab> LAB = LabExtension.of(() -> E2eLab.up("pric", E2eLab.options(), "curl", "iperf3", "ss"));

    static final int CACHED = 8080;
    static final int NOCACHE = 8090;
    static final int ROUNDS = 40;
    static final int WARMUP = 200;
    static final int BULK = 8085;
    static final int IPERF_SECONDS = 3;

    static E2eLab lab;
    static BalancerProcess balancer;
    static ClientAgentProcess cached;
    static ClientAgentProcess nocache;
    static List<ServerAgentProcess> servers;

    @BeforeAll
    static void up(E2eLab fixture) throws Exception {
        lab = fixture;
        AgentStack stack = AgentStack.on(lab)
                .clientAgent("cached", CACHED, "61000-61099", "600s")
                .clientAgent("nocache", NOCACHE, "62000-62999", "0s")
                .start();
        balancer = stack.balancer();
        servers = stack.servers();
        cached = stack.client("cached");
        nocache = stack.client("nocache");
    }

    record Stats(double min, double median, double p90) {
        static Stats of(List<Long> nanos) {
            double[] ms = nanos.stream().mapToDouble(n -> n / 1e6).sorted().toArray();
            return new Stats(ms[0], ms[ms.length / 2], ms[(int) Math.ceil(ms.length * 0.9) - 1]);
        }
    }

    @Test
    void connectionSetUpAndBulkThroughputViaTheAgentVersusDirect() throws Exception {
        Http.Reply first = Http.get(lab, "client", "127.0.0.1", CACHED, "/");
        assertTrue(first.ok(), first + "\n" + lab.diagnostics());
        int n = Integer.parseInt(first.body().substring(1));
        int y = 8000 + n;

        // warm-up: the agents' per-connection code runs once per connection, so it needs a few hundred
        // connections before the JIT has compiled it; then interleaved rounds
        Http.many(lab, "client", "127.0.0.1", CACHED, WARMUP, 2);
        Http.many(lab, "client", "127.0.0.1", NOCACHE, WARMUP, 1);
        Map<String, List<Long>> t = new LinkedHashMap<>();
        for (String k : List.of("agent cold (probe)", "agent warm (cached)", "direct VIP:" + y, "direct VIP:80 (legacy)")) {
            t.put(k, new ArrayList<>());
        }
        for (int round = -10; round < ROUNDS; round++) {
            Http.Reply[] r = {
                Http.get(lab, "client", "127.0.0.1", NOCACHE, "/"),
                Http.get(lab, "client", "127.0.0.1", CACHED, "/"),
                Http.get(lab, "client", E2eLab.VIP4, y, "/"),
                Http.get(lab, "client", E2eLab.VIP4, 80, "/"),
            };
            for (Http.Reply x : r) {
                assertTrue(x.ok(), Arrays.toString(r));
            }
            assertEquals("s" + n, r[1].body());
            assertEquals("s" + n, r[2].body());
            if (round >= 0) {
                int i = 0;
                for (List<Long> l : t.values()) {
                    l.add(r[i++].nanos());
                }
            }
        }
        Stats direct = Stats.of(t.get("direct VIP:" + y));
        StringBuilder out = new StringBuilder("[e2e bench] connection set-up + one small HTTP exchange, " + ROUNDS
                + " rounds each, from the client namespace (ms)\n");
        out.append(String.format("  %-24s %8s %8s %8s %10s%n", "path", "min", "median", "p90", "vs direct"));
        for (Map.Entry<String, List<Long>> e : t.entrySet()) {
            Stats s = Stats.of(e.getValue());
            out.append(String.format("  %-24s %8.3f %8.3f %8.3f %9.2fx%n", e.getKey(), s.min(), s.median(), s.p90(), s.median() / direct.median()));
        }
        Stats cold = Stats.of(t.get("agent cold (probe)"));
        Stats warm = Stats.of(t.get("agent warm (cached)"));
        out.append(String.format("  probe cost (cold - warm, median): %.3f ms; agent hop (warm - direct, median): %.3f ms%n",
                cold.median() - warm.median(), warm.median() - direct.median()));

        System.out.print(out);

        // bulk: iperf3 (not python) at both ends. The server agents now name the iperf3 ports 520N
        // (service ports in the lab config); a third client agent caches VIP:80 -> 520Y, so the
        // iperf3 control and data connections both go to Y via the agent's splice.
        for (ServerAgentProcess p : servers) {
            p.stop();
        }
        for (int s = 1; s <= 3; s++) {
            lab.startProcess("iperf3-s" + s, "s" + s, "iperf3", "-s", "-p", Integer.toString(5200 + s));
        }
        servers = new ArrayList<>();
        for (int s = 1; s <= 3; s++) {
            servers.add(lab.launchServerAgent(s, ServerAgentYaml.builderFor(s).servicePorts(List.of(5200 + s)).build()));
        }
        for (int s = 1; s <= 3; s++) {
            awaitListening("s" + s, 5200 + s);
            servers.get(s - 1).awaitReady();
        }
        ClientAgentProcess bulk = lab.startClientAgent("bulk", "client", ClientAgentYaml.builder().vip(E2eLab.VIP4, "5200-5299")
                .listener("127.0.0.1:" + BULK, E2eLab.VIP4 + ":80").sourcePorts("63000-63099").cacheTtl("600s").build());
        // one short run to learn Y from the agent's probe
        double warmup = iperf("127.0.0.1", BULK, false, 1);
        Matcher m = Pattern.compile("REDIRECTED (\\d+)").matcher(bulk.log());
        assertTrue(m.find(), "the bulk agent probed: " + bulk.log());
        int bulkPort = Integer.parseInt(m.group(1));
        assertEquals(1, bulk.stat("probe_redirected"), "the bulk agent was redirected to an iperf3 port\n" + bulk.log());
        assertTrue(warmup > 0);
        StringBuilder b = new StringBuilder("[e2e bench] iperf3 TCP, " + IPERF_SECONDS + " s per run, Mbit/s (same server s" + (bulkPort - 5200)
                + ", same balancer)\n");
        b.append(String.format("  %-28s %12s %12s %8s%n", "direction", "via agent", "direct", "ratio"));
        for (boolean reverse : new boolean[] {false, true}) {
            double a = iperf("127.0.0.1", BULK, reverse, IPERF_SECONDS);
            double d = iperf(E2eLab.VIP4, bulkPort, reverse, IPERF_SECONDS);
            b.append(String.format("  %-28s %12.0f %12.0f %7.2fx%n", reverse ? "download (server -> client)" : "upload (client -> server)", a, d, a / d));
        }
        System.out.print(b);
    }

    static void awaitListening(String ns, int port) throws InterruptedException {
        Await.until(java.time.Duration.ofSeconds(10), java.time.Duration.ofMillis(50),
                () -> lab.run(ns, 5, "ss", "-Hltn", "sport = :" + port).output().contains(":" + port),
                () -> "iperf3 listens on " + ns + ":" + port);
    }

    /** Mbit/s received in one iperf3 run from the client namespace. */
    static double iperf(String host, int port, boolean reverse, int seconds) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("iperf3", "-c", host, "-p", Integer.toString(port), "-t", Integer.toString(seconds), "-J"));
        if (reverse) {
            cmd.add("-R");
        }
        CommandResult r = lab.run("client", seconds + 20, cmd.toArray(String[]::new));
        assertEquals(0, r.exit(), String.join(" ", cmd) + ": " + r + "\n" + lab.diagnostics());
        JsonNode bps = new ObjectMapper().readTree(r.output()).path("end").path("sum_received").path("bits_per_second");
        assertTrue(bps.isNumber(), r.output());
        return bps.asDouble() / 1e6;
    }
}
