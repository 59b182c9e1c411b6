package io.portredirect.clientagent.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portredirect.protocol.lab.Await;
import io.portredirect.protocol.lab.LabProcess;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * The real agent ({@code ClientAgentCommand run}) as a separate JVM inside a lab namespace, with its
 * counters read back from the stats file it writes. Stopped by PID on {@link #close()}.
 */
public final class AgentProcess extends LabProcess {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Path stats;

    private AgentProcess(String name, String ns, List<String> command, Path log, Path stats) {
        super("agent " + name, ns, command, log);
        this.stats = stats;
    }

    /** Starts the agent with {@code yaml} as its configuration and waits until it serves. */
    public static AgentProcess start(String ns, Path dir, String name, String yaml, List<String> jvmOptions) throws Exception {
        Path config = dir.resolve(name + ".yaml");
        Files.writeString(config, yaml);
        Path stats = dir.resolve(name + "-stats.json");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.portredirect.clientagent.cli.ClientAgentCommand",
                "run", "--config", config.toString(), "--stats-file", stats.toString(), "--stats-interval", "50ms"));
        AgentProcess a = new AgentProcess(name, ns, cmd, dir.resolve(name + ".log"), stats);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        try {
            a.start().awaitLog("client agent running", START_TIMEOUT);
            // the first stats file follows within the same budget; a reader retries if it is late
            Await.holdsWithin(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())), Duration.ofMillis(20), () -> Files.exists(stats));
        } catch (RuntimeException | InterruptedException e) {
            a.close();
            throw e;
        }
        return a;
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
        long[] last = new long[1];
        Await.holdsWithin(Duration.ofSeconds(5), Duration.ofMillis(25), () -> ok.test(last[0] = stat(key)));
        return last[0];
    }

    /** CPU time (user + system) the agent has used so far, in seconds (from /proc; clock ticks of 1/100 s). */
    public double cpuSeconds() throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid()), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // fields after the command: state is index 0, so utime (14th field) is index 11, stime index 12
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    }
}
