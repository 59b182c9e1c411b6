package io.portredirect.protocol.packet;

import io.portredirect.protocol.wire.RedirectExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static io.portredirect.protocol.packet.TestPackets.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** CraftedPacket's byte layout, one line per packet: the builder and the hex of its TCP option area / surplus area. */
class CraftedPacketTest {
    static Stream<Arguments> optionAreas() {
        return Stream.of(
            Arguments.of("no options", syn4().mss(0), ""),
            Arguments.of("MSS", syn4(), "020405b4"),
            Arguments.of("REDIRECT only", syn4().mss(0).redirect(RedirectExtension.redirect()), "010101fd05524401"),
            Arguments.of("CONFIRM 8001 only", syn4().mss(0).redirect(RedirectExtension.confirm(8001)), "01fd075244021f41"),
            Arguments.of("Linux-like SYN + REDIRECT", syn4().sackPermitted(true).timestamps(0x01020304L, 0).windowScale(7)
                    .redirect(RedirectExtension.redirect()),
                    "020405b4" + "01010402" + "0101080a0102030400000000" + "01030307" + "010101fd05524401"),
            Arguments.of("v6 CONFIRM", syn6().redirect(RedirectExtension.confirm(443)), "020405a0" + "01fd07524402" + "01bb")
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optionAreas")
    void tcpOptionLayout(String name, CraftedPacket.Builder builder, String hex) {
        byte[] b = builder.build().encode();
        ParsedPacket p = PacketParser.parseIp(b, 0, b.length, new ParsedPacket());
        assertEquals(null, p.error());
        assertEquals(hex, Bytes.hex(b, p.l4Offset() + 20, p.tcpHeaderLength() - 20), name);
        assertEquals(b.length, p.ipEnd());
        assertEquals(TransportChecksum.Verdict.VALID, TransportChecksum.verify(p));
        assertEquals(TransportChecksum.Verdict.VALID, TransportChecksum.verifyIpHeader(p));
    }

    @Test
    void ipv4AndTcpHeaderFields() {
        byte[] b = syn4().ttl(33).ipId(0xbeef).dontFragment(false).window(4096).ack(0xfffffffeL).seq(0x80000001L).build().encode();
        Ipv4View ip = new Ipv4View().wrap(b, 0);
        assertEquals("IPv4{src=198.18.0.1, dst=198.18.0.10, ihl=20, len=44, id=48879, ttl=33, proto=TCP, csum=0x"
                + String.format("%04x", ip.checksum()) + "}", ip.toString());
        TcpView tcp = new TcpView().wrap(b, 20);
        assertEquals(0x80000001L, tcp.seq());
        assertEquals(0xfffffffeL, tcp.ack());
        assertEquals(4096, tcp.window());
        assertEquals(TcpView.SYN, tcp.flags());
        assertEquals(24, tcp.headerLength());
        assertEquals(0, tcp.urgentPointer());
    }

    @Test
    void ethernetAndIpv6Header() {
        byte[] b = syn6().ttl(7).ethernet(MAC_A, MAC_B).build().encode();
        assertEquals("02000000000b02000000000a86dd", Bytes.hex(b, 0, 14));
        Ipv6View ip = new Ipv6View().wrap(b, 14);
        assertEquals("IPv6{src=2001:2::1, dst=2001:2::10, plen=24, next=TCP, hlim=7}", ip.toString());
        assertEquals(0, ip.trafficClass());
        assertEquals(0, ip.flowLabel());
    }

    @Test
    void udpSurplusAreaLayout() {
        byte[] b = udp4().payload(new byte[] {1, 2, 3}).redirect(RedirectExtension.confirm(8001)).build().encode();
        assertEquals(11, Bytes.u16(b, 24), "UDP length covers header and user data only");
        assertEquals(20 + 11 + 1 + 2 + 7, b.length, "pad, OCS and option follow");
        assertEquals(b.length, Bytes.u16(b, 2));
        assertEquals("00", Bytes.hex(b, 31, 1));
        assertEquals("7f075244021f41", Bytes.hex(b, 34, 7));
    }

    @Test
    void rejectsWhatCannotBeEncoded() {
        assertThrows(IllegalArgumentException.class, () -> CraftedPacket.builder().src(CLIENT4, 1).dst(VIP6, 2).build());
        assertThrows(IllegalArgumentException.class, () -> CraftedPacket.builder().src(CLIENT4, 70000).dst(VIP4, 2).build());
        assertThrows(IllegalArgumentException.class, () -> CraftedPacket.builder().src(CLIENT4, 1).dst(VIP4, 2).icmp(8, 0, 0)
                .redirect(RedirectExtension.redirect()).build());
        assertThrows(NullPointerException.class, () -> CraftedPacket.builder().src(null, 1).dst(VIP4, 2).build());
        assertThrows(IllegalArgumentException.class, () -> CraftedPacket.builder().ethernet(new byte[5], MAC_B));
    }

    @Test
    void valueSemantics() {
        byte[] payload = {1, 2, 3};
        CraftedPacket a = syn4().payload(payload).build();
        payload[0] = 9;
        assertEquals(1, a.payload()[0], "payload copied on the way in");
        a.payload()[1] = 9;
        assertEquals(2, a.payload()[1], "and on the way out");
        CraftedPacket b = a.toBuilder().build();
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertArrayEquals(a.encode(), b.encode());
        assertNotEquals(a, a.toBuilder().seq(1).build());
        assertEquals("CraftedPacket{TCP 198.18.0.1:40000 > 198.18.0.10:80 SYN seq=1000 ack=0 RedirectExtension{flags=REDIRECT} payload=3}",
                a.toBuilder().redirect(RedirectExtension.redirect()).build().toString());
    }
}
