package io.portredirect.serveragent.cli;

import io.portredirect.protocol.config.ConfigException;
import io.portredirect.protocol.config.LoadedConfig;
import io.portredirect.protocol.io.HostSupport;
import io.portredirect.serveragent.agent.ServerAgent;
import io.portredirect.serveragent.config.ConfigLoader;
import io.portredirect.serveragent.config.ServerAgentConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code run}: the long-running agent. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {
            "Runs the agent until SIGTERM or SIGINT. At start it installs nft table inet <nft-table> (dropping REDIRECT "
                + "SYNs to VIP:redirect ports before the kernel answers them; legacy SYNs still reach the kernel), reserves "
                + "the redirect and service ports from the ephemeral range, binds absorbing UDP sockets on redirect ports "
                + "nobody uses, starts the proxies, then captures on the interface. All of it is removed at exit.",
            "Prints 'ready' when it answers, and a stats line at exit (and every stats-interval)."
        })
final class RunCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "YAML configuration (see 'check').")
    Path config;

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
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            ServerAgentCommand.log(agent.statsLine());
            agent.close();
            ServerAgentCommand.log("stopped");
            stopped.countDown();
        }, "agent-shutdown"));
        ServerAgentCommand.log("ready " + agent.describe());
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
