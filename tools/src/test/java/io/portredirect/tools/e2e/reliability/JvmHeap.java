package io.portredirect.tools.e2e.reliability;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The live heap of another JVM (a program the test started with -XX:+UseSerialGC): a full GC with
 * {@code jcmd PID GC.run}, then the old generation's occupancy from {@code jstat -gc PID} (a serial
 * full collection leaves everything live in the old generation). The JDK tools of the test's own
 * runtime are used; they attach through /tmp, which network namespaces share.
 */
final class JvmHeap {
    private JvmHeap() {
    }

    /** Live heap in KiB after a full collection. */
    static double liveKib(long pid) throws IOException, InterruptedException {
        run(tool("jcmd"), Long.toString(pid), "GC.run");
        String out = run(tool("jstat"), "-gc", Long.toString(pid));
        List<String> lines = out.lines().filter(l -> !l.isBlank()).toList();
        if (lines.size() < 2) {
            throw new IOException("jstat -gc " + pid + " printed: " + out);
        }
        String[] head = lines.get(0).trim().split("\\s+");
        String[] vals = lines.get(1).trim().split("\\s+");
        for (int i = 0; i < head.length && i < vals.length; i++) {
            if (head[i].equals("OU")) {
                return Double.parseDouble(vals[i]);
            }
        }
        throw new IOException("no OU column in jstat -gc output: " + out);
    }

    /** Resident set size in KiB from /proc/PID/status. */
    static long rssKib(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS for " + pid);
    }

    private static String tool(String name) {
        Path p = Path.of(System.getProperty("java.home"), "bin", name);
        return Files.isExecutable(p) ? p.toString() : name;
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", cmd));
        }
        String s = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " -> exit " + p.exitValue() + ": " + s);
        }
        return s;
    }
}
