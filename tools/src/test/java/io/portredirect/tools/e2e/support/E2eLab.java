package io.portredirect.tools.e2e.support;

import io.portredirect.protocol.lab.LabFixture;
import io.portredirect.protocol.lab.LabProcess;
import io.portredirect.protocol.io.NetNamespace;
import io.portredirect.protocol.io.RawPort;
import io.portredirect.protocol.lab.LabSupport;
import io.portredirect.protocol.lab.Netns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The lab of {@code testdata/lab/lab.sh} for one end-to-end test class, running the REAL programs
 * from their shaded jars as processes inside the namespaces: the balancer in {@code PREFIX-gw},
 * server agents in {@code PREFIX-s1..s3}, client agents in {@code PREFIX-client} (or an extra
 * namespace). Everything it starts is tracked and stopped by PID on {@link #close()}, which then
 * runs {@code lab.sh down} and removes extra namespaces, also after a failure.
 *
 * <pre>
 * &#64;LabTest
 * class SomeE2eTest {
 *     &#64;RegisterExtension   // skips (one line) without root/netns/libpcap/tools; closed after the class
 *     static final LabExtension&lt;E2eLab&gt; LAB = LabExtension.of(() -&gt; E2eLab.up("pri", E2eLab.options(), "curl"));
 *
 *     &#64;BeforeAll static void up(E2eLab lab) throws Exception {
 *         balancer = lab.startBalancer(BalancerYaml.lab());
 *         lab.startServerAgents();                     // s1..s3 with ServerAgentYaml.forServer(n)
 *         agent = lab.startClientAgent("agent", "client", ClientAgentYaml.forLab(8080));
 *     }
 * }
 * </pre>
 */
public final class E2eLab implements LabFixture {
    /** The lab's VIPs. */
    public static final String VIP4 = "198.18.0.10";
    public static final String VIP6 = "2001:2::10";
    /** The client's address (without LAB_ROUTER; with it, {@link #CLIENT4_BEHIND_ROUTER}). */
    public static final String CLIENT4 = "198.18.0.2";
    public static final String CLIENT4_BEHIND_ROUTER = "198.18.2.2";
    /** Where the balancer serves /metrics and /healthz inside PREFIX-gw. */
    public static final String METRICS = "127.0.0.1:9100";
    /** The lab's MACs (fixed by lab.sh). */
    public static final String GW_NET_MAC = "02:00:00:00:00:01";
    public static final String CLIENT_MAC = "02:00:00:00:00:02";
    /** JVM options for the programs: small heaps and serial GC, the machine is shared. */
    public static final List<String> PROGRAM_JVM = List.of("-XX:+UseSerialGC", "-Xss512k", "-Xmx256m");

    private final String prefix;
    private final Options options;
    private final Path root;
    private final Path work;
    private final Netns netns;
    private final List<LabProcess> processes = new ArrayList<>();
    private final List<RawPort> rawPorts = new ArrayList<>();
    private final List<String> extra = new ArrayList<>();
    private boolean up;

    /** How to bring the lab up. */
    public static final class Options {
        private boolean router;
        private boolean servers = true;
        private final List<String> extraNamespaces = new ArrayList<>();

        /** LAB_ROUTER=1: a router namespace between client and gw (client link MTU 1280). */
        public Options router(boolean v) {
            router = v;
            return this;
        }

        /** LAB_SERVERS=0 when false: no HTTP/UDP servers in s1..s3. */
        public Options servers(boolean v) {
            servers = v;
            return this;
        }

        /** Extra namespaces PREFIX-NAME (empty, loopback up); join them with {@link E2eLab#veth}. */
        public Options extraNamespace(String shortName) {
            extraNamespaces.add(shortName);
            return this;
        }
    }

    public static Options options() {
        return new Options();
    }

    /**
     * Skips the calling test class with a one-line reason unless this host can run the lab (root,
     * ip netns, libpcap) and has the tools (lab.sh's own: nft, ethtool, python3, tcpdump; plus
     * {@code tools}); fails, not skips, when a program jar is missing.
     */
    public static void assumeLab(String... tools) {
        LabSupport.assumeLab();
        for (String t : Stream.concat(Stream.of("nft", "ethtool", "python3", "tcpdump"), Arrays.stream(tools)).toList()) {
            LabSupport.assumeTool(t);
        }
        Jars.requireAll();
    }

    private E2eLab(String prefix, Options options) throws IOException {
        this.prefix = prefix;
        this.options = options;
        this.root = Jars.root();
        this.work = Files.createTempDirectory("portredirect-e2e-" + prefix + "-");
        this.netns = new Netns(prefix); // also removes leftovers PREFIX-* of a killed earlier run
    }

    /**
     * {@link #assumeLab} with {@code tools}, then {@link #up(String, Options)}: the factory of a
     * {@link io.portredirect.protocol.lab.LabExtension}.
     */
    public static E2eLab up(String prefix, Options options, String... tools) throws IOException {
        assumeLab(tools);
        return up(prefix, options);
    }

    /** Brings the lab up under {@code prefix} (1-8 lower-case letters/digits). Call after {@link #assumeLab}. */
    public static E2eLab up(String prefix, Options options) throws IOException {
        E2eLab lab = new E2eLab(prefix, options);
        try {
            lab.labScript("up");
            lab.up = true;
            for (String x : options.extraNamespaces) {
                lab.extra.add(lab.netns.create(x));
            }
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
        return lab;
    }

    private String labScript(String... args) {
        List<String> cmd = new ArrayList<>(List.of("env", "LAB_ROUTER=" + (options.router ? 1 : 0),
                "LAB_SERVERS=" + (options.servers ? 1 : 0), "bash", root.resolve("testdata/lab/lab.sh").toString()));
        cmd.addAll(List.of(args));
        cmd.add(prefix);
        return Netns.run(cmd.toArray(String[]::new));
    }

    /** {@code lab.sh mode balancer|kernel}: kernel = gw routes the VIP to s1 itself (stop the balancer first). */
    public void mode(String mode) {
        labScript("mode", mode);
    }

    /** The address of server {@code n} (1..3) on its link, e.g. 198.18.13.2. */
    public static String serverAddress(int n) {
        return "198.18.1" + n + ".2";
    }

    /** The client's IPv4 address in this lab. */
    public String clientAddress() {
        return options.router ? CLIENT4_BEHIND_ROUTER : CLIENT4;
    }

    public String prefix() {
        return prefix;
    }

    /** The full namespace name: {@code ns("gw")} is PREFIX-gw. */
    public String ns(String shortName) {
        return prefix + "-" + shortName;
    }

    /** The repository root. */
    public Path root() {
        return root;
    }

    /** This lab's scratch directory (configs, logs, pcaps); removed on close unless -Dportredirect.e2e.keep=true. */
    public Path work() {
        return work;
    }

    /** The namespace helper (veths between extra namespaces and lab ones: {@link #veth}). */
    public Netns netns() {
        return netns;
    }

    /** A veth pair between two namespaces (short names), offloads off, addresses in CIDR (may be null). */
    public void veth(String shortA, String ifA, String cidrA, String shortB, String ifB, String cidrB) {
        netns.veth(ns(shortA), ifA, cidrA, ns(shortB), ifB, cidrB);
    }

    /** Runs a command in a namespace; returns stdout, throws with the output when it fails. */
    public String exec(String shortNs, String... cmd) {
        return netns.exec(ns(shortNs), cmd);
    }

    /** Runs a command in a namespace; never throws for a failing command; killed (by PID) after the timeout. */
    public CommandResult run(String shortNs, long timeoutSeconds, String... cmd) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns(shortNs)));
        full.addAll(List.of(cmd));
        Path out = null;
        try {
            out = Files.createTempFile(work, "cmd-", ".out");
            Process p = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                return new CommandResult(-1, Files.readString(out, StandardCharsets.UTF_8) + "\n(timed out after " + timeoutSeconds + " s)");
            }
            return new CommandResult(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new CommandResult(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new CommandResult(-1, "interrupted");
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // scratch
                }
            }
        }
    }

    /** {@code sh -c script} in a namespace. */
    public CommandResult sh(String shortNs, long timeoutSeconds, String script) {
        return run(shortNs, timeoutSeconds, "sh", "-c", script);
    }

    /** Runs {@code task} on a thread inside the namespace: sockets it opens belong there (NetNamespace). */
    public <T> T inNamespace(String shortNs, Callable<T> task) throws IOException {
        return NetNamespace.call(ns(shortNs), task);
    }

    /** Writes a file into the work directory atomically (a watched config never sees half a file). */
    public Path writeFile(String name, String text) throws IOException {
        Path f = work.resolve(name);
        Path tmp = work.resolve("." + name + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return f;
    }

    /** {@code java [PROGRAM_JVM] -jar JAR args...} with the test JVM's java binary. */
    public static List<String> javaJar(String jar, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(PROGRAM_JVM);
        cmd.add("-jar");
        cmd.add(Jars.require(jar).toString());
        cmd.addAll(args);
        return cmd;
    }

    private synchronized <P extends LabProcess> P track(P p) {
        processes.add(p);
        return p;
    }

    /** Starts any long-running command in a namespace (tracked, stopped on close). */
    public LabProcess startProcess(String name, String shortNs, String... cmd) throws IOException {
        LabProcess p = track(new LabProcess(name, ns(shortNs), List.of(cmd), work.resolve(name + ".log")));
        return p.start();
    }

    /** The web root lab.sh's HTTP servers (and {@link #startHttpServer}) serve for server {@code n}; index.html says "sN". */
    public Path webRoot(int n) {
        return Path.of("/run/portredirect-lab", prefix, "www-s" + n);
    }

    /** Puts the same file into every server's web root (e.g. a payload for transfers). */
    public void serveFile(String name, byte[] data) throws IOException {
        for (int n = 1; n <= 3; n++) {
            Files.write(webRoot(n).resolve(name), data);
        }
    }

    /**
     * Starts another HTTP/1.0 server in PREFIX-sN on {@code port} (dual stack, threads, backlog 128)
     * serving {@link #webRoot}; {@code GET /FILE?rate=B} sends at most B bytes/s, paced by the
     * server, so a transfer stays established on the server for size/B seconds whatever the
     * client's buffers (curl --limit-rate only paces the reader, and kernels buffer megabytes).
     * Put {@code port} in the balancer's and the server agent's service ports to use it.
     */
    public LabProcess startHttpServer(int n, int port) throws IOException, InterruptedException {
        Path script = work.resolve("paced_http.py");
        if (!Files.exists(script)) {
            writeFile("paced_http.py", PACED_HTTP);
        }
        LabProcess p = startProcess("http-" + port + "-s" + n, "s" + n, "python3", script.toString(), Integer.toString(port),
                webRoot(n).toString());
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
        while (!run("s" + n, 5, "ss", "-Hltn", "sport = :" + port).output().contains(":" + port)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("HTTP server on s" + n + ":" + port + " did not start:\n" + p.log());
            }
            Thread.sleep(50);
        }
        return p;
    }

    private static final String PACED_HTTP = """
            # HTTP/1.0 file server for the e2e lab: GET /FILE?rate=BYTES_PER_SECOND paces the sending side.
            import functools, http.server, socket, sys, time, urllib.parse

            class Handler(http.server.SimpleHTTPRequestHandler):
                def copyfile(self, src, dst):
                    q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
                    rate = int(q.get("rate", ["0"])[0])
                    if rate <= 0:
                        return super().copyfile(src, dst)
                    start, sent = time.monotonic(), 0
                    while True:
                        chunk = src.read(16384)
                        if not chunk:
                            return
                        dst.write(chunk)
                        sent += len(chunk)
                        ahead = sent / rate - (time.monotonic() - start)
                        if ahead > 0:
                            time.sleep(ahead)

                def log_message(self, *args):
                    pass

            class Server(http.server.ThreadingHTTPServer):
                address_family = socket.AF_INET6
                request_queue_size = 128
                daemon_threads = True

            Server(("::", int(sys.argv[1])), functools.partial(Handler, directory=sys.argv[2])).serve_forever()
            """;

    /** Writes {@code config} and starts the real balancer in PREFIX-gw; waits until it is ready. */
    public BalancerProcess startBalancer(BalancerYaml config, String... extraArgs) throws IOException, InterruptedException {
        Path file = writeFile("balancer.yaml", config.yaml());
        List<String> args = new ArrayList<>(List.of("run", "--config", file.toString(), "--metrics", METRICS));
        args.addAll(io.portredirect.protocol.lab.LabSupport.balancerDataplaneArgs());
        args.addAll(List.of(extraArgs));
        BalancerProcess b = track(new BalancerProcess(ns("gw"), javaJar(Jars.BALANCER, args), work.resolve("balancer.log"), file, METRICS));
        b.start();
        try {
            return b.awaitReady();
        } catch (IllegalStateException e) {
            b.stop();
            throw e;
        }
    }

    /** Rewrites the running balancer's config file (atomically); follow with {@link BalancerProcess#reload()}. */
    public void writeBalancerConfig(BalancerProcess b, BalancerYaml config) throws IOException {
        writeFile(b.config().getFileName().toString(), config.yaml());
    }

    /** Starts the real server agent in PREFIX-sN (not waiting; extra arguments after {@code run --config F}); call {@link ServerAgentProcess#awaitReady()}. */
    public ServerAgentProcess launchServerAgent(int n, ServerAgentYaml config, String... extraArgs) throws IOException {
        Path file = writeFile("server-agent-s" + n + ".yaml", config.yaml());
        List<String> args = new ArrayList<>(List.of("run", "--config", file.toString()));
        args.addAll(List.of(extraArgs));
        ServerAgentProcess p = track(new ServerAgentProcess(n, ns("s" + n),
                javaJar(Jars.SERVER_AGENT, args), work.resolve("server-agent-s" + n + ".log"), file));
        p.start();
        return p;
    }

    /** Starts and waits for the real server agent in PREFIX-sN. */
    public ServerAgentProcess startServerAgent(int n, ServerAgentYaml config) throws IOException, InterruptedException {
        return launchServerAgent(n, config).awaitReady();
    }

    /** Starts the agents of s1..s3 with the lab defaults ({@link ServerAgentYaml#forServer}), in parallel; index 0 is s1. */
    public List<ServerAgentProcess> startServerAgents() throws IOException, InterruptedException {
        List<ServerAgentProcess> out = new ArrayList<>();
        for (int n = 1; n <= 3; n++) {
            out.add(launchServerAgent(n, ServerAgentYaml.forServer(n)));
        }
        for (ServerAgentProcess p : out) {
            p.awaitReady();
        }
        return out;
    }

    /** Starts the real client agent {@code name} in a namespace (e.g. "client"), stats every 100 ms; waits until it serves. */
    public ClientAgentProcess startClientAgent(String name, String shortNs, ClientAgentYaml config) throws IOException, InterruptedException {
        return launchClientAgent(name, shortNs, config).awaitReady();
    }

    /** As {@link #startClientAgent} without waiting. */
    public ClientAgentProcess launchClientAgent(String name, String shortNs, ClientAgentYaml config, String... extraArgs) throws IOException {
        Path file = writeFile(name + ".yaml", config.yaml());
        Path stats = work.resolve(name + "-stats.json");
        List<String> args = new ArrayList<>(List.of("run", "--config", file.toString(), "--stats-file", stats.toString(), "--stats-interval", "100ms"));
        args.addAll(List.of(extraArgs));
        ClientAgentProcess p = track(new ClientAgentProcess(name, ns(shortNs), javaJar(Jars.CLIENT_AGENT, args),
                work.resolve(name + ".log"), file, stats, config));
        p.start();
        return p;
    }

    /** Starts {@code tcpdump -w} on an interface of a namespace with a BPF filter; returns once it listens. */
    public Capture capture(String shortNs, String iface, String filter) throws IOException, InterruptedException {
        Path file = Capture.fileIn(work, shortNs, iface);
        LabProcess p = track(new LabProcess("tcpdump-" + file.getFileName(), ns(shortNs),
                List.of("tcpdump", "-i", iface, "-nn", "-U", "--immediate-mode", "-B", "8192", "-w", file.toString(), filter),
                work.resolve(file.getFileName() + ".log")));
        p.start();
        Capture c = new Capture(p, file);
        c.awaitListening();
        return c;
    }

    /** A live capture-and-inject port opened inside a namespace (closed with the lab). */
    public RawPort rawPort(String shortNs, String iface, String filter, RawPort.Direction direction) throws IOException {
        RawPort port = inNamespace(shortNs, () -> RawPort.open(iface, filter, direction));
        synchronized (this) {
            rawPorts.add(port);
        }
        return port;
    }

    /** The last lines of every process log: attach to failure messages. */
    @Override
    public synchronized String diagnostics() {
        StringBuilder sb = new StringBuilder("work directory " + work + "\n");
        for (LabProcess p : processes) {
            if (p.name().startsWith("tcpdump")) {
                continue;
            }
            List<String> lines = p.log().lines().toList();
            sb.append("--- ").append(p).append(", last lines of ").append(p.logFile()).append('\n');
            for (String l : lines.subList(Math.max(0, lines.size() - 15), lines.size())) {
                sb.append(l).append('\n');
            }
        }
        return sb.toString();
    }

    /** Stops everything it started (by PID, newest first), tears the lab down, removes the work directory. */
    @Override
    public void close() {
        List<LabProcess> ps;
        synchronized (this) {
            ps = new ArrayList<>(processes);
        }
        for (int i = ps.size() - 1; i >= 0; i--) {
            try {
                ps.get(i).stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                System.err.println("e2e lab " + prefix + ": stopping " + ps.get(i).name() + ": " + e);
            }
        }
        for (RawPort p : rawPorts) {
            p.close();
        }
        try {
            netns.close();
        } finally {
            if (up) {
                try {
                    labScript("down");
                } catch (RuntimeException e) {
                    System.err.println("e2e lab " + prefix + " teardown: " + e.getMessage());
                }
            }
            if (!Boolean.getBoolean("portredirect.e2e.keep")) {
                deleteTree(work);
            } else {
                System.err.println("e2e lab " + prefix + ": kept " + work);
            }
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("cannot remove " + dir + ": " + e.getMessage());
        }
    }
}
