package io.portredirect.balancer.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/**
 * {@code redirect-balancer}: the stateless L4 balancer. {@code run} forwards live traffic,
 * {@code replay} runs a capture through the same decision code, {@code check-config} validates
 * a config file.
 */
@Command(name = "redirect-balancer",
        mixinStandardHelpOptions = true,
        versionProvider = BalancerCommand.Version.class,
        subcommands = {RunCommand.class, ReplayCommand.class, CheckConfigCommand.class, CommandLine.HelpCommand.class},
        synopsisSubcommandLabel = "COMMAND",
        header = "Stateless L4 load balancer that routes by destination port.",
        descriptionHeading = "%n",
        description = {
                "Clients that support the redirect extension ask a redirect port with REDIRECT; the "
                        + "balancer sends that packet to a server picked by a consistent hash of the flow over a "
                        + "weighted table, the server answers with one of its own service ports, and the client "
                        + "continues there. A service port names its server, so the balancer keeps no connection "
                        + "table: it can restart, run as several replicas behind ECMP, or lose a server without "
                        + "breaking an established connection. Legacy clients reach the owner of the port they "
                        + "asked for.",
                "",
                "ICMP errors follow the flow they quote; ARP and neighbour discovery for the VIPs are "
                        + "answered by the balancer itself on the network interface.",
        },
        exitCodeListHeading = "%nExit status:%n",
        usageHelpAutoWidth = true,
        exitCodeList = {
                "0:success (run: stopped by SIGTERM/SIGINT)",
                "1:runtime failure (an interface cannot be opened or failed)",
                "2:bad usage, or an unreadable or invalid input file",
        },
        footerHeading = "%nSee also:%n",
        footer = {
                "  redirect-balancer run --help       live forwarding, metrics, reload",
                "  redirect-balancer replay --help    which server each packet of a pcap goes to",
                "  redirect-balancer check-config --help",
        })
public final class BalancerCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(System.err);
        return 2;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line (tests call {@code execute} on it). */
    public static CommandLine commandLine() {
        // picocli answers bad usage with ExitCode.USAGE (2) and exceptions with 1
        return new CommandLine(new BalancerCommand()).setCaseInsensitiveEnumValuesAllowed(true);
    }

    /** Version from the jar manifest (set by the build), "dev" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = BalancerCommand.class.getPackage().getImplementationVersion();
            return new String[] {
                    "redirect-balancer " + (v == null ? "dev" : v),
                    "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")",
            };
        }
    }
}
