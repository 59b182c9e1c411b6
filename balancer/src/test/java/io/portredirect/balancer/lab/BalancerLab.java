package io.portredirect.balancer.lab;

import io.portredirect.balancer.cli.BalancerCommand;
import io.portredirect.protocol.lab.LabFixture;
import io.portredirect.protocol.lab.LabProcess;
import io.portredirect.protocol.lab.Netns;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lab of {@code testdata/lab/lab.sh} for one test class: brings it up under the class's
 * prefix, runs the real balancer ({@link BalancerCommand} in its own JVM inside {@code PREFIX-gw},
 * on the test runtime class path), small Java probes and tcpdump inside the namespaces, and
 * scrapes the metrics endpoint. {@link #close()} kills what it started (by PID) and tears the lab
 * down, also after a failure. A {@link LabFixture}: a test class gets it from a
 * {@link io.portredirect.protocol.lab.LabExtension}.
 */
final class BalancerLab implements LabFixture {
    static final String VIP4 = "198.18.0.10";
    static final String VIP6 = "2001:2::10";
    static final String CLIENT_IP = "198.18.0.2";
    static final String CLIENT_IP_BEHIND_ROUTER = "198.18.2.2";
    static final String GW_NET_MAC = "02:00:00:00:00:01";
    static final String CLIENT_MAC = "02:00:00:00:00:02";
    static final String METRICS = "http://127.0.0.1:9100/metrics";

    final String prefix;
    final boolean router;
    final Path root;
    final Path work;
    private final Netns netns;
    private int balancerRuns;

    private BalancerLab(String prefix, boolean router) throws IOException {
        this.prefix = prefix;
        this.router = router;
        this.root = projectRoot();
        this.work = Files.createTempDirectory("portredirect-" + prefix + "-");
        this.netns = new Netns(prefix);
    }

    /** Brings the lab up (tearing down leftovers of an earlier run first). Call where the lab can run (LabExtension). */
    static BalancerLab up(String prefix, boolean router) throws IOException {
        BalancerLab lab = new BalancerLab(prefix, router);
        try {
            lab.labScript("up");
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
        return lab;
    }

    private String labScript(String... args) {
        List<String> cmd = new ArrayList<>(List.of("env", "LAB_ROUTER=" + (router ? 1 : 0), "bash",
                root.resolve("testdata/lab/lab.sh").toString()));
        cmd.addAll(List.of(args));
        cmd.add(prefix);
        return Netns.run(cmd.toArray(String[]::new));
    }

    /** lab.sh mode balancer|kernel. */
    void mode(String mode) {
        List<String> cmd = new ArrayList<>(List.of("env", "LAB_ROUTER=" + (router ? 1 : 0), "bash",
                root.resolve("testdata/lab/lab.sh").toString(), "mode", mode, prefix));
        Netns.run(cmd.toArray(String[]::new));
    }

    String ns(String shortName) {
        return prefix + "-" + shortName;
    }

    /** Runs a command in a namespace; throws with its output when it fails. */
    String exec(String shortNs, String... cmd) {
        return netns.exec(ns(shortNs), cmd);
    }

    /** Runs a command in a namespace and returns exit code and output (never throws on failure). */
    Result tryExec(String shortNs, long timeoutSeconds, String... cmd) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns(shortNs)));
        full.addAll(List.of(cmd));
        try {
            Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, new String(out, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }

    record Result(int exit, String output) {
    }

    /** Starts a long-running process in a namespace; killed on close. */
    Process start(String shortNs, List<String> cmd, File log) throws IOException {
        return netns.start(ns(shortNs), cmd, log);
    }

    /** The lab config shipped with the script. */
    Path labConfig() {
        return root.resolve("testdata/lab/balancer.yaml");
    }

    /** Starts the balancer in PREFIX-gw and waits (bounded) until it logs {@code event=started}; stopped on close. */
    LabProcess startBalancer(Path config, String... extra) throws IOException, InterruptedException {
        Path log = work.resolve("balancer-" + (++balancerRuns) + ".log");
        List<String> cmd = new ArrayList<>(javaCommand(BalancerCommand.class));
        cmd.addAll(List.of("run", "--config", config.toString(), "--metrics", "127.0.0.1:9100"));
        if (!List.of(extra).contains("--dataplane")) {
            cmd.addAll(io.portredirect.protocol.lab.LabSupport.balancerDataplaneArgs());
        }
        cmd.addAll(List.of(extra));
        LabProcess p = netns.startProcess("balancer", ns("gw"), cmd, log);
        p.awaitLog("event=started", Duration.ofSeconds(30));
        return p;
    }

    /** The log of the n-th balancer started (1-based). */
    String balancerLog(int n) throws IOException {
        return Files.readString(work.resolve("balancer-" + n + ".log"));
    }

    /** SIGTERM, SIGKILL after 15 s; returns the exit status. */
    static int stop(LabProcess p) throws InterruptedException {
        return p.stop(Duration.ofSeconds(15));
    }

    /** {@code java -cp <test class path> MAIN} with the running JVM's binary. */
    static List<String> javaCommand(Class<?> main) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // surefire runs tests from a manifest-only jar; its real class path is in this property
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return List.of(java, "-XX:+UseSerialGC", "-Xss512k", "-cp", cp, main.getName());
    }

    /** Runs a probe main inside a namespace and returns its result. */
    Result probe(String shortNs, long timeoutSeconds, String... args) {
        List<String> cmd = new ArrayList<>(javaCommand(LabProbe.class));
        cmd.addAll(List.of(args));
        return tryExec(shortNs, timeoutSeconds, cmd.toArray(String[]::new));
    }

    /** Scrapes the balancer's metrics from inside PREFIX-gw. */
    String metrics() {
        Result r = tryExec("gw", 10, "curl", "-s", "-m", "5", METRICS);
        if (r.exit() != 0) {
            throw new IllegalStateException("metrics scrape failed: " + r.output());
        }
        return r.output();
    }

    /** Sum of the samples whose name and labels start with {@code selector}, e.g. {@code x_total{reason="A"}. */
    static long metric(String text, String selector) {
        long sum = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || !line.startsWith(selector)) {
                continue;
            }
            String rest = line.substring(selector.length());
            if (!rest.isEmpty() && rest.charAt(0) != ' ' && rest.charAt(0) != '{' && rest.charAt(0) != ',' && rest.charAt(0) != '}') {
                continue;
            }
            String v = line.substring(line.lastIndexOf(' ') + 1);
            sum += (long) Double.parseDouble(v);
        }
        return sum;
    }

    /** tcpdump on an interface of a namespace, writing a pcap. */
    final class Capture {
        final Path file;
        private final LabProcess tcpdump;

        Capture(String shortNs, String iface, String filter) throws IOException, InterruptedException {
            file = work.resolve("cap-" + shortNs + "-" + System.nanoTime() + ".pcap");
            Path log = work.resolve(file.getFileName() + ".log");
            tcpdump = netns.startProcess("tcpdump", ns(shortNs),
                    List.of("tcpdump", "-i", iface, "-nn", "-U", "-B", "8192", "-w", file.toString(), filter), log);
            tcpdump.awaitLog("listening on", Duration.ofSeconds(10));
        }

        /** Stops the capture and returns tcpdump's one-line decode of every packet. */
        List<String> stop() throws InterruptedException {
            tcpdump.stop(Duration.ofSeconds(10));
            String out = Netns.run("tcpdump", "-nn", "-r", file.toString());
            List<String> lines = new ArrayList<>();
            for (String l : out.split("\n")) {
                if (!l.isBlank() && !l.startsWith("reading from")) {
                    lines.add(l);
                }
            }
            return lines;
        }
    }

    Capture capture(String shortNs, String iface, String filter) throws IOException, InterruptedException {
        return new Capture(shortNs, iface, filter);
    }

    /** Source ports of the IPv4 TCP/UDP packets in tcpdump lines ("IP a.b.c.d.PORT > ..."). */
    static List<Integer> sourcePorts(List<String> lines) {
        Pattern p = Pattern.compile(" IP \\d+\\.\\d+\\.\\d+\\.\\d+\\.(\\d+) > ");
        List<Integer> out = new ArrayList<>();
        for (String l : lines) {
            Matcher m = p.matcher(l);
            if (m.find()) {
                out.add(Integer.parseInt(m.group(1)));
            }
        }
        return out;
    }

    private static Path projectRoot() {
        String prop = System.getProperty("portredirect.root");
        if (prop != null && Files.exists(Path.of(prop, "testdata/lab/lab.sh"))) {
            return Path.of(prop);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("testdata/lab/lab.sh"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find testdata/lab/lab.sh above " + Path.of("").toAbsolutePath());
    }

    @Override
    public void close() {
        try {
            netns.close();
        } finally {
            try {
                labScript("down");
            } catch (RuntimeException e) {
                System.err.println("lab " + prefix + " teardown: " + e.getMessage());
            }
        }
    }
}
