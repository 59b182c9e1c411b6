package io.portredirect.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portredirect.protocol.packet.Bytes;
import io.portredirect.tools.CraftCases;
import io.portredirect.tools.Rd;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Everything {@code craft} writes, {@code decode} reads back as asked for: each line of
 * {@link CraftCases} is crafted into a pcap file and as hex, decoded with {@code --json}, and every
 * decoded field is compared with what the craft options asked for (not with another decode).
 */
class CraftDecodeRoundTripTest {
    private static final Set<String> BOOLEAN_OPTIONS = Set.of("--tcp", "--udp", "--syn", "--ack", "--fin", "--rst", "--psh", "--urg",
            "--ece", "--cwr", "--sack-perm", "--redirect", "--confirm", "--no-ethernet", "--no-df", "--append", "--hex");
    private static final String[] FLAG_NAMES = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};

    @TempDir
    static Path dir;
    static CraftCases.Fixtures fixtures;

    @BeforeAll
    static void quotes() {
        Rd.assumeLibpcap();
        fixtures = CraftCases.fixtures(dir);
    }

    static List<String> lines() {
        return CraftCases.LINES;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lines")
    void craftedPcapDecodesToTheCraftOptions(String line) {
        String[] args = fixtures.expand(line);
        Path pcap = dir.resolve("case-" + Integer.toHexString(line.hashCode()) + ".pcap");
        List<String> craft = new ArrayList<>(List.of("craft"));
        craft.addAll(List.of(args));
        craft.addAll(List.of("--out", pcap.toString()));
        Rd.ok(craft.toArray(String[]::new));

        List<JsonNode> decoded = Rd.ok("decode", "--pcap", pcap.toString(), "--json").jsonLines();
        assertEquals(1, decoded.size(), "one packet");
        JsonNode d = decoded.get(0);
        expect(options(args), fixtures.quotedBy(line), d);

        // the same packet as hex decodes to the same fields (only the capture time differs)
        craft.set(craft.size() - 2, "--hex");
        craft.remove(craft.size() - 1);
        String hex = Rd.ok(craft.toArray(String[]::new)).out().trim();
        JsonNode fromHex = Rd.ok("decode", "--hex", hex, "--json").jsonLines().get(0);
        ((ObjectNode) d).remove("time");
        assertEquals(d, fromHex, "decode --hex agrees with decode --pcap");
    }

    @Test
    void appendBuildsOneFileFromManyCrafts() {
        Path pcap = dir.resolve("appended.pcap");
        int n = 0;
        for (String line : CraftCases.LINES) {
            if (line.contains("--no-ethernet")) {
                continue;
            }
            List<String> craft = new ArrayList<>(List.of("craft"));
            craft.addAll(List.of(fixtures.expand(line)));
            craft.addAll(List.of("--out", pcap.toString(), "--append"));
            Rd.ok(craft.toArray(String[]::new));
            n++;
        }
        List<JsonNode> decoded = Rd.ok("decode", "--pcap", pcap.toString(), "--json").jsonLines();
        assertEquals(n, decoded.size());
        int i = 0;
        for (String line : CraftCases.LINES) {
            if (!line.contains("--no-ethernet")) {
                expect(options(fixtures.expand(line)), fixtures.quotedBy(line), decoded.get(i++));
            }
        }
    }

    // ---- expectations from the craft options -----------------------------------------------

    static Map<String, String> options(String[] args) {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (BOOLEAN_OPTIONS.contains(args[i])) {
                o.put(args[i], "true");
            } else {
                o.put(args[i], args[++i]);
            }
        }
        return o;
    }

    /** Asserts every field the options determine. */
    static void expect(Map<String, String> o, byte[] quotedIp, JsonNode d) {
        String where = "decoded " + d;
        assertTrue(d.path("ok").asBoolean(), where);
        assertFalse(d.path("malformed").asBoolean(), where);
        assertEquals(0, d.path("problems").size(), where);

        boolean raw = o.containsKey("--no-ethernet");
        assertEquals(raw ? "raw" : "ethernet", d.path("link").asText(), where);
        if (!raw) {
            assertEquals(o.getOrDefault("--src-mac", CraftCommand.DEFAULT_SRC_MAC), d.path("eth").path("src").asText(), where);
            assertEquals(o.getOrDefault("--dst-mac", CraftCommand.DEFAULT_DST_MAC), d.path("eth").path("dst").asText(), where);
        }

        String[] src = hostPort(o.get("--src"));
        String[] dst = hostPort(o.get("--dst"));
        JsonNode ip = d.path("ip");
        assertEquals(address(src[0]), address(ip.path("src").asText()), where);
        assertEquals(address(dst[0]), address(ip.path("dst").asText()), where);
        boolean v6 = src[0].contains(":");
        assertEquals(v6 ? 6 : 4, ip.path("version").asInt(), where);
        if (v6) {
            assertEquals(Integer.parseInt(o.getOrDefault("--ttl", "64")), ip.path("hop_limit").asInt(), where);
        } else {
            assertEquals(Integer.parseInt(o.getOrDefault("--ttl", "64")), ip.path("ttl").asInt(), where);
            assertEquals(Integer.parseInt(o.getOrDefault("--ip-id", "0")), ip.path("id").asInt(), where);
            assertEquals(!o.containsKey("--no-df"), ip.path("df").asBoolean(), where);
            assertEquals("good", ip.path("checksum_status").asText(), where);
        }

        byte[] payload = payload(o.get("--payload"));
        if (o.containsKey("--udp")) {
            JsonNode udp = d.path("udp");
            assertEquals("UDP", ip.path("protocol_name").asText(), where);
            assertEquals(Integer.parseInt(src[1]), udp.path("src_port").asInt(), where);
            assertEquals(Integer.parseInt(dst[1]), udp.path("dst_port").asInt(), where);
            assertEquals(8 + payload.length, udp.path("length").asInt(), where);
            assertEquals(Bytes.hex(payload, 0, payload.length), udp.path("payload").asText(), where);
            assertEquals("good", udp.path("checksum_status").asText(), where);
            if (hasExtension(o)) {
                assertEquals("good", udp.path("ocs_status").asText(), where);
                int optionLength = o.containsKey("--opt-port") ? 7 : 5;
                assertEquals((payload.length & 1) + 2 + optionLength, udp.path("surplus_length").asInt(), where);
            } else {
                assertEquals(0, udp.path("surplus_length").asInt(), where);
            }
            expectRedirect(o, d.path("redirect"), where);
        } else if (o.containsKey("--icmp")) {
            JsonNode icmp = d.path("icmp");
            String[] tc = o.get("--icmp").split("/");
            assertEquals(Integer.parseInt(tc[0]), icmp.path("type").asInt(), where);
            assertEquals(Integer.parseInt(tc[1]), icmp.path("code").asInt(), where);
            assertEquals("good", icmp.path("checksum_status").asText(), where);
            if (o.containsKey("--mtu")) {
                assertEquals(Long.parseLong(o.get("--mtu")), icmp.path("mtu").asLong(), where);
            }
            if (quotedIp != null) {
                expectQuote(o, quotedIp, icmp, where);
            } else {
                assertEquals(Bytes.hex(payload, 0, payload.length), icmp.path("payload").asText(), where);
            }
            assertFalse(d.has("redirect"), where);
        } else {
            JsonNode tcp = d.path("tcp");
            assertEquals("TCP", ip.path("protocol_name").asText(), where);
            assertEquals(Integer.parseInt(src[1]), tcp.path("src_port").asInt(), where);
            assertEquals(Integer.parseInt(dst[1]), tcp.path("dst_port").asInt(), where);
            assertEquals(tcpFlags(o), tcp.path("flags").asInt(), where);
            assertEquals(Long.parseLong(o.getOrDefault("--seq", "0")), tcp.path("seq").asLong(), where);
            assertEquals(Long.parseLong(o.getOrDefault("--ack-num", "0")), tcp.path("ack").asLong(), where);
            assertEquals(Integer.parseInt(o.getOrDefault("--window", "65535")), tcp.path("window").asInt(), where);
            assertEquals(Bytes.hex(payload, 0, payload.length), tcp.path("payload").asText(), where);
            assertEquals("good", tcp.path("checksum_status").asText(), where);
            assertEquals(0, tcp.path("header_length").asInt() % 4, where);
            expectTcpOptions(o, tcp.path("options"), where);
            expectRedirect(o, d.path("redirect"), where);
        }
    }

    private static void expectQuote(Map<String, String> o, byte[] quotedIp, JsonNode icmp, String where) {
        byte[] expected = quotedIp;
        if (o.containsKey("--quote-bytes")) {
            int header = (quotedIp[0] & 0xF0) == 0x40 ? (quotedIp[0] & 0x0F) * 4 : 40;
            expected = java.util.Arrays.copyOf(quotedIp, Math.min(quotedIp.length, header + Integer.parseInt(o.get("--quote-bytes"))));
        }
        assertEquals(Bytes.hex(expected, 0, expected.length), icmp.path("payload").asText(), where);
        JsonNode q = icmp.path("quote");
        assertEquals("complete", q.path("status").asText(), where);
        assertEquals(expected.length, q.path("length").asInt(), where);
        boolean v6 = (quotedIp[0] & 0xF0) == 0x60;
        int addrLen = v6 ? 16 : 4;
        int srcOff = v6 ? 8 : 12;
        assertEquals(address(Bytes.ip(quotedIp, srcOff, addrLen)), address(q.path("src").asText()), where);
        assertEquals(address(Bytes.ip(quotedIp, srcOff + addrLen, addrLen)), address(q.path("dst").asText()), where);
        int l4 = v6 ? 40 : (quotedIp[0] & 0x0F) * 4;
        assertEquals(Bytes.u16(quotedIp, l4), q.path("src_port").asInt(), where);
        assertEquals(Bytes.u16(quotedIp, l4 + 2), q.path("dst_port").asInt(), where);
    }

    private static void expectTcpOptions(Map<String, String> o, JsonNode options, String where) {
        Map<Integer, JsonNode> byKind = new HashMap<>();
        for (JsonNode opt : options) {
            int kind = opt.path("kind").asInt();
            if (kind != 1) {
                assertFalse(byKind.containsKey(kind), "option kind " + kind + " twice in " + where);
                byKind.put(kind, opt);
            }
        }
        Set<Integer> expectedKinds = new java.util.HashSet<>();
        if (o.containsKey("--mss")) {
            expectedKinds.add(2);
            assertEquals(Integer.parseInt(o.get("--mss")), byKind.get(2).path("mss").asInt(), where);
        }
        if (o.containsKey("--wscale")) {
            expectedKinds.add(3);
            assertEquals(Integer.parseInt(o.get("--wscale")), byKind.get(3).path("shift").asInt(), where);
        }
        if (o.containsKey("--sack-perm")) {
            expectedKinds.add(4);
        }
        if (o.containsKey("--ts")) {
            expectedKinds.add(8);
            String[] ts = o.get("--ts").split(":");
            assertEquals(Long.parseLong(ts[0]), byKind.get(8).path("tsval").asLong(), where);
            assertEquals(ts.length > 1 ? Long.parseLong(ts[1]) : 0, byKind.get(8).path("tsecr").asLong(), where);
        }
        if (hasExtension(o)) {
            expectedKinds.add(253);
            JsonNode exp = byKind.get(253);
            assertEquals(0x5244, exp.path("exid").asInt(), where);
            int port = o.containsKey("--opt-port") ? Integer.parseInt(o.get("--opt-port")) : 0;
            String data = String.format("%02x", extensionFlags(o)) + (port != 0 ? String.format("%04x", port) : "");
            assertEquals(data, exp.path("data").asText(), where);
        }
        assertEquals(expectedKinds, byKind.keySet(), where);
    }

    private static void expectRedirect(Map<String, String> o, JsonNode r, String where) {
        if (!hasExtension(o)) {
            assertEquals("absent", r.path("status").asText(), where);
            return;
        }
        assertEquals("present", r.path("status").asText(), where);
        assertEquals(extensionFlags(o), r.path("flags").asInt(), where);
        if (o.containsKey("--opt-port")) {
            assertEquals(Integer.parseInt(o.get("--opt-port")), r.path("port").asInt(), where);
            assertEquals(7, r.path("length").asInt(), where);
        } else {
            assertTrue(r.path("port").isNull(), where);
            assertEquals(5, r.path("length").asInt(), where);
        }
        List<String> names = new ArrayList<>();
        r.path("flag_names").forEach(n -> names.add(n.asText()));
        assertEquals((extensionFlags(o) & 1) != 0, names.contains("REDIRECT"), where);
        assertEquals((extensionFlags(o) & 2) != 0, names.contains("REDIRECT_CONFIRM"), where);
    }

    private static boolean hasExtension(Map<String, String> o) {
        return o.containsKey("--redirect") || o.containsKey("--confirm") || o.containsKey("--ext-flags");
    }

    private static int extensionFlags(Map<String, String> o) {
        if (o.containsKey("--ext-flags")) {
            return Integer.decode(o.get("--ext-flags"));
        }
        return (o.containsKey("--redirect") ? 1 : 0) | (o.containsKey("--confirm") ? 2 : 0);
    }

    private static int tcpFlags(Map<String, String> o) {
        int f = 0;
        boolean any = false;
        if (o.containsKey("--flags")) {
            for (String name : o.get("--flags").split(",")) {
                any = true;
                int i = List.of(FLAG_NAMES).indexOf(name.toUpperCase());
                f |= i >= 0 ? 1 << i : Integer.decode(name);
            }
        }
        for (int i = 0; i < FLAG_NAMES.length; i++) {
            if (o.containsKey("--" + FLAG_NAMES[i].toLowerCase())) {
                f |= 1 << i;
                any = true;
            }
        }
        return any ? f : 0x02;
    }

    private static byte[] payload(String spec) {
        if (spec == null) {
            return new byte[0];
        }
        return spec.startsWith("hex:") ? Bytes.fromHex(spec.substring(4)) : spec.getBytes(StandardCharsets.UTF_8);
    }

    private static String[] hostPort(String s) {
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            return new String[] {s.substring(1, close), s.substring(close + 2)};
        }
        if (s.chars().filter(c -> c == ':').count() > 1) {
            return new String[] {s, "0"};
        }
        int colon = s.indexOf(':');
        return colon < 0 ? new String[] {s, "0"} : new String[] {s.substring(0, colon), s.substring(colon + 1)};
    }

    static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError("not an address: " + literal, e);
        }
    }
}
