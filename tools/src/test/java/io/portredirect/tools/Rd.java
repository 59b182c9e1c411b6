package io.portredirect.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portredirect.tools.cli.RdTool;
import org.junit.jupiter.api.Assumptions;
import org.pcap4j.core.Pcaps;
import org.pcap4j.packet.namednumber.DataLinkType;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Runs rdtool in-process, as {@code RdTool.main} would, and captures its output and exit code. */
public final class Rd {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Rd() {
    }

    /** What one run printed and returned. */
    public record Result(int exit, String out, String err) {
        public List<JsonNode> jsonLines() {
            List<JsonNode> nodes = new ArrayList<>();
            for (String line : out.split("\n")) {
                if (!line.isBlank()) {
                    try {
                        nodes.add(JSON.readTree(line));
                    } catch (Exception e) {
                        throw new AssertionError("not JSON: " + line, e);
                    }
                }
            }
            return nodes;
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    public static Result run(String... args) {
        return runWithStdin(null, args);
    }

    /** Runs with {@code stdin} as standard input (null: leave it alone). */
    public static synchronized Result runWithStdin(String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = RdTool.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        InputStream saved = System.in;
        try {
            if (stdin != null) {
                System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.US_ASCII)));
            }
            int exit = cl.execute(args);
            return new Result(exit, out.toString(), err.toString());
        } finally {
            System.setIn(saved);
        }
    }

    /** Runs and fails the test unless the exit code is 0. */
    public static Result ok(String... args) {
        Result r = run(args);
        if (r.exit() != 0) {
            throw new AssertionError("rdtool " + String.join(" ", args) + " failed: " + r);
        }
        return r;
    }

    /** Splits an argument line on blanks (the tables never need quoting). */
    public static String[] args(String line) {
        return Arrays.stream(line.trim().split("\\s+")).toArray(String[]::new);
    }

    /** Skips the calling test with a one-line reason when libpcap cannot be loaded (pcap files need it). */
    public static void assumeLibpcap() {
        String why = null;
        try {
            Pcaps.openDead(DataLinkType.EN10MB, 128).close();
        } catch (Throwable t) {
            why = t.getClass().getSimpleName() + ": " + t.getMessage();
        }
        String reason = why;
        Assumptions.assumeTrue(reason == null, () -> "SKIPPED: libpcap is not usable here (" + reason + ")");
    }
}
