package io.portredirect.tools.decode;

import com.fasterxml.jackson.databind.JsonNode;
import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.IpProtocol;
import io.portredirect.protocol.packet.Ipv4View;
import io.portredirect.tools.Rd;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Layers the craft table does not produce: IPv4 fragments and 802.1Q tags. */
class DecodeLayersTest {
    private static byte[] craft(String line) {
        return Bytes.fromHex(Rd.ok(Rd.args("craft " + line + " --hex")).out().trim());
    }

    private static JsonNode decode(byte[] frame) {
        return Rd.ok("decode", "--json", "--link", "ethernet", "--hex", Bytes.hex(frame, 0, frame.length)).jsonLines().get(0);
    }

    @Test
    void nonFirstFragmentHasAddressesButNoTransport() {
        byte[] b = craft("--src 198.18.0.1:41000 --dst 198.18.0.10:7000 --udp --payload hello --redirect --no-df");
        Bytes.put16(b, 14 + Ipv4View.FLAGS_FRAGMENT_OFFSET, 185); // offset 1480 bytes, no MF
        new Ipv4View().wrap(b, 14).computeChecksum();
        JsonNode d = decode(b);
        assertTrue(d.path("ok").asBoolean(), d.toString());
        assertEquals("non_first", d.path("ip").path("fragment").asText(), d.toString());
        assertEquals(1480, d.path("ip").path("fragment_offset").asInt(), d.toString());
        assertEquals("good", d.path("ip").path("checksum_status").asText(), d.toString());
        assertFalse(d.has("udp"), "a non-first fragment carries no UDP header: " + d);
        assertFalse(d.path("malformed").asBoolean(), d.toString());
    }

    @Test
    void firstFragmentHasPortsButItsChecksumIsUnverified() {
        byte[] b = craft("--src 198.18.0.1:41000 --dst 198.18.0.10:7000 --udp --payload hello --no-df");
        Bytes.put16(b, 14 + Ipv4View.FLAGS_FRAGMENT_OFFSET, Ipv4View.FLAG_MORE_FRAGMENTS);
        new Ipv4View().wrap(b, 14).computeChecksum();
        JsonNode d = decode(b);
        assertEquals("first", d.path("ip").path("fragment").asText(), d.toString());
        assertTrue(d.path("ip").path("mf").asBoolean(), d.toString());
        assertEquals(7000, d.path("udp").path("dst_port").asInt(), d.toString());
        assertEquals("unverified", d.path("udp").path("checksum_status").asText(), "covers the whole datagram: " + d);
    }

    @Test
    void vlanTagIsSkippedAndNamed() {
        byte[] plain = craft("--src 198.18.0.1:41000 --dst 198.18.0.10:80 --redirect");
        byte[] tagged = new byte[plain.length + 4];
        System.arraycopy(plain, 0, tagged, 0, 12);
        Bytes.put16(tagged, 12, IpProtocol.ETHERTYPE_VLAN);
        Bytes.put16(tagged, 14, 42);
        System.arraycopy(plain, 12, tagged, 16, plain.length - 12);
        JsonNode d = decode(tagged);
        assertEquals(1, d.path("eth").path("vlan_tags").asInt(), d.toString());
        assertEquals(42, d.path("eth").path("vlan_id").asInt(), d.toString());
        assertEquals(0x0800, d.path("eth").path("type").asInt(), d.toString());
        assertEquals("present", d.path("redirect").path("status").asText(), d.toString());
        assertEquals("good", d.path("tcp").path("checksum_status").asText(), d.toString());
    }
}
