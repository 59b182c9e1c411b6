package io.portredirect.clientagent.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portredirect.protocol.io.NetNamespace;
import io.portredirect.protocol.lab.LabSupport;
import io.portredirect.protocol.lab.Netns;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A lab benchmark (a main, not a test; prints figures, asserts nothing): connection set-up time
 * through the agent cold (every connection probes: cache TTL 0), warm (cached) and a direct kernel
 * connect to VIP:service-port; then bulk throughput with iperf3 through the splice and direct.
 * Set-up time is connect() until the first byte the server sends on accept has arrived, so both
 * paths measure a complete handshake with the server. Run as root:
 * <pre>
 *   java -cp client-agent/target/classes:client-agent/target/test-classes:$(cat cp.txt) \
 *        io.portredirect.clientagent.lab.ClientAgentBench [connections, default 300] [iperf-seconds, default 3]
 * </pre>
 */
public final class ClientAgentBench {
    static final InetAddress VIP = ClientAgentLabTest.addr("198.18.53.10");
    static final int PAIRS = 6;

    private ClientAgentBench() {
    }

    static String config(String probePorts, String ttl, int listen, int redirectPort, int listen2, int redirectPort2) {
        return """
                probe:
                  interface: prcb-c0
                  source-ports: %s
                  timeout: 200ms
                  retries: 2
                cache:
                  ttl: %s
                vips:
                  - address: 198.18.53.10
                    service-ports: 20000-20099
                listeners:
                  - {listen: 127.0.0.1:%d, target: 198.18.53.10:%d}
                  - {listen: 127.0.0.1:%d, target: 198.18.53.10:%d}
                """.formatted(probePorts, ttl, listen, redirectPort, listen2, redirectPort2);
    }

    public static void main(String[] args) throws Exception {
        String why = LabSupport.whyNot();
        if (why != null) {
            System.out.println("SKIPPED: " + why);
            return;
        }
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path dir = Files.createTempDirectory("prcb");
        try (Netns lab = new Netns("prcb")) {
            String cli = lab.create("cli");
            String srv = lab.create("srv");
            lab.veth(cli, "prcb-c0", "198.18.52.1/24", srv, "prcb-s0", "198.18.52.2/24");
            lab.exec(srv, "ip", "addr", "add", "198.18.53.10/32", "dev", "lo");
            lab.exec(cli, "ip", "route", "add", "198.18.53.10/32", "via", "198.18.52.2");
            lab.start(srv, List.of("iperf3", "-s", "-B", "198.18.53.10", "-p", "20002"), dir.resolve("iperf3-server.log").toFile());
            try (LabServers servers = new LabServers(srv, VIP).firstByte(20001);
                 StubResponder stub = new StubResponder(srv, "prcb-s0", VIP, Map.of(80, 20001, 90, 20002), Set.of(), Set.of(), Map.of(),
                         Set.of(), "61000-61199").start();
                 AgentProcess cold = AgentProcess.start(cli, dir, "cold", config("61000-61099", "0s", 7080, 80, 7090, 90), List.of());
                 AgentProcess warm = AgentProcess.start(cli, dir, "warm", config("61100-61199", "60s", 8080, 80, 8090, 90), List.of())) {
                System.out.printf("client agent lab benchmark: %d connections per case, iperf3 %d s; %d cores%n", n, seconds,
                        Runtime.getRuntime().availableProcessors());
                // warm up all three paths (JIT in the agents and here)
                setup(cli, new InetSocketAddress(VIP, 20001), 50);
                setup(cli, new InetSocketAddress("127.0.0.1", 7080), 50);
                setup(cli, new InetSocketAddress("127.0.0.1", 8080), 50);
                long probesBefore = cold.stat("probes");
                long warmProbesBefore = warm.stat("probes");
                double[] direct = setup(cli, new InetSocketAddress(VIP, 20001), n);
                double[] coldT = setup(cli, new InetSocketAddress("127.0.0.1", 7080), n);
                double[] warmT = setup(cli, new InetSocketAddress("127.0.0.1", 8080), n);
                System.out.println();
                System.out.println("connection set-up (connect -> first server byte), microseconds");
                System.out.printf("  %-34s %8s %8s %8s %8s%n", "path", "median", "p90", "p99", "mean");
                row("direct kernel connect VIP:20001", direct);
                row("agent warm (cached, no probe)", warmT);
                row("agent cold (probe every time)", coldT);
                System.out.printf("  probes sent: cold agent %d, warm agent %d (for %d connections each)%n",
                        cold.awaitStat("probes", v -> v >= probesBefore + n) - probesBefore, warm.stat("probes") - warmProbesBefore, n);
                System.out.printf("  added by the agent: warm %+.0f us, cold %+.0f us (median vs direct)%n",
                        median(warmT) - median(direct), median(coldT) - median(direct));

                System.out.println();
                System.out.println("bulk throughput, iperf3 -t " + seconds + ", Gbit/s; " + PAIRS
                        + " back-to-back pairs per direction, order alternating, so load drift on a shared machine hits both sides");
                double cpu = 0;
                long bytes = 0;
                for (boolean reverse : new boolean[] {false, true}) {
                    List<Double> d = new ArrayList<>();
                    List<Double> s = new ArrayList<>();
                    List<Double> ratio = new ArrayList<>();
                    for (int round = 0; round < PAIRS; round++) {
                        double plain;
                        double spliced;
                        double c0 = warm.cpuSeconds();
                        long b0 = warm.stat(reverse ? "bytes_down" : "bytes_up");
                        if (round % 2 == 0) {
                            plain = iperf(cli, "198.18.53.10", 20002, seconds, reverse);
                            spliced = iperf(cli, "127.0.0.1", 8090, seconds, reverse);
                        } else {
                            spliced = iperf(cli, "127.0.0.1", 8090, seconds, reverse);
                            plain = iperf(cli, "198.18.53.10", 20002, seconds, reverse);
                        }
                        if (!reverse) {
                            warm.settle();
                            cpu += warm.cpuSeconds() - c0;
                            bytes += warm.stat("bytes_up") - b0;
                        }
                        d.add(plain);
                        s.add(spliced);
                        ratio.add(spliced / plain);
                    }
                    double[] r = ratio.stream().mapToDouble(Double::doubleValue).toArray();
                    System.out.printf("  %s%n", reverse ? "server -> client (iperf3 -R)" : "client -> server");
                    System.out.printf("    direct kernel  : %s%n", fmt(d));
                    System.out.printf("    through splice : %s%n", fmt(s));
                    System.out.printf("    splice / direct per pair: %s  median %.0f%%%n",
                            ratio.stream().map(x -> String.format("%.0f%%", 100 * x)).toList(), 100 * median(r));
                }
                System.out.printf("  agent CPU while splicing client -> server: %.2f s per GB (user + system, softirq work included)%n",
                        cpu / (bytes / 1e9));
                System.out.printf("  spliced bytes counted by the warm agent: up %d MB, down %d MB%n",
                        warm.stat("bytes_up") >> 20, warm.stat("bytes_down") >> 20);
            }
        } finally {
            for (Path p : Files.list(dir).toList()) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        }
    }

    static String fmt(List<Double> v) {
        return v.stream().map(x -> String.format("%.2f", x)).toList().toString();
    }

    static void row(String name, double[] us) {
        double[] s = us.clone();
        Arrays.sort(s);
        System.out.printf("  %-34s %8.0f %8.0f %8.0f %8.0f%n", name, s[s.length / 2], s[(int) (s.length * 0.9)],
                s[Math.min(s.length - 1, (int) (s.length * 0.99))], Arrays.stream(s).average().orElse(0));
    }

    static double median(double[] us) {
        double[] s = us.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    /** Opens {@code n} connections one after another inside the client namespace; microseconds each. */
    static double[] setup(String ns, InetSocketAddress to, int n) throws Exception {
        return NetNamespace.call(ns, () -> {
            double[] out = new double[n];
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                try (Socket s = new Socket()) {
                    s.setSoTimeout(5000);
                    s.connect(to, 5000);
                    InputStream in = s.getInputStream();
                    if (in.read() != 'x') {
                        throw new IllegalStateException("unexpected first byte via " + to);
                    }
                    out[i] = (System.nanoTime() - t0) / 1000.0;
                }
            }
            return out;
        });
    }

    static double iperf(String ns, String host, int port, int seconds, boolean reverse) throws Exception {
        return reverse
                ? iperfRun(ns, seconds, "iperf3", "-c", host, "-p", Integer.toString(port), "-t", Integer.toString(seconds), "-R", "-J")
                : iperfRun(ns, seconds, "iperf3", "-c", host, "-p", Integer.toString(port), "-t", Integer.toString(seconds), "-J");
    }

    static double iperfRun(String ns, int seconds, String... cmd) throws Exception {
        ClientAgentLabTest.Result r = ClientAgentLabTest.run(ns, cmd);
        JsonNode j = new ObjectMapper().readTree(r.out());
        JsonNode bps = j.path("end").path("sum_received").path("bits_per_second");
        if (bps.isMissingNode()) {
            throw new IllegalStateException("iperf3 failed: " + r.out());
        }
        return bps.asDouble() / 1e9;
    }
}
