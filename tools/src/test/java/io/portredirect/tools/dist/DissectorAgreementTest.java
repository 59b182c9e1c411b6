package io.portredirect.tools.dist;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portredirect.protocol.packet.PacketParser;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.wire.MalformedReason;
import io.portredirect.protocol.wire.RedirectOptionScan;
import io.portredirect.tools.cli.RdTool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.Pcaps;
import org.pcap4j.packet.namednumber.DataLinkType;

import java.io.EOFException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Wireshark dissector (tools/src/dist/wireshark/portredirect.lua) run by the installed tshark
 * agrees, frame by frame, with our own decoders: {@link PacketParser} (what the balancer and
 * agents see) and {@code rdtool decode --json}. Corpus: every pcap under testdata/ plus the edge
 * cases of {@link DissectorCorpus}, written through libpcap.
 */
class DissectorAgreementTest {
    private static final List<String> FIELDS = List.of("portredirect.transport", "portredirect.redirect", "portredirect.confirm",
            "portredirect.port", "portredirect.flags", "portredirect.malformed");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    private static Path root;
    private static Path lua;

    /** The dissector's fields for one frame; "" when absent. */
    record Row(String transport, String redirect, String confirm, String port, String flags, String malformed) {
        static final Row NONE = new Row("", "", "", "", "", "");

        static Row of(String transport, RedirectOptionScan scan) {
            return switch (scan.status()) {
                case ABSENT -> NONE;
                case MALFORMED -> new Row(transport, "", "", "", "", scan.reason().name());
                case PRESENT -> new Row(transport, scan.isRedirect() ? "1" : "0", scan.isConfirm() ? "1" : "0",
                        scan.port() == 0 ? "" : Integer.toString(scan.port()), Integer.toString(scan.flags()), "");
            };
        }
    }

    @BeforeAll
    static void tools() {
        String why = Tshark.unavailableReason();
        assumeTrue(why == null, "skipped: " + why);
        try {
            Pcaps.openDead(DataLinkType.EN10MB, 65536).close();
        } catch (Throwable e) {
            assumeTrue(false, "skipped: libpcap not usable through pcap4j (" + e + ")");
        }
        String prop = System.getProperty("portredirect.root");
        root = prop != null ? Path.of(prop) : Path.of("").toAbsolutePath().getParent();
        lua = root.resolve("tools/src/dist/wireshark/portredirect.lua");
        assertTrue(Files.isRegularFile(lua), "dissector missing: " + lua);
    }

    private static List<Path> corpus() throws Exception {
        List<Path> files = new ArrayList<>();
        Path testdata = root.resolve("testdata");
        if (Files.isDirectory(testdata)) {
            try (Stream<Path> s = Files.walk(testdata)) {
                s.filter(p -> p.toString().endsWith(".pcap")).sorted().forEach(files::add);
            }
        }
        Path eth = tmp.resolve("dissector-edge-cases-ethernet.pcap");
        DissectorCorpus.writePcap(eth, DataLinkType.EN10MB, DissectorCorpus.values(DissectorCorpus.ethernetFrames()));
        files.add(eth);
        Path raw = tmp.resolve("dissector-edge-cases-raw.pcap");
        DissectorCorpus.writePcap(raw, DataLinkType.RAW, DissectorCorpus.values(DissectorCorpus.rawIpFrames()));
        files.add(raw);
        return files;
    }

    @TestFactory
    Stream<DynamicTest> dissectorAgreesWithParserAndRdtool() throws Exception {
        return corpus().stream().map(pcap -> DynamicTest.dynamicTest(
                pcap.startsWith(root) ? root.relativize(pcap).toString() : pcap.getFileName().toString(), () -> compare(pcap)));
    }

    private static void compare(Path pcap) throws Exception {
        List<Row> parser = parserRows(pcap);
        List<Row> rdtool = rdtoolRows(pcap);
        List<Row> tshark = tsharkRows(pcap);
        assertFalse(parser.isEmpty(), pcap + " has no frames");
        assertEquals(parser.size(), tshark.size(), "frames seen by tshark in " + pcap);
        assertEquals(parser.size(), rdtool.size(), "frames decoded by rdtool in " + pcap);
        for (int i = 0; i < parser.size(); i++) {
            assertEquals(parser.get(i), tshark.get(i), pcap.getFileName() + " frame " + (i + 1) + ": dissector vs PacketParser");
            assertEquals(parser.get(i), rdtool.get(i), pcap.getFileName() + " frame " + (i + 1) + ": rdtool decode --json vs PacketParser");
        }
    }

    /** The corpus exercises every outcome, so agreement means something. */
    @Test
    void edgeCasesCoverEveryMalformedReasonAndBothTransports() {
        Set<MalformedReason> reasons = EnumSet.noneOf(MalformedReason.class);
        Set<String> present = new java.util.HashSet<>();
        for (byte[] f : DissectorCorpus.ethernetFrames().values()) {
            ParsedPacket p = PacketParser.parseFrame(f, 0, f.length, new ParsedPacket());
            if (p.redirect().isMalformed()) {
                reasons.add(p.redirect().reason());
            } else if (p.redirect().isPresent()) {
                present.add(p.isTcp() ? "tcp" : "udp");
            }
        }
        assertEquals(EnumSet.allOf(MalformedReason.class), reasons, "malformed reasons in the edge cases");
        assertEquals(Set.of("tcp", "udp"), present);
    }

    private static List<Row> parserRows(Path pcap) throws Exception {
        List<Row> rows = new ArrayList<>();
        PcapHandle h = Pcaps.openOffline(pcap.toString());
        try {
            int dlt = h.getDlt().value();
            while (true) {
                byte[] f;
                try {
                    f = h.getNextRawPacketEx();
                } catch (EOFException e) {
                    break;
                }
                ParsedPacket p = new ParsedPacket();
                if (dlt == DataLinkType.EN10MB.value()) {
                    PacketParser.parseFrame(f, 0, f.length, p);
                } else if (dlt == 12 || dlt == 14 || dlt == 101 || dlt == 228 || dlt == 229) {
                    PacketParser.parseIp(f, 0, f.length, p);
                } else if (dlt == 113 && f.length > 16) {
                    PacketParser.parseIp(f, 16, f.length - 16, p);
                } else {
                    throw new AssertionError(pcap + ": link type " + dlt + " not handled by this test");
                }
                rows.add(p.isTcp() || p.isUdp() ? Row.of(p.isTcp() ? "tcp" : "udp", p.redirect()) : Row.NONE);
            }
        } finally {
            h.close();
        }
        return rows;
    }

    private static List<Row> rdtoolRows(Path pcap) throws IOException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = RdTool.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute("decode", "--pcap", pcap.toString(), "--json");
        assertEquals(0, rc, "rdtool decode --pcap " + pcap + " --json: " + err);
        List<Row> rows = new ArrayList<>();
        for (String line : out.toString().split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode frame = JSON.readTree(line);
            String transport = frame.has("tcp") ? "tcp" : frame.has("udp") ? "udp" : "";
            JsonNode r = frame.path("redirect");
            String status = r.path("status").asText("absent");
            rows.add(switch (status) {
                case "present" -> {
                    Set<String> names = new java.util.HashSet<>();
                    r.path("flag_names").forEach(n -> names.add(n.asText()));
                    yield new Row(transport, names.contains("REDIRECT") ? "1" : "0", names.contains("REDIRECT_CONFIRM") ? "1" : "0",
                            r.path("port").isNull() || r.path("port").isMissingNode() ? "" : r.path("port").asText(),
                            Integer.toString(r.path("flags").asInt()), "");
                }
                case "malformed" -> new Row(transport, "", "", "", "", r.path("reason").asText());
                default -> Row.NONE;
            });
        }
        return rows;
    }

    private static List<Row> tsharkRows(Path pcap) throws Exception {
        List<Row> rows = new ArrayList<>();
        for (String[] c : Tshark.fields(lua, pcap, FIELDS)) {
            rows.add(new Row(c[1], bool(c[2]), bool(c[3]), c[4], c[5].isEmpty() ? "" : Integer.toString(Integer.decode(c[5])), c[6]));
        }
        return rows;
    }

    /** tshark 4.0 prints booleans as 1/0, later versions as True/False. */
    private static String bool(String v) {
        return switch (v) {
            case "1", "True", "true" -> "1";
            case "0", "False", "false" -> "0";
            default -> v;
        };
    }
}
