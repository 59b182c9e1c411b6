package io.portredirect.clientagent.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code redirect-client-agent}: the client side of port redirection as a local proxy. Exit codes:
 * 0 ok, 1 runtime failure (host cannot run the agent, a listen address is taken), 2 bad usage or
 * an unreadable/invalid configuration.
 */
@Command(name = "redirect-client-agent", mixinStandardHelpOptions = true, versionProvider = ClientAgentCommand.Version.class,
        description = {
            "Local proxy for applications that do not speak the redirect extension.",
            "For every listener it negotiates with raw probes: a SYN carrying REDIRECT to VIP:redirect-port "
                    + "from a reserved source port; a SYN-ACK carrying REDIRECT_CONFIRM + REDIRECT_OPT names the "
                    + "server's own service port; an RST closes the probe. The application's connection is then "
                    + "reopened by the kernel on VIP:service-port and spliced. Answers are cached per VIP and port.",
            "Needs root (raw capture, nft, the ip_local_reserved_ports sysctl)."},
        subcommands = {RunCommand.class, CheckCommand.class, CommandLine.HelpCommand.class},
        exitCodeOnInvalidInput = 2, exitCodeOnExecutionException = 1)
public final class ClientAgentCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (run, check)");
    }

    /** The version from the jar manifest ("dev" when run from classes). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = ClientAgentCommand.class.getPackage().getImplementationVersion();
            return new String[] {
                "redirect-client-agent " + (v == null ? "dev" : v),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")",
            };
        }
    }

    public static void main(String[] args) {
        int code = new CommandLine(new ClientAgentCommand()).execute(args);
        System.exit(code);
    }
}
