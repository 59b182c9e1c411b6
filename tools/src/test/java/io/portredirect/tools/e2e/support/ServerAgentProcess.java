package io.portredirect.tools.e2e.support;

import io.portredirect.protocol.lab.Await;
import io.portredirect.protocol.lab.LabProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real server agent ({@code java -jar redirect-server-agent.jar run --config F}) in
 * {@code PREFIX-sN}. Ready when it logs {@code event=ready}. Its counters are the {@code event=stats ...} line
 * it logs every {@code stats-interval} (and at exit): {@link #stats()} parses the latest one.
 */
public final class ServerAgentProcess extends LabProcess {
    private static final Pattern KV = Pattern.compile("([a-z_]+)=(\\S+)");

    private final int server;
    private final Path config;

    ServerAgentProcess(int server, String ns, List<String> command, Path log, Path config) {
        super("server-agent-s" + server, ns, command, log);
        this.server = server;
        this.config = config;
    }

    /** 1..3 */
    public int server() {
        return server;
    }

    public Path config() {
        return config;
    }

    /** Waits (30 s at most) for the {@code ready} line. */
    public ServerAgentProcess awaitReady() throws InterruptedException {
        awaitLog("event=ready ", Duration.ofSeconds(30));
        return this;
    }

    /**
     * The agent's counters from its latest stats line (all runs: a restarted agent counts from 0):
     * verdicts ({@code syn_ack}, {@code probe_rst}, {@code not_redirect}, ...), {@code named.PORT}
     * (answers naming PORT), {@code send_errors}. Missing keys read as 0.
     */
    public Stats stats() {
        String last = null;
        for (String line : currentLog().split("\n")) {
            int i = line.indexOf(" event=stats ");
            if (i >= 0) {
                last = line.substring(i + " event=stats ".length());
            }
        }
        Map<String, Long> m = new LinkedHashMap<>();
        if (last != null) {
            Matcher kv = KV.matcher(last);
            while (kv.find()) {
                if (kv.group(1).equals("named")) {
                    for (String pc : kv.group(2).split(",")) {
                        String[] p = pc.split(":");
                        if (p.length == 2) {
                            m.put("named." + p[0], Long.parseLong(p[1]));
                        }
                    }
                } else {
                    try {
                        m.put(kv.group(1), Long.parseLong(kv.group(2)));
                    } catch (NumberFormatException e) {
                        // not a counter
                    }
                }
            }
        }
        return new Stats(last, m);
    }

    /** Waits (up to {@code timeout}) until the latest stats satisfy {@code ok}; returns them either way. */
    public Stats awaitStats(Predicate<Stats> ok, Duration timeout) throws InterruptedException {
        Stats[] last = new Stats[1];
        Await.holdsWithin(timeout, Duration.ofMillis(100), () -> ok.test(last[0] = stats()));
        return last[0];
    }

    /** One parsed stats line. */
    public record Stats(String line, Map<String, Long> counters) {
        public long get(String key) {
            return counters.getOrDefault(key, 0L);
        }

        /** SYN-ACKs with CONFIRM + OPT sent. */
        public long synAcks() {
            return get("syn_ack");
        }

        /** Probe RSTs (with REDIRECT) seen. */
        public long probeRsts() {
            return get("probe_rst");
        }

        public long named(int port) {
            return get("named." + port);
        }
    }
}
