package io.portredirect.protocol.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One long-running process the test started inside a lab namespace ({@code ip netns exec NS cmd},
 * which execs, so the PID is the program's own). Output goes to a log file that survives restarts
 * (appended); log waits look only at what the current run wrote and stop early when the process
 * died. Stopped by PID only: SIGTERM, then SIGKILL after a grace period. The base of every
 * module's program wrapper (balancer, server agent, client agent, tcpdump).
 */
public class LabProcess implements AutoCloseable {
    private static final int TAIL_LINES = 80;
    private static final Duration STOP_GRACE = Duration.ofSeconds(20);

    private final String name;
    private final String ns;
    private final List<String> command;
    private final Path log;
    private volatile Process process;
    private volatile long logStart;
    private int runs;

    /** Not started yet: {@link #start()} it. {@code ns} is the full namespace name, {@code log} the file to append to. */
    public LabProcess(String name, String ns, List<String> command, Path log) {
        this.name = name;
        this.ns = ns;
        this.command = List.copyOf(command);
        this.log = log;
    }

    /** Starts (or starts again after a stop/kill): the log is appended to, marked with a separator line. */
    public synchronized LabProcess start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running (pid " + process.pid() + ")");
        }
        runs++;
        Files.writeString(log, (runs > 1 ? "\n" : "") + "=== " + name + " run " + runs + ": " + String.join(" ", command) + "\n",
                StandardCharsets.UTF_8, Files.exists(log) ? java.nio.file.StandardOpenOption.APPEND : java.nio.file.StandardOpenOption.CREATE);
        logStart = Files.size(log);
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(command);
        process = new ProcessBuilder(full).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        return this;
    }

    public String name() {
        return name;
    }

    /** Full name of the namespace it runs in. */
    public String namespace() {
        return ns;
    }

    public long pid() {
        return process.pid();
    }

    /** The exit status of the last run; fails while it runs or before it started. */
    public int exitCode() {
        Process p = process;
        if (p == null || p.isAlive()) {
            throw new IllegalStateException(name + " has not exited");
        }
        return p.exitValue();
    }

    /** Waits up to {@code timeout} for the current run to end by itself; whether it did. */
    public boolean awaitExit(Duration timeout) throws InterruptedException {
        Process p = process;
        return p == null || p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean isAlive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    public Path logFile() {
        return log;
    }

    /** Everything logged by all runs. */
    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** What the current (latest) run logged. */
    public String currentLog() {
        String all = log();
        return all.length() >= logStart ? all.substring((int) Math.min(logStart, all.length())) : all;
    }

    /** The last {@value #TAIL_LINES} lines of the current run's log, for failure messages. */
    public String logTail() {
        List<String> lines = currentLog().lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
    }

    /** Waits until the current run logged a line containing {@code needle}; throws with the log when it exits or times out. */
    public void awaitLog(String needle, Duration timeout) throws InterruptedException {
        awaitLog(text -> text.contains(needle), "'" + needle + "'", timeout);
    }

    /** Waits until {@code ok} holds for the current run's log. */
    public void awaitLog(Predicate<String> ok, String what, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ok.test(currentLog())) {
            if (!isAlive()) {
                if (ok.test(currentLog())) {
                    return; // logged it just before exiting
                }
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " before logging " + what + ":\n" + logTail());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " did not log " + what + " within " + timeout.toMillis() + " ms:\n" + logTail());
            }
            Thread.sleep(25);
        }
    }

    /** Sends a signal by PID ({@code HUP}, {@code TERM}, {@code KILL}, {@code STOP}, {@code CONT}). */
    public void signal(String signal) {
        if (!isAlive()) {
            throw new IllegalStateException(name + " is not running");
        }
        try {
            Process k = new ProcessBuilder("kill", "-" + signal, Long.toString(pid())).redirectErrorStream(true).start();
            if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid() + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** SIGTERM (as an init system stops it), SIGKILL after 20 s; returns the exit status (-1 if not started). */
    public int stop() throws InterruptedException {
        return stop(STOP_GRACE);
    }

    /** SIGTERM, SIGKILL after {@code grace}; returns the exit status (-1 if not started). */
    public int stop(Duration grace) throws InterruptedException {
        Process p = process;
        if (p == null) {
            return -1;
        }
        if (p.isAlive()) {
            resume(p); // a test may have frozen it (SIGSTOP): SIGTERM would wait for the SIGCONT
            p.destroy();
            if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
        return p.exitValue();
    }

    private static void resume(Process p) {
        try {
            new ProcessBuilder("kill", "-CONT", Long.toString(p.pid())).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            // best effort
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGKILL: no shutdown hook runs (nft tables and reservations stay behind, as after a crash). */
    public int kill() throws InterruptedException {
        Process p = process;
        if (p == null) {
            return -1;
        }
        if (p.isAlive()) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        return p.exitValue();
    }

    /** Stops (SIGTERM) and starts again with the same command; wait for readiness yourself. */
    public LabProcess restart() throws IOException, InterruptedException {
        stop();
        return start();
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return name + (isAlive() ? " (pid " + pid() + " in " + ns + ")" : " (stopped)");
    }
}
