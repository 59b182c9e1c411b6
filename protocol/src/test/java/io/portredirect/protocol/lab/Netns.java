package io.portredirect.protocol.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A lab topology of network namespaces and veth pairs for integration tests. Every namespace it
 * creates carries the caller's prefix and is deleted by {@link #close()} (which also removes the
 * veths inside). Use one per test class, as the {@link LabFixture} of a {@link LabExtension}
 * ({@code LabExtension.of(() -> new Netns("prx"))}), and build the topology in {@code @BeforeAll}.
 */
public final class Netns implements LabFixture {
    private final String prefix;
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final List<LabProcess> labProcesses = new ArrayList<>();

    /** @param prefix short and unique to the test class, e.g. "prb" (interface names max 15 chars) */
    public Netns(String prefix) {
        this.prefix = prefix;
        // a previous run killed mid-way may have left namespaces behind
        for (String ns : list()) {
            if (ns.startsWith(prefix + "-")) {
                runQuiet("ip", "netns", "del", ns);
            }
        }
    }

    /** The full name of a namespace of this lab. */
    public String ns(String shortName) {
        return prefix + "-" + shortName;
    }

    /** Creates a namespace (loopback up). */
    public String create(String shortName) {
        String ns = ns(shortName);
        run("ip", "netns", "add", ns);
        namespaces.add(ns);
        exec(ns, "ip", "link", "set", "lo", "up");
        return ns;
    }

    /**
     * Creates a veth pair between two namespaces, brings both ends up with offloads off and assigns
     * the given addresses (CIDR, may be null).
     */
    public void veth(String nsA, String ifA, String cidrA, String nsB, String ifB, String cidrB) {
        run("ip", "link", "add", ifA, "netns", nsA, "type", "veth", "peer", "name", ifB, "netns", nsB);
        up(nsA, ifA, cidrA);
        up(nsB, ifB, cidrB);
    }

    private void up(String ns, String ifName, String cidr) {
        if (cidr != null) {
            exec(ns, "ip", "addr", "add", cidr, "dev", ifName);
        }
        exec(ns, "ip", "link", "set", ifName, "up");
        // partial TX checksums and super-packets would corrupt what a capture re-injects (DESIGN.md 4)
        exec(ns, "ethtool", "-K", ifName, "gro", "off", "gso", "off", "tso", "off", "tx", "off", "rx", "off");
    }

    /** Runs a command inside a namespace and returns its stdout; throws when it fails. */
    public String exec(String ns, String... cmd) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(cmd));
        return run(full.toArray(String[]::new));
    }

    /**
     * Starts a long-running program inside a namespace as a {@link LabProcess} (its log begins with
     * a run header line; wait with {@link LabProcess#awaitLog}); stopped by PID on close.
     */
    public LabProcess startProcess(String name, String ns, List<String> cmd, Path log) throws IOException {
        LabProcess p = new LabProcess(name, ns, cmd, log);
        labProcesses.add(p);
        return p.start();
    }

    /**
     * Starts a long-running process inside a namespace, its output alone in {@code log} (for tools
     * whose output a test parses whole, e.g. iperf3 -J); it is killed (by PID) on close.
     */
    public Process start(String ns, List<String> cmd, java.io.File log) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(cmd);
        ProcessBuilder pb = new ProcessBuilder(full).redirectErrorStream(true);
        if (log != null) {
            pb.redirectOutput(log);
        } else {
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        }
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    /** MAC address of an interface inside a namespace, as aa:bb:cc:dd:ee:ff. */
    public String mac(String ns, String ifName) {
        return exec(ns, "cat", "/sys/class/net/" + ifName + "/address").trim();
    }

    /** Runs a command and returns stdout; throws IllegalStateException with its output when it fails. */
    public static String run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + String.join(" ", cmd));
            }
            String s = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " -> exit " + p.exitValue() + ": " + s.trim());
            }
            return s;
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", cmd) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void runQuiet(String... cmd) {
        try {
            run(cmd);
        } catch (IllegalStateException ignored) {
            // cleanup of something already gone
        }
    }

    private static List<String> list() {
        List<String> out = new ArrayList<>();
        try {
            for (String line : run("ip", "netns", "list").split("\n")) {
                if (!line.isBlank()) {
                    out.add(line.trim().split("\\s+")[0]);
                }
            }
        } catch (IllegalStateException ignored) {
            // no netns support: nothing to list
        }
        return out;
    }

    @Override
    public void close() {
        for (LabProcess p : labProcesses) {
            try {
                p.stop(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (int i = namespaces.size() - 1; i >= 0; i--) {
            runQuiet("ip", "netns", "del", namespaces.get(i));
        }
        namespaces.clear();
    }
}
