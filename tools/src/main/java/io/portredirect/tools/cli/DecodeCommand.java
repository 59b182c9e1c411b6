package io.portredirect.tools.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portredirect.tools.BadInputException;
import io.portredirect.tools.decode.HexFrames;
import io.portredirect.tools.decode.PacketDecoder;
import io.portredirect.tools.decode.TextRenderer;
import io.portredirect.tools.pcap.Frame;
import io.portredirect.tools.pcap.Interfaces;
import io.portredirect.tools.pcap.LinkType;
import io.portredirect.tools.pcap.PcapFiles;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/** {@code rdtool decode}: prints every field of every packet of a pcap or pcapng file, hex, or a live interface. */
@Command(name = "decode",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        headerHeading = "%n",
        header = "Decode packets field by field: headers, options, the redirect extension, checksums.",
        synopsisHeading = "%nUsage: ",
        customSynopsis = {
            "rdtool decode [OPTIONS] FILE",
            "       rdtool decode [OPTIONS] --hex HEX...",
            "       rdtool decode [OPTIONS] --live IFACE"},
        descriptionHeading = "%nDescription:%n",
        parameterListHeading = "%nArguments:%n",
        optionListHeading = "%nOptions:%n",
        description = {
            "Reads packets from one source (a capture file, hex, or a live interface) and prints, for each, the Ethernet header, the IPv4 or IPv6 "
                + "header (fragment state included), then TCP (ports, seq/ack, flags, every option by name), "
                + "UDP (ports, length, the RFC 9868 surplus area: option checksum and options) or ICMP "
                + "(type and code, and for errors the addresses and ports of the quoted packet). It names the "
                + "redirect extension's flags and port, gives a verdict for the IP, transport and UDP option "
                + "checksums, and for a malformed packet says why (a parse error, a broken option area, a bad "
                + "redirect option). Malformed packets are data: they are reported and decoding goes on.",
            "",
            "FILE is a pcap or pcapng file, told apart by its first bytes as tcpdump -r and tshark -r do; "
                + "--pcap FILE is the same. A file that is neither is refused with exit status 2.",
            "",
            "Parsing is the protocol module's own PacketParser, so decode shows what the balancer and the agents see.",
            "",
            "With --json each packet is one JSON object on one line; the field names are stable and listed in tools/README.md."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  rdtool decode testdata/pcap/tcp4-syn-redirect.pcap",
            "  rdtool decode capture.pcapng --count 10 --json",
            "  rdtool decode --hex 4500002c... --json",
            "  rdtool decode --hex - < testdata/hex/tcp4-syn-redirect.hex",
            "  rdtool decode --live veth0 --filter 'tcp port 80' --count 5 --timeout 10"},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:decoded (malformed packets included)",
            "1:capture failed",
            "2:bad usage, or input that cannot be read (missing file, neither pcap nor pcapng, not hex)"})
public final class DecodeCommand implements java.util.concurrent.Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "FILE",
            description = "A pcap or pcapng file to read (Ethernet, raw IP or Linux cooked link type).")
    Path file;

    // picocli allows no positional parameter in an exclusive group, so "exactly one source" is checked in validate()
    @ArgGroup(exclusive = true, multiplicity = "0..1", heading = "%nInstead of FILE (one of):%n")
    Source source = new Source();

    static final class Source {
        @Option(names = "--pcap", paramLabel = "FILE",
                description = "Read a pcap or pcapng file; the same as giving FILE.")
        Path pcap;

        @Option(names = "--hex", paramLabel = "HEX", arity = "1..*",
                description = {"Decode packets given as hex, one per argument (an Ethernet frame or a bare IP packet, "
                        + "see --link). '-' reads standard input: one packet per line; blank lines and lines starting "
                        + "with '#' are skipped."})
        List<String> hex;

        @Option(names = "--live", paramLabel = "IFACE",
                description = "Capture on a network interface (needs root or CAP_NET_RAW).")
        String live;
    }

    @ArgGroup(exclusive = false, heading = "%nLimits and live capture:%n")
    Capture capture = new Capture();

    static final class Capture {
        @Option(names = "--filter", paramLabel = "BPF",
                description = "With --live: a capture filter in pcap-filter(7) syntax, e.g. 'tcp port 80'.")
        String filter;

        @Option(names = "--count", paramLabel = "N",
                description = "Stop after N packets (default: all of a file; with --live, until --timeout or interrupted).")
        int count;

        @Option(names = "--timeout", paramLabel = "SECONDS",
                description = "With --live: stop after this many seconds even if fewer than --count packets arrived.")
        double timeout;
    }

    @ArgGroup(exclusive = false, heading = "%nInput and output format:%n")
    Format format = new Format();

    static final class Format {
        @Option(names = "--link", paramLabel = "TYPE", defaultValue = "auto",
                description = {"With --hex: what the bytes start with: ${COMPLETION-CANDIDATES}. "
                        + "'auto' (default) takes bytes whose IP length field covers them exactly as a bare IP packet, "
                        + "anything else as an Ethernet frame."})
        HexLink link = HexLink.auto;

        @Option(names = "--json",
                description = "Print one JSON object per packet per line instead of text.")
        boolean json;
    }

    /** Link choices for hex input. */
    enum HexLink { auto, ethernet, raw }

    private final PacketDecoder decoder = new PacketDecoder();
    private final ObjectMapper mapper = new ObjectMapper();
    private long index;

    @Override
    public Integer call() {
        validate();
        PrintWriter out = spec.commandLine().getOut();
        Path captureFile = file != null ? file : source.pcap;
        if (captureFile != null) {
            PcapFiles.read(captureFile, f -> {
                if (capture.count <= 0 || index < capture.count) {
                    print(out, f);
                }
            });
        } else if (source.hex != null) {
            decodeHex(out);
        } else {
            decodeLive(out);
        }
        out.flush();
        return 0;
    }

    private void validate() {
        CommandLine cl = spec.commandLine();
        int sources = (file != null ? 1 : 0) + (source.pcap != null ? 1 : 0) + (source.hex != null ? 1 : 0) + (source.live != null ? 1 : 0);
        if (sources == 0) {
            throw new CommandLine.ParameterException(cl, "no input: give a FILE, --hex HEX or --live IFACE");
        }
        if (sources > 1) {
            throw new CommandLine.ParameterException(cl, "one input only: FILE, --pcap FILE, --hex HEX and --live IFACE exclude each other");
        }
        if (capture.count < 0) {
            throw new CommandLine.ParameterException(cl, "--count must be 0 or more, got " + capture.count);
        }
        if (capture.timeout < 0) {
            throw new CommandLine.ParameterException(cl, "--timeout must be 0 or more, got " + capture.timeout);
        }
        if (source.live == null && (capture.filter != null || capture.timeout > 0)) {
            throw new CommandLine.ParameterException(cl, "--filter and --timeout apply to --live only");
        }
        if (source.hex == null && format.link != HexLink.auto) {
            throw new CommandLine.ParameterException(cl, "--link applies to --hex only (pcap files name their link type)");
        }
    }

    private void decodeHex(PrintWriter out) {
        LinkType forced = switch (format.link) {
            case auto -> null;
            case ethernet -> LinkType.ETHERNET;
            case raw -> LinkType.RAW;
        };
        int arg = 0;
        for (String h : source.hex) {
            arg++;
            if ("-".equals(h)) {
                readStdin(out, forced);
                continue;
            }
            Frame f;
            try {
                f = HexFrames.parse(h, forced);
            } catch (IllegalArgumentException e) {
                throw new BadInputException("--hex argument " + arg + " is not hex: " + e.getMessage());
            }
            if (capture.count <= 0 || index < capture.count) {
                print(out, f);
            }
        }
    }

    private void readStdin(PrintWriter out, LinkType forced) {
        InputStream in = System.in;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null && (capture.count <= 0 || index < capture.count)) {
                n++;
                String t = line.trim();
                if (t.isEmpty() || t.startsWith("#")) {
                    continue;
                }
                Frame f;
                try {
                    f = HexFrames.parse(t, forced);
                } catch (IllegalArgumentException e) {
                    throw new BadInputException("standard input line " + n + " is not hex: " + e.getMessage());
                }
                print(out, f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading standard input: " + e.getMessage(), e);
        }
    }

    private void decodeLive(PrintWriter out) {
        Instant deadline = capture.timeout > 0 ? Instant.now().plusMillis((long) (capture.timeout * 1000)) : null;
        PrintWriter err = spec.commandLine().getErr();
        int n = Interfaces.capture(source.live, capture.filter, capture.count, deadline,
                () -> {
                    // scripts and tests wait for this line before they send
                    err.println("rdtool decode: listening on " + source.live + (capture.filter != null ? " (filter: " + capture.filter + ")" : ""));
                    err.flush();
                },
                f -> {
                    print(out, f);
                    return true;
                });
        err.println("rdtool decode: " + n + " packet" + (n == 1 ? "" : "s") + " captured");
        err.flush();
    }

    private void print(PrintWriter out, Frame f) {
        index++;
        ObjectNode d = decoder.decode(f, index);
        if (format.json) {
            try {
                out.println(mapper.writeValueAsString(d));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
            }
        } else {
            if (index > 1) {
                out.println();
            }
            out.println(TextRenderer.render(d));
        }
        out.flush();
    }
}
