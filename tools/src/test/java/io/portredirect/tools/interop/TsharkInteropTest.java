package io.portredirect.tools.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portredirect.protocol.lab.LabSupport;
import io.portredirect.tools.CraftCases;
import io.portredirect.tools.Rd;
import io.portredirect.tools.Repo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * tshark, an independent decoder, reads every committed pcap and every file {@code craft} writes
 * (the {@link CraftCases} table) and must agree with {@code rdtool decode --json}: IP, TCP, UDP and
 * ICMP checksums good on every well-formed packet (tshark's own verification, enabled with
 * {@code -o *.check_checksum:TRUE}); the same addresses, ports, TCP flags, raw seq/ack, TCP option
 * kinds in order, and for the experimental option ExID 0x5244 with data = flags (+ port) as decode
 * reports them; UDP length and the surplus area's size; ICMP type/code/MTU and the quoted packet's
 * addresses and ports. Packets decode calls unparseable must look malformed to tshark too.
 */
class TsharkInteropTest {
    /** Wireshark 4.0 field names, checked with {@code tshark -G fields}. */
    private static final List<String> FIELDS = List.of(
            "frame.number", "frame.len",
            "ip.src", "ip.dst", "ip.len", "ip.hdr_len", "ip.checksum.status",
            "ipv6.src", "ipv6.dst", "ipv6.plen",
            "tcp.srcport", "tcp.dstport", "tcp.flags", "tcp.seq_raw", "tcp.ack_raw", "tcp.hdr_len", "tcp.checksum.status",
            "tcp.option_kind", "tcp.options.experimental.exid", "tcp.options.experimental.data",
            "udp.srcport", "udp.dstport", "udp.length", "udp.checksum.status",
            "icmp.type", "icmp.code", "icmp.checksum.status", "icmp.mtu",
            "icmpv6.type", "icmpv6.code", "icmpv6.checksum.status", "icmpv6.mtu",
            "_ws.malformed", "_ws.expert.message");

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Path craftedEthernet;
    static Path craftedRaw;

    @BeforeAll
    static void craftTheTable() {
        LabSupport.assumeTool("tshark");
        Rd.assumeLibpcap();
        CraftCases.Fixtures fixtures = CraftCases.fixtures(dir);
        craftedEthernet = dir.resolve("crafted-ethernet.pcap");
        craftedRaw = dir.resolve("crafted-raw.pcap");
        for (String line : CraftCases.LINES) {
            List<String> args = new ArrayList<>(List.of("craft"));
            args.addAll(List.of(fixtures.expand(line)));
            args.addAll(List.of("--out", (line.contains("--no-ethernet") ? craftedRaw : craftedEthernet).toString(), "--append"));
            Rd.ok(args.toArray(String[]::new));
        }
    }

    static Stream<String> committedPcaps() throws IOException {
        try (Stream<Path> s = Files.list(Repo.testdata().resolve("pcap"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".pcap")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("committedPcaps")
    void tsharkAgreesOnCommittedVector(String name) throws Exception {
        compare(Repo.testdata().resolve("pcap").resolve(name));
    }

    @Test
    void tsharkAgreesOnEveryCraftedEthernetPacket() throws Exception {
        assertEquals(CraftCases.LINES.stream().filter(l -> !l.contains("--no-ethernet")).count(), compare(craftedEthernet));
    }

    @Test
    void tsharkAgreesOnEveryCraftedRawIpPacket() throws Exception {
        assertEquals(CraftCases.LINES.stream().filter(l -> l.contains("--no-ethernet")).count(), compare(craftedRaw));
    }

    @Test
    void aBrokenChecksumIsBadForBothDecoders() throws Exception {
        byte[] frame = io.portredirect.protocol.packet.Bytes.fromHex(Rd.ok("craft", "--src", "198.18.0.1:41000", "--dst", "198.18.0.10:80",
                "--syn", "--redirect", "--hex").out().trim());
        frame[14 + 20 + 16] ^= 0x01; // TCP checksum field
        Path pcap = dir.resolve("bad-checksum.pcap");
        io.portredirect.tools.pcap.PcapFiles.write(pcap, io.portredirect.tools.pcap.LinkType.ETHERNET,
                List.of(new io.portredirect.tools.pcap.Frame(frame, io.portredirect.tools.pcap.LinkType.ETHERNET, null)), false);
        JsonNode d = Rd.ok("decode", "--pcap", pcap.toString(), "--json").jsonLines().get(0);
        assertEquals("bad", d.path("tcp").path("checksum_status").asText(), d.toString());
        assertEquals("BAD_CHECKSUM", d.path("problems").get(0).path("code").asText(), d.toString());
        assertEquals("0", value(tshark(pcap).get(0), "tcp.checksum.status", 0), "tshark: bad");
        assertEquals("present", d.path("redirect").path("status").asText(), "the option is still read: " + d);
    }

    /** Compares every packet of a file; returns how many there were. */
    private static int compare(Path pcap) throws Exception {
        List<JsonNode> ours = Rd.ok("decode", "--pcap", pcap.toString(), "--json").jsonLines();
        List<JsonNode> theirs = tshark(pcap);
        assertEquals(ours.size(), theirs.size(), "packet count of " + pcap);
        for (int i = 0; i < ours.size(); i++) {
            comparePacket(ours.get(i), theirs.get(i), pcap.getFileName() + " packet " + (i + 1));
        }
        return ours.size();
    }

    private static void comparePacket(JsonNode d, JsonNode t, String where) {
        String ctx = where + "\n  rdtool: " + d + "\n  tshark: " + t;
        assertEquals(d.path("length").asInt(), Integer.parseInt(first(t, "frame.len")), ctx);
        if (!d.path("ok").asBoolean()) {
            // unparseable for us: tshark must find it broken too
            assertTrue(t.has("_ws.malformed") || values(t, "_ws.expert.message").stream().anyMatch(m -> m.contains("Malformed") || m.contains("exceeds")),
                    "tshark should also call it malformed: " + ctx);
            return;
        }
        if (!d.path("malformed").asBoolean()) {
            assertFalse(t.has("_ws.malformed"), "tshark calls a packet malformed that decode accepts: " + ctx);
        }
        JsonNode ip = d.path("ip");
        boolean v6 = ip.path("version").asInt() == 6;
        String p = v6 ? "ipv6." : "ip.";
        assertEquals(addr(ip.path("src").asText()), addr(value(t, p + "src", 0)), ctx);
        assertEquals(addr(ip.path("dst").asText()), addr(value(t, p + "dst", 0)), ctx);
        if (v6) {
            assertEquals(ip.path("payload_length").asInt(), Integer.parseInt(value(t, "ipv6.plen", 0)), ctx);
        } else {
            assertEquals(ip.path("total_length").asInt(), Integer.parseInt(value(t, "ip.len", 0)), ctx);
            assertEquals("1", value(t, "ip.checksum.status", 0), "tshark: IPv4 header checksum good: " + ctx);
            assertEquals("good", ip.path("checksum_status").asText(), ctx);
        }
        if (d.has("tcp")) {
            compareTcp(d, t, ctx);
        } else if (d.has("udp")) {
            compareUdp(d, t, v6, ctx);
        } else if (d.has("icmp")) {
            compareIcmp(d.path("icmp"), t, v6, ctx);
        } else {
            fail("decode found no transport: " + ctx);
        }
    }

    private static void compareTcp(JsonNode d, JsonNode t, String ctx) {
        JsonNode tcp = d.path("tcp");
        assertEquals(tcp.path("src_port").asText(), value(t, "tcp.srcport", 0), ctx);
        assertEquals(tcp.path("dst_port").asText(), value(t, "tcp.dstport", 0), ctx);
        assertEquals(tcp.path("flags").asInt(), Integer.decode(value(t, "tcp.flags", 0)) & 0xFF, ctx);
        assertEquals(tcp.path("seq").asText(), value(t, "tcp.seq_raw", 0), ctx);
        assertEquals(tcp.path("ack").asText(), value(t, "tcp.ack_raw", 0), ctx);
        assertEquals(tcp.path("header_length").asText(), value(t, "tcp.hdr_len", 0), ctx);
        assertEquals("1", value(t, "tcp.checksum.status", 0), "tshark: TCP checksum good: " + ctx);
        assertEquals("good", tcp.path("checksum_status").asText(), ctx);

        List<String> ourKinds = new ArrayList<>();
        List<String> ourExids = new ArrayList<>();
        List<String> ourData = new ArrayList<>();
        for (JsonNode o : tcp.path("options")) {
            ourKinds.add(o.path("kind").asText());
            if (o.path("kind").asInt() == 253) {
                ourExids.add(String.format("0x%04x", o.path("exid").asInt()));
                ourData.add(o.path("data").asText());
            }
        }
        List<String> theirKinds = values(t, "tcp.option_kind");
        if (tcp.has("options_error")) {
            // decode stops at the break; tshark lists the broken option too
            assertEquals(ourKinds, theirKinds.subList(0, Math.min(ourKinds.size(), theirKinds.size())), ctx);
        } else {
            assertEquals(ourKinds, theirKinds, "option kinds in order: " + ctx);
            assertEquals(ourExids, values(t, "tcp.options.experimental.exid"), ctx);
            assertEquals(ourData, normalizedBytes(values(t, "tcp.options.experimental.data")), ctx);
        }
        JsonNode r = d.path("redirect");
        if ("present".equals(r.path("status").asText())) {
            String flagsAndPort = String.format("%02x", r.path("flags").asInt()) + (r.path("port").isNull() ? "" : String.format("%04x", r.path("port").asInt()));
            assertEquals(List.of("0x5244"), values(t, "tcp.options.experimental.exid"), ctx);
            assertEquals(List.of(flagsAndPort), normalizedBytes(values(t, "tcp.options.experimental.data")), "ExID data = flags + port: " + ctx);
        }
    }

    private static void compareUdp(JsonNode d, JsonNode t, boolean v6, String ctx) {
        JsonNode udp = d.path("udp");
        assertEquals(udp.path("src_port").asText(), value(t, "udp.srcport", 0), ctx);
        assertEquals(udp.path("dst_port").asText(), value(t, "udp.dstport", 0), ctx);
        assertEquals(udp.path("length").asText(), value(t, "udp.length", 0), ctx);
        assertEquals("1", value(t, "udp.checksum.status", 0), "tshark: UDP checksum good: " + ctx);
        assertEquals("good", udp.path("checksum_status").asText(), ctx);
        // the surplus area as tshark sees it: IP payload beyond the UDP length
        int ipPayload = v6 ? Integer.parseInt(value(t, "ipv6.plen", 0))
                : Integer.parseInt(value(t, "ip.len", 0)) - Integer.parseInt(value(t, "ip.hdr_len", 0));
        assertEquals(udp.path("surplus_length").asInt(), ipPayload - Integer.parseInt(value(t, "udp.length", 0)), ctx);
    }

    private static void compareIcmp(JsonNode icmp, JsonNode t, boolean v6, String ctx) {
        String p = v6 ? "icmpv6." : "icmp.";
        assertEquals(icmp.path("type").asText(), value(t, p + "type", 0), ctx);
        assertEquals(icmp.path("code").asText(), value(t, p + "code", 0), ctx);
        assertEquals("1", value(t, p + "checksum.status", 0), "tshark: ICMP checksum good: " + ctx);
        assertEquals("good", icmp.path("checksum_status").asText(), ctx);
        if (icmp.has("mtu")) {
            assertEquals(icmp.path("mtu").asText(), value(t, p + "mtu", 0), ctx);
        }
        JsonNode q = icmp.path("quote");
        if (!q.has("src")) {
            return;
        }
        // tshark dissects the quote as a second IP layer: index 1 of the IP fields
        String ipp = v6 ? "ipv6." : "ip.";
        assertEquals(addr(q.path("src").asText()), addr(value(t, ipp + "src", 1)), ctx);
        assertEquals(addr(q.path("dst").asText()), addr(value(t, ipp + "dst", 1)), ctx);
        if (q.has("src_port")) {
            String tp = "TCP".equals(q.path("protocol_name").asText()) ? "tcp." : "udp.";
            assertEquals(q.path("src_port").asText(), value(t, tp + "srcport", 0), ctx);
            assertEquals(q.path("dst_port").asText(), value(t, tp + "dstport", 0), ctx);
            int quotedLength = v6 ? 40 + Integer.parseInt(value(t, "ipv6.plen", 1)) : Integer.parseInt(value(t, "ip.len", 1));
            if (quotedLength == q.path("length").asInt()) {
                // a whole quoted packet: tshark can verify its checksum, and it must be intact
                assertEquals("1", value(t, tp + "checksum.status", 0), "tshark: quoted packet's checksum good: " + ctx);
            }
        }
    }

    // ---- tshark ----------------------------------------------------------------------------

    private static List<JsonNode> tshark(Path pcap) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("tshark", "-r", pcap.toString(), "-T", "json",
                "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE"));
        for (String f : FIELDS) {
            cmd.add("-e");
            cmd.add(f);
        }
        Path out = Files.createTempFile(dir, "tshark", ".json");
        Process proc = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (!proc.waitFor(60, TimeUnit.SECONDS)) {
            proc.destroyForcibly();
            fail("tshark timed out on " + pcap);
        }
        assertEquals(0, proc.exitValue(), "tshark exit status on " + pcap);
        List<JsonNode> packets = new ArrayList<>();
        for (JsonNode n : JSON.readTree(out.toFile())) {
            packets.add(n.path("_source").path("layers"));
        }
        return packets;
    }

    private static List<String> values(JsonNode layers, String field) {
        List<String> v = new ArrayList<>();
        layers.path(field).forEach(n -> v.add(n.asText()));
        return v;
    }

    private static String value(JsonNode layers, String field, int index) {
        List<String> v = values(layers, field);
        if (v.size() <= index) {
            fail("tshark has no " + field + "[" + index + "] in " + layers);
        }
        return v.get(index);
    }

    private static String first(JsonNode layers, String field) {
        return value(layers, field, 0);
    }

    private static List<String> normalizedBytes(List<String> hex) {
        return hex.stream().map(s -> s.replace(":", "").toLowerCase()).toList();
    }

    private static InetAddress addr(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError("not an address: " + literal, e);
        }
    }
}
