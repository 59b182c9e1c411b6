package io.portredirect.protocol.packet;

import io.portredirect.protocol.wire.RedirectExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.stream.Stream;

import static io.portredirect.protocol.packet.TestPackets.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * TransportChecksum against a naive reference (pseudo-header spelled out byte by byte, then the
 * textbook sum) on a table of packets, plus the verdicts for damaged and special packets.
 */
class TransportChecksumTest {
    static Stream<Arguments> packets() {
        return Stream.of(
            Arguments.of("v4 TCP SYN", syn4().build()),
            Arguments.of("v4 TCP odd payload + REDIRECT", syn4().payload(new byte[] {9, 8, 7}).redirect(RedirectExtension.redirect()).build()),
            Arguments.of("v6 TCP all options + CONFIRM", syn6().sackPermitted(true).timestamps(1, 2).windowScale(9)
                    .redirect(RedirectExtension.confirm(8001)).payload(new byte[33]).build()),
            Arguments.of("v4 UDP", udp4().build()),
            Arguments.of("v4 UDP odd payload + option", udp4().payload(new byte[] {1, 2, 3}).redirect(RedirectExtension.confirm(9)).build()),
            Arguments.of("v6 UDP + option", udp6().redirect(RedirectExtension.redirect()).build()),
            Arguments.of("v6 UDP empty", udp6().payload(new byte[0]).build()),
            Arguments.of("v4 ICMP echo, odd payload", CraftedPacket.builder().src(CLIENT4, 0).dst(VIP4, 0).icmp(8, 0, 77).payload(new byte[] {1, 2, 3}).build()),
            Arguments.of("v6 ICMPv6 echo", CraftedPacket.builder().src(CLIENT6, 0).dst(VIP6, 0).icmp(128, 0, 77).payload(new byte[] {1, 2, 3}).build()),
            Arguments.of("v4 TCP in a frame", syn4().ethernet(MAC_A, MAC_B).build())
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("packets")
    void agreesWithTheReference(String name, CraftedPacket packet) {
        byte[] b = packet.encode();
        ParsedPacket p = packet.hasEthernet() ? PacketParser.parseFrame(b, 0, b.length, new ParsedPacket())
                : PacketParser.parseIp(b, 0, b.length, new ParsedPacket());
        int field = p.l4Offset() + TransportChecksum.fieldOffset(p.protocol());
        int written = Bytes.u16(b, field);
        assertEquals(reference(packet, b, p), written, name);
        assertEquals(TransportChecksum.Verdict.VALID, TransportChecksum.verify(p), name);
        // every single-bit flip in the covered bytes is caught
        int covered = p.isUdp() ? p.udpLength() : p.l4Length();
        for (int i = p.l4Offset(); i < p.l4Offset() + covered; i++) {
            b[i] ^= 0x04;
            assertEquals(TransportChecksum.Verdict.INVALID, TransportChecksum.verify(p), name + " flip at " + i);
            b[i] ^= 0x04;
        }
        if (!p.isIcmp() || p.ipVersion() == 6) {
            b[p.srcAddrOffset() + 1] ^= 0x01;
            assertEquals(TransportChecksum.Verdict.INVALID, TransportChecksum.verify(p), name + ": pseudo-header covers the address");
            b[p.srcAddrOffset() + 1] ^= 0x01;
        }
        Bytes.put16(b, field, 0x1234);
        TransportChecksum.compute(p);
        assertEquals(written, Bytes.u16(b, field), name + ": compute writes the same value");
    }

    /** Textbook RFC 1071 over an explicitly assembled pseudo-header + segment. */
    private static int reference(CraftedPacket c, byte[] b, ParsedPacket p) {
        int len = p.isUdp() ? p.udpLength() : p.l4Length();
        byte[] seg = Arrays.copyOfRange(b, p.l4Offset(), p.l4Offset() + len);
        int field = TransportChecksum.fieldOffset(p.protocol());
        seg[field] = 0;
        seg[field + 1] = 0;
        byte[] pseudo;
        if (p.protocol() == IpProtocol.ICMP) {
            pseudo = new byte[0];
        } else if (p.ipVersion() == 4) {
            pseudo = new byte[12];
            System.arraycopy(c.src().getAddress(), 0, pseudo, 0, 4);
            System.arraycopy(c.dst().getAddress(), 0, pseudo, 4, 4);
            pseudo[9] = (byte) p.protocol();
            pseudo[10] = (byte) (len >> 8);
            pseudo[11] = (byte) len;
        } else {
            pseudo = new byte[40];
            System.arraycopy(c.src().getAddress(), 0, pseudo, 0, 16);
            System.arraycopy(c.dst().getAddress(), 0, pseudo, 16, 16);
            pseudo[34] = (byte) (len >> 8);
            pseudo[35] = (byte) len;
            pseudo[39] = (byte) p.protocol();
        }
        byte[] all = new byte[pseudo.length + seg.length + 1];
        System.arraycopy(pseudo, 0, all, 0, pseudo.length);
        System.arraycopy(seg, 0, all, pseudo.length, seg.length);
        long sum = 0;
        for (int i = 0; i + 1 < all.length; i += 2) {
            sum += ((all[i] & 0xFF) << 8) | (all[i + 1] & 0xFF);
        }
        while (sum > 0xFFFF) {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        int c2 = (int) (~sum & 0xFFFF);
        return p.isUdp() && c2 == 0 ? 0xFFFF : c2;
    }

    private static ParsedPacket parseIp(byte[] b) {
        return PacketParser.parseIp(b, 0, b.length, new ParsedPacket());
    }

    @Test
    void udpSurplusAreaIsOutsideTheUdpChecksum() {
        byte[] b = udp4().redirect(RedirectExtension.confirm(8001)).build().encode();
        b[b.length - 1] ^= 0x01; // damage the option's port: the OCS catches it, the UDP checksum must not
        ParsedPacket p = parseIp(b);
        assertEquals(TransportChecksum.Verdict.VALID, TransportChecksum.verify(p));
        assertEquals(true, p.redirect().isMalformed());
    }

    @Test
    void udpZeroChecksumMeansNoneOnIpv4Only() {
        byte[] v4 = udp4().build().encode();
        Bytes.put16(v4, 20 + UdpView.CHECKSUM_OFFSET, 0);
        assertEquals(TransportChecksum.Verdict.NOT_CHECKED, TransportChecksum.verify(parseIp(v4)));
        byte[] v6 = udp6().build().encode();
        Bytes.put16(v6, 40 + UdpView.CHECKSUM_OFFSET, 0);
        assertEquals(TransportChecksum.Verdict.INVALID, TransportChecksum.verify(parseIp(v6)));
    }

    @Test
    void udpComputedZeroIsSentAsAllOnes() {
        byte[] b = udp4().payload(new byte[2]).build().encode();
        int c = Bytes.u16(b, 20 + UdpView.CHECKSUM_OFFSET);
        Bytes.put16(b, 28, c); // this payload word makes the sum 0xFFFF, so the checksum computes to 0
        ParsedPacket p = parseIp(b);
        TransportChecksum.compute(p);
        assertEquals(0xFFFF, Bytes.u16(b, 20 + UdpView.CHECKSUM_OFFSET));
        assertEquals(TransportChecksum.Verdict.VALID, TransportChecksum.verify(p));
    }

    @Test
    void fragmentsAndOtherProtocolsAreNotChecked() {
        byte[] frag = ipv4Fragment(syn4().payload(new byte[40]).build().encode(), 0, true);
        ParsedPacket p = parseIp(frag);
        assertEquals(TransportChecksum.Verdict.NOT_CHECKED, TransportChecksum.verify(p));
        assertEquals(false, TransportChecksum.compute(p));
        byte[] gre = syn4().build().encode();
        gre[9] = 47;
        assertEquals(TransportChecksum.Verdict.NOT_CHECKED, TransportChecksum.verify(parseIp(gre)));
        byte[] broken = truncate(syn4().build().encode(), 30);
        assertEquals(TransportChecksum.Verdict.NOT_CHECKED, TransportChecksum.verify(parseIp(broken)));
    }

    @Test
    void ipv4HeaderChecksum() {
        byte[] b = ipv4Options(syn4().build().encode(), new byte[] {7, 7, 4, 0, 0, 0, 0, 1});
        assertEquals(TransportChecksum.Verdict.VALID, TransportChecksum.verifyIpHeader(parseIp(b)));
        b[22] ^= 1; // inside the IPv4 options: covered by the header checksum
        assertEquals(TransportChecksum.Verdict.INVALID, TransportChecksum.verifyIpHeader(parseIp(b)));
        assertEquals(TransportChecksum.Verdict.VALID, TransportChecksum.verifyIpHeader(parseIp(syn6().build().encode())));
    }
}
