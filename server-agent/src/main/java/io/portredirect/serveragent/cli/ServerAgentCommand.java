package io.portredirect.serveragent.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code redirect-server-agent}: the server side of port redirection. */
@Command(name = "redirect-server-agent",
        mixinStandardHelpOptions = true,
        version = "redirect-server-agent 0.1.0",
        subcommands = {RunCommand.class, DrainCommand.class, CheckCommand.class, CommandLine.HelpCommand.class},
        description = {
            "Answers REDIRECT SYNs and datagrams that reach this server's redirect ports with REDIRECT_CONFIRM and "
                + "REDIRECT_OPT naming one of its own service ports, statelessly, and keeps the kernel from answering "
                + "them; optionally proxies service ports to the local application; drains established flows to "
                + "another port.",
            "",
            "Needs root, libpcap and nft. Exit codes: 0 ok, 1 runtime failure, 2 bad usage or unreadable configuration."
        })
public final class ServerAgentCommand implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger("redirect-server-agent");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand: run, drain or check");
    }

    /** A component's free-text message, as {@code event=log logger=redirect-server-agent msg="..."}. */
    static void log(String msg) {
        LOG.info(msg);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line (exit codes: 2 for bad input). */
    public static CommandLine commandLine() {
        return new CommandLine(new ServerAgentCommand());
    }
}
