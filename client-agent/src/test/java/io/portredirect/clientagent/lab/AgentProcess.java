package io.portredirect.clientagent.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.function.LongPredicate;

/**
 * The real agent ({@code ClientAgentCommand run}) as a separate JVM inside a lab namespace, with its
 * counters read back from the stats file it writes.
 */
public final class AgentProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path log;
    private final Path stats;

    private AgentProcess(Process process, Path log, Path stats) {
        this.process = process;
        this.log = log;
        this.stats = stats;
    }

    /** Starts the agent with {@code yaml} as its configuration and waits until it serves. */
    public static AgentProcess start(Netns lab, String ns, Path dir, String name, String yaml, List<String> jvmOptions) throws Exception {
        Path config = dir.resolve(name + ".yaml");
        Files.writeString(config, yaml);
        Path log = dir.resolve(name + ".log");
        Path stats = dir.resolve(name + "-stats.json");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.portredirect.clientagent.cli.ClientAgentCommand",
                "run", "--config", config.toString(), "--stats-file", stats.toString(), "--stats-interval", "50ms"));
        Process p = lab.start(ns, cmd, log.toFile());
        AgentProcess a = new AgentProcess(p, log, stats);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!a.log().contains("client agent running")) {
            if (!p.isAlive()) {
                throw new IllegalStateException("agent " + name + " exited with " + p.exitValue() + ":\n" + a.log());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("agent " + name + " did not start:\n" + a.log());
            }
            Thread.sleep(50);
        }
        while (!Files.exists(stats) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return a;
    }

    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** A counter from the latest stats file. */
    public long stat(String key) {
        for (int i = 0; i < 20; i++) {
            try {
                JsonNode n = JSON.readTree(stats.toFile()).path("counters").path(key);
                if (n.isMissingNode()) {
                    throw new IllegalArgumentException("no counter " + key);
                }
                return n.asLong();
            } catch (IOException e) {
                // replaced while reading: retry
            }
        }
        throw new IllegalStateException("cannot read " + stats);
    }

    /** Waits until the stats file has been rewritten a few times, so a baseline read afterwards is current. */
    public void settle() throws InterruptedException {
        Thread.sleep(200);
    }

    /** Waits (up to 5 s) until the counter satisfies {@code ok}; returns its value either way. */
    public long awaitStat(String key, LongPredicate ok) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        long v = stat(key);
        while (!ok.test(v) && System.nanoTime() < deadline) {
            Thread.sleep(25);
            v = stat(key);
        }
        return v;
    }

    /** CPU time (user + system) the agent has used so far, in seconds (from /proc; clock ticks of 1/100 s). */
    public double cpuSeconds() throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // fields after the command: state is index 0, so utime (14th field) is index 11, stime index 12
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    }

    public long pid() {
        return process.pid();
    }

    /** SIGTERM, as an init system would stop it; returns the exit code. */
    public int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
        return process.exitValue();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop();
        }
    }

    /** The log file, e.g. for attaching to a failure message. */
    public File logFile() {
        return log.toFile();
    }
}
