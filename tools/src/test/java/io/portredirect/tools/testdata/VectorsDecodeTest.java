package io.portredirect.tools.testdata;

import com.fasterxml.jackson.databind.JsonNode;
import io.portredirect.tools.Rd;
import io.portredirect.tools.Repo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The committed vectors decode as the README says: malformed packets are named with their reason
 * (and decode still exits 0), the packet after a malformed one decodes untouched, well-formed
 * packets have no problems, and the hex files decode to the same fields as the pcap files.
 */
class VectorsDecodeTest {
    @BeforeAll
    static void pcap() {
        Rd.assumeLibpcap();
    }

    static List<Vector> vectors() {
        return Scenarios.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void decodesAsDescribed(Vector v) {
        Path pcap = Repo.testdata().resolve("pcap").resolve(v.name() + ".pcap");
        Rd.Result r = Rd.run("decode", "--pcap", pcap.toString(), "--json");
        assertEquals(0, r.exit(), "malformed packets are data, not errors: " + r);
        List<JsonNode> packets = r.jsonLines();
        assertEquals(v.packets().size(), packets.size(), r.toString());
        for (int i = 0; i < packets.size(); i++) {
            Vector.Packet expected = v.packets().get(i);
            JsonNode d = packets.get(i);
            if (expected.wellFormed()) {
                assertTrue(d.path("ok").asBoolean(), d.toString());
                assertFalse(d.path("malformed").asBoolean(), d.toString());
                assertEquals(0, d.path("problems").size(), d.toString());
            } else {
                assertTrue(d.path("malformed").asBoolean(), d.toString());
                assertTrue(codes(d).contains(expected.problem()), "decode names " + expected.problem() + ": " + d);
            }
        }
        if (v.name().startsWith("malformed-")) {
            // the packet after the malformed one is the well-formed SYN from the next client port
            JsonNode next = packets.get(1);
            assertEquals(Scenarios.CLIENT_PORT + 1, next.path("tcp").path("src_port").asInt(), next.toString());
            assertEquals("present", next.path("redirect").path("status").asText(), next.toString());
            assertEquals(1, next.path("redirect").path("flags").asInt(), next.toString());
            assertEquals("good", next.path("tcp").path("checksum_status").asText(), next.toString());
        }
        Rd.Result text = Rd.run("decode", "--pcap", pcap.toString());
        assertEquals(0, text.exit());
        for (Vector.Packet p : v.packets()) {
            if (!p.wellFormed()) {
                assertTrue(text.out().contains("[" + p.problem() + "]"), "text output names " + p.problem() + ":\n" + text.out());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void hexFileDecodesLikeThePcap(Vector v) throws IOException {
        Path hex = Repo.testdata().resolve("hex").resolve(v.name() + ".hex");
        String stdin = Files.readString(hex, StandardCharsets.US_ASCII);
        List<JsonNode> fromHex = Rd.runWithStdin(stdin, "decode", "--hex", "-", "--json", "--link", v.link().label()).jsonLines();
        List<JsonNode> fromPcap = Rd.ok("decode", "--pcap", Repo.testdata().resolve("pcap").resolve(v.name() + ".pcap").toString(), "--json").jsonLines();
        assertEquals(fromPcap.size(), fromHex.size());
        for (int i = 0; i < fromHex.size(); i++) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) fromPcap.get(i)).remove("time");
            assertEquals(fromPcap.get(i), fromHex.get(i), v.name() + " packet " + (i + 1));
        }
    }

    private static List<String> codes(JsonNode d) {
        List<String> codes = new java.util.ArrayList<>();
        d.path("problems").forEach(p -> codes.add(p.path("code").asText()));
        if (d.has("error")) {
            codes.add(d.get("error").asText());
        }
        return codes;
    }
}
