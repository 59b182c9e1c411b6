package io.portredirect.balancer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.portredirect.balancer.config.ConfigLoader;
import io.portredirect.balancer.replay.PcapReplay;
import io.portredirect.balancer.replay.ReplaySummary;
import io.portredirect.balancer.table.ForwardingTables;
import io.portredirect.balancer.table.InterfaceMacs;
import io.portredirect.protocol.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code replay}: runs a capture through the real decision and rewrite code, offline. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Replays an Ethernet pcap through the balancer's decision and rewrite code, exactly as the",
                "data plane would see it arriving on the network side, without touching any interface.",
                "Writes one pcap per server (OUT-DIR/SERVER.pcap, frames as rewritten for that server),",
                "OUT-DIR/drops.log (one line per dropped frame: frame number counted from 1, drop reason)",
                "and a summary on standard output.",
                "'auto' MACs get a stable placeholder (02:..) unless --sysfs-macs reads them from this machine."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:replayed", "1:runtime failure (pcap library, output not writable)",
                "2:bad usage, invalid configuration or unreadable capture"})
public final class ReplayCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "The balancer YAML configuration.")
    Path config;

    @Option(names = {"-i", "--in"}, required = true, paramLabel = "PCAP", description = "Capture to replay (Ethernet link type).")
    Path in;

    @Option(names = {"-o", "--out-dir"}, required = true, paramLabel = "DIR", description = "Directory for the per-server pcaps and drops.log (created when missing).")
    Path outDir;

    @Option(names = "--json", description = "Print the summary as JSON.")
    boolean json;

    @Option(names = "--sysfs-macs", description = "Resolve 'auto' MACs from /sys/class/net of this machine (falls back to placeholders).")
    boolean sysfsMacs;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ForwardingTables tables;
        try {
            tables = ForwardingTables.build(ConfigLoader.load(config),
                    sysfsMacs ? InterfaceMacs.sysfsOrPlaceholder() : InterfaceMacs.placeholder());
        } catch (ConfigException e) {
            e.problems().forEach(err::println);
            err.flush();
            return 2;
        }
        if (!Files.isReadable(in)) {
            err.println(in + ": cannot read the capture");
            err.flush();
            return 2;
        }
        ReplaySummary summary;
        try {
            summary = new PcapReplay(tables).run(in, outDir);
        } catch (PcapReplay.ReplayException e) {
            err.println(e.getMessage());
            err.flush();
            return 2;
        } catch (IOException e) {
            err.println("replay failed: " + e);
            err.flush();
            return 1;
        }
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(summary.toJson()));
        } else {
            out.print(summary.toText());
        }
        out.flush();
        return 0;
    }
}
