package io.portredirect.protocol.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.EthernetView;
import io.portredirect.protocol.packet.IcmpView;
import io.portredirect.protocol.packet.IpProtocol;
import io.portredirect.protocol.packet.Ipv4View;
import io.portredirect.protocol.packet.Ipv6View;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.QuotedPacket;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;

import static io.portredirect.protocol.fuzz.PacketInvariants.check;
import static io.portredirect.protocol.fuzz.PacketInvariants.parse;
import static io.portredirect.protocol.fuzz.PacketInvariants.require;
import static io.portredirect.protocol.fuzz.PacketInvariants.summary;

/**
 * Fuzz targets for {@link io.portredirect.protocol.packet.PacketParser}: any bytes, as an Ethernet
 * frame or a bare IP packet, and ICMP errors quoting any bytes. Corpus: {@code testdata/fuzz/parse-frame},
 * {@code parse-ip}, {@code icmp-quote}; how to run: {@code testdata/fuzz/README.md}.
 */
class PacketParserFuzzTest {
    private static final int SHIFT = 3;
    private final ParsedPacket first = new ParsedPacket();
    private final ParsedPacket second = new ParsedPacket();

    /** The input as an Ethernet frame: never throws, offsets in order and inside the frame, and the result does not depend on where the frame sits in its buffer. */
    @FuzzTest(maxDuration = "30s")
    void parseFrame(byte[] data) {
        parseTwice(data, true);
    }

    /** The input as a packet that starts with its IP header (raw sockets, LINKTYPE_RAW). */
    @FuzzTest(maxDuration = "30s")
    void parseIp(byte[] data) {
        parseTwice(data, false);
    }

    private void parseTwice(byte[] data, boolean frame) {
        ParsedPacket p = parse(data, 0, data.length, frame, first);
        check(p, data, 0, data.length, frame);
        // the same bytes behind other bytes and before a tail: only the offsets may move
        byte[] shifted = new byte[SHIFT + data.length + SHIFT];
        Arrays.fill(shifted, (byte) 0x45);
        System.arraycopy(data, 0, shifted, SHIFT, data.length);
        ParsedPacket q = parse(shifted, SHIFT, data.length, frame, second);
        check(q, shifted, SHIFT, data.length, frame);
        require(summary(p, 0).equals(summary(q, SHIFT)), "result depends on the bytes around the packet");
    }

    /**
     * An IPv4 or IPv6 ICMP error whose quote is the input (after one selector byte): the outer
     * packet always parses, the quote never throws, its offsets stay inside the packet, and when
     * the quote is itself a well-formed TCP/UDP packet the quote's ports are the ones
     * {@code parseIp} reads from it.
     */
    @FuzzTest(maxDuration = "30s")
    void icmpQuote(byte[] data) {
        if (data.length < 1) {
            return;
        }
        int selector = data[0] & 0xFF;
        boolean v6 = (selector & 1) != 0;
        int[] types = v6 ? V6_ERRORS : V4_ERRORS;
        int type = types[(selector >>> 1) % types.length];
        int quoteLength = Math.min(data.length - 1, MAX_QUOTE);
        int l3 = EthernetView.HEADER_LENGTH;
        int l4 = l3 + (v6 ? Ipv6View.HEADER_LENGTH : Ipv4View.MIN_HEADER_LENGTH);
        int q = l4 + IcmpView.HEADER_LENGTH;
        byte[] b = new byte[q + quoteLength];
        System.arraycopy(v6 ? OUTER6 : OUTER4, 0, b, 0, q);
        System.arraycopy(data, 1, b, q, quoteLength);
        b[l4] = (byte) type;
        b[l4 + 1] = (byte) (selector >>> 4);
        if (v6) {
            Bytes.put16(b, l3 + Ipv6View.PAYLOAD_LENGTH_OFFSET, IcmpView.HEADER_LENGTH + quoteLength);
        } else {
            Bytes.put16(b, l3 + Ipv4View.TOTAL_LENGTH_OFFSET, Ipv4View.MIN_HEADER_LENGTH + IcmpView.HEADER_LENGTH + quoteLength);
        }
        ParsedPacket p = parse(b, 0, b.length, true, first);
        check(p, b, 0, b.length, true);
        require(p.ok() && p.isIcmpError(), "an ICMP error with any quote parses");
        QuotedPacket quote = p.quoted();
        require(quote.status() != QuotedPacket.Status.NONE, "the quote was looked at");

        // differential: the quote on its own, parsed as an IP packet
        ParsedPacket alone = parse(b, q, quoteLength, false, second);
        if (alone.ok() && alone.ipVersion() == p.ipVersion() && alone.srcPort() >= 0) {
            require(quote.status() == QuotedPacket.Status.COMPLETE, "a well-formed quoted TCP/UDP packet has its ports read");
            require(quote.protocol() == alone.protocol(), "quote protocol = parseIp protocol");
            require(quote.srcPort() == alone.srcPort() && quote.dstPort() == alone.dstPort(), "quote ports = parseIp ports");
            require(quote.l4Offset() == alone.l4Offset(), "quote l4Offset = parseIp l4Offset");
        }
    }

    private static final int MAX_QUOTE = 1400;
    private static final int[] V4_ERRORS = {IcmpView.V4_DEST_UNREACHABLE, IcmpView.V4_TIME_EXCEEDED,
            IcmpView.V4_PARAMETER_PROBLEM, IcmpView.V4_SOURCE_QUENCH, IcmpView.V4_REDIRECT};
    private static final int[] V6_ERRORS = {IcmpView.V6_DEST_UNREACHABLE, IcmpView.V6_PACKET_TOO_BIG,
            IcmpView.V6_TIME_EXCEEDED, IcmpView.V6_PARAMETER_PROBLEM};
    private static final byte[] OUTER4 = Bytes.fromHex(
            "02000000000a 02000000fe00 0800"
                    + "45000000 00000000 40" + String.format("%02x", IpProtocol.ICMP) + "0000 c61200fe c612000a"
                    + "00000000 00000000");
    private static final byte[] OUTER6 = Bytes.fromHex(
            "02000000000a 02000000fe00 86dd"
                    + "60000000 0000" + String.format("%02x", IpProtocol.ICMPV6) + "40"
                    + "200100020000000000000000000000fe" + "20010002000000000000000000000010"
                    + "00000000 00000000");

    @Test
    void corpusIsOnTheClassPath() throws IOException {
        FuzzCorpus.assertPresent(getClass(), "parseFrame", 20);
        FuzzCorpus.assertPresent(getClass(), "parseIp", 20);
        FuzzCorpus.assertPresent(getClass(), "icmpQuote", 10);
    }
}
