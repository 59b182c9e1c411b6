package io.portredirect.clientagent.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.portredirect.clientagent.ClientAgent;
import io.portredirect.clientagent.config.AgentConfig;
import io.portredirect.clientagent.config.ConfigDigest;
import io.portredirect.clientagent.config.ConfigLoader;
import io.portredirect.clientagent.stats.AgentStats;
import io.portredirect.protocol.config.ConfigException;
import io.portredirect.protocol.config.Durations;
import io.portredirect.protocol.config.LoadedConfig;
import io.portredirect.protocol.log.LogLevel;
import io.portredirect.protocol.metrics.MetricRegistry;
import io.portredirect.protocol.metrics.MetricsEndpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code run}: starts the agent and serves until SIGTERM/SIGINT. */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = ClientAgentCommand.Version.class,
        description = {"Start the agent: reserve the probe ports, install the nft table that keeps the kernel from "
                + "resetting probe answers, open the capture and the listeners, and serve until SIGTERM or SIGINT. "
                + "On exit the nft table and the port reservation are removed.",
            "Exit status 1 when the host cannot run the agent (not root, no libpcap or nft, a listen address "
                    + "taken), 2 when the configuration is invalid."})
final class RunCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "YAML configuration file.")
    Path config;

    @Option(names = "--stats-file", paramLabel = "FILE",
            description = "Write the counters as JSON to FILE every --stats-interval and at exit (replaced atomically).")
    Path statsFile;

    @Option(names = "--stats-interval", paramLabel = "DURATION", defaultValue = "1s",
            description = "How often to write --stats-file, e.g. 200ms, 1s (default: ${DEFAULT-VALUE}).")
    String statsInterval;

    @Option(names = "--metrics", paramLabel = "HOST:PORT",
            description = "Serve Prometheus metrics on http://HOST:PORT/metrics and liveness on /healthz (e.g. 127.0.0.1:9102).")
    String metrics;

    @Option(names = {"-v", "--verbose"}, description = "Log every connection and probe step (debug level).")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        LogLevel.debug(verbose);
        Duration interval;
        try {
            interval = Durations.parse(statsInterval);
        } catch (IllegalArgumentException e) {
            System.err.println("error: --stats-interval: " + e.getMessage());
            return 2;
        }
        InetSocketAddress metricsAddress = null;
        if (metrics != null) {
            try {
                metricsAddress = MetricsEndpoint.parseListen(metrics);
            } catch (IllegalArgumentException e) {
                System.err.println("error: --metrics: " + e.getMessage());
                return 2;
            }
        }
        AgentConfig c;
        try {
            LoadedConfig<AgentConfig> loaded = ConfigLoader.loadWithWarnings(config);
            loaded.warnings().forEach(w -> System.err.println("warning: " + w));
            c = loaded.config();
        } catch (ConfigException e) {
            e.problems().forEach(p -> System.err.println("error: " + p));
            return 2;
        }
        AgentStats stats = new AgentStats();
        ClientAgent agent;
        try {
            agent = ClientAgent.start(c, stats);
        } catch (IOException e) {
            System.err.println("error: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        MetricsEndpoint endpoint = null;
        if (metricsAddress != null) {
            MetricRegistry registry = new MetricRegistry();
            stats.register(registry);
            AgentStats.registerConfig(registry, ConfigDigest.of(c));
            try {
                endpoint = MetricsEndpoint.start(metricsAddress, registry, () -> stopped.getCount() > 0, "redirect-client-agent");
            } catch (IOException e) {
                System.err.println("error: cannot serve metrics on " + metrics + ": " + e.getMessage());
                agent.close();
                return 1;
            }
        }
        MetricsEndpoint served = endpoint;
        Thread hook = new Thread(() -> {
            if (served != null) {
                served.close();
            }
            agent.close();
            writeStats(stats);
            System.out.println("stopped: " + stats.snapshot());
            stopped.countDown();
        }, "client-agent-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        System.out.println("client agent running (pid " + ProcessHandle.current().pid() + ", nft table "
                + agent.runtime().nftTable() + ")");
        System.out.flush();
        while (!stopped.await(Math.max(10, interval.toMillis()), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            writeStats(stats);
        }
        return 0;
    }

    private void writeStats(AgentStats stats) {
        if (statsFile == null) {
            return;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("time", Instant.now().toString());
        m.put("counters", stats.snapshot());
        try {
            Path tmp = statsFile.resolveSibling(statsFile.getFileName() + ".tmp");
            Files.writeString(tmp, new ObjectMapper().writeValueAsString(m));
            Files.move(tmp, statsFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // stats are best effort; the agent keeps serving
        }
    }
}
