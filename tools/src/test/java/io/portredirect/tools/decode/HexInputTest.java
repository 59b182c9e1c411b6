package io.portredirect.tools.decode;

import com.fasterxml.jackson.databind.JsonNode;
import io.portredirect.protocol.packet.Bytes;
import io.portredirect.tools.Rd;
import io.portredirect.tools.pcap.LinkType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hex input: link type guessing, stdin lines with comments, several packets per run. */
class HexInputTest {
    private static String craft(String line) {
        return Rd.ok(Rd.args("craft " + line + " --hex")).out().trim();
    }

    @Test
    void guessesEthernetAndRawIp() {
        String eth = craft("--src 198.18.0.1:1 --dst 198.18.0.10:80 --redirect");
        String raw4 = craft("--src 198.18.0.1:1 --dst 198.18.0.10:80 --redirect --no-ethernet");
        String raw6 = craft("--src [2001:2::1]:1 --dst [2001:2::10]:80 --udp --redirect --no-ethernet");
        assertEquals(LinkType.ETHERNET, HexFrames.guessLink(Bytes.fromHex(eth)));
        assertEquals(LinkType.RAW, HexFrames.guessLink(Bytes.fromHex(raw4)));
        assertEquals(LinkType.RAW, HexFrames.guessLink(Bytes.fromHex(raw6)));
        List<JsonNode> d = Rd.ok("decode", "--json", "--hex", eth, raw4, raw6).jsonLines();
        assertEquals(List.of("ethernet", "raw", "raw"), d.stream().map(n -> n.path("link").asText()).toList());
        d.forEach(n -> assertEquals("present", n.path("redirect").path("status").asText(), n.toString()));
        assertEquals(List.of(1L, 2L, 3L), d.stream().map(n -> n.path("index").asLong()).toList());
    }

    @Test
    void readsStandardInputSkippingCommentsAndBlankLines() {
        String a = craft("--src 198.18.0.1:1 --dst 198.18.0.10:80 --syn --redirect");
        String b = craft("--src 198.18.0.10:80 --dst 198.18.0.1:1 --flags SYN,ACK --confirm --opt-port 8081");
        Rd.Result r = Rd.runWithStdin("# a comment\n\n" + a + "\n   \n# another\n" + b + "\n", "decode", "--hex", "-", "--json");
        assertEquals(0, r.exit(), r.toString());
        List<JsonNode> d = r.jsonLines();
        assertEquals(2, d.size());
        assertEquals(8081, d.get(1).path("redirect").path("port").asInt());
    }

    @Test
    void countStopsEarly() {
        String a = craft("--src 198.18.0.1:1 --dst 198.18.0.10:80");
        assertEquals(1, Rd.ok("decode", "--json", "--count", "1", "--hex", a, a).jsonLines().size());
    }

    @Test
    void badHexOnStandardInputNamesTheLine() {
        Rd.Result r = Rd.runWithStdin("# ok\n4500\nnot-hex\n", "decode", "--hex", "-");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("standard input line 3"), r.toString());
    }

    @Test
    void textOutputNamesEveryLayer() {
        String udp = craft("--src 198.18.0.1:41000 --dst 198.18.0.10:7000 --udp --payload hello --redirect");
        String out = Rd.ok("decode", "--hex", udp).out();
        assertTrue(out.contains("ipv4      198.18.0.1 > 198.18.0.10 UDP"), out);
        assertTrue(out.contains("udp       41000 > 7000 len 13 payload 5"), out);
        assertTrue(out.contains("udp-opts  ocs 0x"), out);
        assertTrue(out.contains("good; EXP exid 0x5244 data 01"), out);
        assertTrue(out.contains("redirect  REDIRECT (flags 0x01, option length 5)"), out);
    }
}
