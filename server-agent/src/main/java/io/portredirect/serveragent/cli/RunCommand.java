package io.portredirect.serveragent.cli;

import io.portredirect.protocol.config.ConfigException;
import io.portredirect.protocol.config.LoadedConfig;
import io.portredirect.protocol.io.HostSupport;
import io.portredirect.protocol.log.EventLog;
import io.portredirect.protocol.metrics.MetricRegistry;
import io.portredirect.protocol.metrics.MetricsEndpoint;
import io.portredirect.serveragent.agent.ServerAgent;
import io.portredirect.serveragent.config.ConfigLoader;
import io.portredirect.serveragent.config.ServerAgentConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code run}: the long-running agent. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {
            "Runs the agent until SIGTERM or SIGINT. At start it installs nft table inet <nft-table> (dropping REDIRECT "
                + "SYNs to VIP:redirect ports before the kernel answers them; legacy SYNs still reach the kernel; the drop is a "
                + "lease renewed every guard-timeout/4, so after a SIGKILL it lapses by itself within guard-timeout), reserves "
                + "the redirect and service ports from the ephemeral range, binds absorbing UDP sockets on redirect ports "
                + "nobody uses, starts the proxies, then captures on the interface. All of it is removed at exit.",
            "Logs event=ready when it answers, and event=stats at exit (and every stats-interval)."
        })
final class RunCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "YAML configuration (see 'check').")
    Path config;

    @Option(names = "--metrics", paramLabel = "HOST:PORT",
            description = "Serve Prometheus metrics on http://HOST:PORT/metrics and liveness on /healthz (e.g. 127.0.0.1:9101).")
    String metrics;

    @Override
    public Integer call() {
        ServerAgentConfig c;
        try {
            LoadedConfig<ServerAgentConfig> loaded = ConfigLoader.loadWithWarnings(config);
            loaded.warnings().forEach(w -> System.err.println("redirect-server-agent: warning: " + w));
            c = loaded.config();
        } catch (ConfigException e) {
            e.problems().forEach(p -> System.err.println("redirect-server-agent: " + p));
            return 2;
        }
        InetSocketAddress metricsAddress = null;
        if (metrics != null) {
            try {
                metricsAddress = MetricsEndpoint.parseListen(metrics);
            } catch (IllegalArgumentException e) {
                System.err.println("redirect-server-agent: --metrics: " + e.getMessage());
                return 2;
            }
        }
        String why = HostSupport.whyNot();
        if (why != null) {
            System.err.println("redirect-server-agent: cannot start: " + why);
            return 1;
        }
        ServerAgent agent;
        try {
            agent = ServerAgent.start(c, ServerAgentCommand::log);
        } catch (IOException | RuntimeException e) {
            System.err.println("redirect-server-agent: cannot start: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        MetricsEndpoint endpoint = null;
        if (metricsAddress != null) {
            MetricRegistry registry = new MetricRegistry();
            agent.register(registry);
            try {
                endpoint = MetricsEndpoint.start(metricsAddress, registry, () -> stopped.getCount() > 0, "redirect-server-agent");
            } catch (IOException e) {
                System.err.println("redirect-server-agent: cannot serve metrics on " + metrics + ": " + e.getMessage());
                agent.close();
                return 1;
            }
            EventLog.info("metrics_listening", "address", endpoint.address());
        }
        MetricsEndpoint served = endpoint;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            EventLog.infoPairs("stats", agent.statsLine());
            if (served != null) {
                served.close();
            }
            agent.close();
            EventLog.info("stopped");
            stopped.countDown();
        }, "agent-shutdown"));
        EventLog.infoPairs("ready", agent.describe());
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
