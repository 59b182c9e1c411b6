package io.portredirect.tools.cli;

import io.portredirect.tools.BadInputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * {@code rdtool}: craft and decode packets that carry the redirect extension. Exit codes: 0 ok,
 * 1 runtime failure, 2 bad usage or unreadable input; errors are one line, never a stack trace.
 */
@Command(name = "rdtool",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        subcommands = {CraftCommand.class, DecodeCommand.class, CommandLine.HelpCommand.class},
        synopsisSubcommandLabel = "COMMAND",
        headerHeading = "%n",
        header = "Craft and decode packets carrying the port redirect extension.",
        descriptionHeading = "%nDescription:%n",
        description = {
            "rdtool builds single TCP, UDP and ICMP packets with the redirect extension "
                + "(TCP option 253, ExID 0x5244; UDP option 127 in the RFC 9868 surplus area) and "
                + "decodes captures field by field, with checksum verdicts and the reason for "
                + "every malformed header or option."},
        commandListHeading = "%nCommands:%n",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:success",
            "1:runtime failure (capture or injection failed, output not writable)",
            "2:bad usage or unreadable input (unknown option, missing file, bad hex)"})
public final class RdTool implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (craft or decode)");
    }

    /** The command line with rdtool's error handling: one-line messages and exit codes 1 / 2. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new RdTool());
        cl.setParameterExceptionHandler(RdTool::usageError);
        cl.setExecutionExceptionHandler(RdTool::executionError);
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    private static int usageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println(cl.getCommandSpec().qualifiedName() + ": " + oneLine(ex.getMessage()));
        err.println("Try '" + cl.getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return CommandLine.ExitCode.USAGE;
    }

    private static int executionError(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        String name = cl.getCommandSpec().qualifiedName();
        if (ex instanceof BadInputException) {
            err.println(name + ": " + oneLine(ex.getMessage()));
            err.flush();
            return CommandLine.ExitCode.USAGE;
        }
        String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        err.println(name + ": " + oneLine(msg));
        err.flush();
        return CommandLine.ExitCode.SOFTWARE;
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*[\\r\\n]+\\s*", "; ").trim();
    }
}
