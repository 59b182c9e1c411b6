package io.portredirect.protocol.packet;

import io.portredirect.protocol.wire.RedirectExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static io.portredirect.protocol.packet.TestPackets.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * PacketParser against a table of hand-made packets, one line each: what the packet is, its bytes,
 * and the canonical one-line result ({@link TestPackets#describe}).
 */
class PacketParserTest {
    private static final boolean FRAME = true;
    private static final boolean IP = false;

    private static final RedirectExtension R = RedirectExtension.redirect();
    private static final RedirectExtension C = RedirectExtension.confirm(8001);

    private static Arguments row(String name, boolean frame, byte[] bytes, String expected) {
        return Arguments.of(name, frame, bytes, expected);
    }

    private static final String SYN4 = "v4 TCP 198.18.0.1:40000>198.18.0.10:80 ";
    private static final String SYN6 = "v6 TCP 2001:2::1:40000>2001:2::10:80 ";
    private static final String UDP4 = "v4 UDP 198.18.0.1:40000>198.18.0.10:53 ";
    private static final String UDP6 = "v6 UDP 2001:2::1:40000>2001:2::10:53 ";

    static Stream<Arguments> vectors() {
        byte[] syn4 = syn4().build().encode();
        byte[] syn4r = withRedirect(syn4(), R);
        byte[] syn6 = syn6().build().encode();
        byte[] udp4 = udp4().build().encode();
        byte[] udp4c = withRedirect(udp4(), C);
        byte[] udp6c = withRedirect(udp6(), C);
        byte[] big4 = syn4().payload(new byte[64]).build().encode();
        byte[] bigUdp4 = udp4().payload(new byte[64]).build().encode();
        byte[] reply4t = reply4(false).build().encode();
        byte[] reply4u = reply4(true).build().encode();
        byte[] reply6t = reply6(false).build().encode();
        byte[] reply6u = reply6(true).build().encode();
        byte[] rrOption = {7, 7, 4, 0, 0, 0, 0, 1}; // record route, one empty slot, then EOL
        int hbh = IpProtocol.IPV6_HOP_BY_HOP;
        int rt = IpProtocol.IPV6_ROUTING;
        int dst = IpProtocol.IPV6_DESTINATION;
        int frag = IpProtocol.IPV6_FRAGMENT;
        String quote4t = "quote=COMPLETE TCP 198.18.0.10:8001>198.18.0.1:40000";
        String quote4u = "quote=COMPLETE UDP 198.18.0.10:8001>198.18.0.1:40000";
        String quote6t = "quote=COMPLETE TCP 2001:2::10:8001>2001:2::1:40000";
        String quote6u = "quote=COMPLETE UDP 2001:2::10:8001>2001:2::1:40000";
        String icmpHead4 = "v4 ICMP 198.18.0.254>198.18.0.10 ";
        String icmpHead6 = "v6 ICMPv6 2001:2::fe>2001:2::10 ";
        var router4 = ip("198.18.0.254");
        var router6 = ip("2001:2::fe");

        return Stream.of(
            // ---- Ethernet and VLAN
            row("v4 SYN, bare IP", IP, syn4, SYN4 + "SYN redirect=absent"),
            row("v4 SYN+REDIRECT in a frame", FRAME, ethernet(syn4r), SYN4 + "SYN redirect=REDIRECT"),
            row("802.1Q tag", FRAME, vlan(ethernet(syn4r), IpProtocol.ETHERTYPE_VLAN, 10), SYN4 + "vlan=1 SYN redirect=REDIRECT"),
            row("802.1ad + 802.1Q tags", FRAME, vlan(vlan(ethernet(syn4r), IpProtocol.ETHERTYPE_VLAN, 10), IpProtocol.ETHERTYPE_QINQ, 20), SYN4 + "vlan=2 SYN redirect=REDIRECT"),
            row("three tags: third not skipped", FRAME, vlan(vlan(vlan(ethernet(syn4), IpProtocol.ETHERTYPE_VLAN, 1), IpProtocol.ETHERTYPE_VLAN, 2), IpProtocol.ETHERTYPE_QINQ, 3), "error=UNSUPPORTED_ETHERTYPE"),
            row("802.1Q tag cut after TPID", FRAME, truncate(vlan(ethernet(syn4), IpProtocol.ETHERTYPE_VLAN, 10), 16), "error=TRUNCATED_ETHERNET"),
            row("v6 SYN in 802.1Q frame", FRAME, vlan(ethernet(syn6), IpProtocol.ETHERTYPE_VLAN, 10), SYN6 + "vlan=1 SYN redirect=absent"),
            row("frame of 13 bytes", FRAME, truncate(ethernet(syn4), 13), "error=TRUNCATED_ETHERNET"),
            row("ARP EtherType", FRAME, arp(), "error=UNSUPPORTED_ETHERTYPE"),
            row("EtherType IPv4, IPv6 inside", FRAME, retype(ethernet(syn6), IpProtocol.ETHERTYPE_IPV4), "error=BAD_IP_VERSION"),
            row("EtherType IPv6, IPv4 inside", FRAME, retype(ethernet(big4), IpProtocol.ETHERTYPE_IPV6), "error=BAD_IP_VERSION"),
            row("UDP frame padded to 60: padding is no surplus", FRAME, pad(ethernet(udp4), 60 - 14 - udp4.length), UDP4 + "redirect=absent"),
            // ---- IPv4
            row("IPv4 with record-route option", IP, ipv4Options(syn4r, rrOption), SYN4 + "SYN redirect=REDIRECT"),
            row("IPv4 with 40 bytes of options", IP, ipv4Options(syn4, new byte[40]), SYN4 + "SYN redirect=absent"),
            row("IPv4 IHL 4", IP, setByte(syn4, 0, 0x44), "error=BAD_IPV4_HEADER_LENGTH"),
            row("IPv4 IHL past the packet", IP, truncate(setByte(syn4, 0, 0x4f), 40), "error=BAD_IPV4_HEADER_LENGTH"),
            row("IPv4 total length past the packet", IP, put16(syn4, 2, syn4.length + 1), "error=BAD_IP_TOTAL_LENGTH"),
            row("IPv4 total length below IHL", IP, put16(syn4, 2, 19), "error=BAD_IP_TOTAL_LENGTH"),
            row("IPv4 19 bytes", IP, truncate(syn4, 19), "error=TRUNCATED_IP"),
            row("empty", IP, new byte[0], "error=TRUNCATED_IP"),
            row("IP version 5", IP, setByte(syn4, 0, 0x55), "error=BAD_IP_VERSION"),
            row("IPv4 first fragment", IP, ipv4Fragment(big4, 0, true), SYN4 + "frag=FIRST SYN redirect=absent"),
            row("IPv4 non-first fragment", IP, ipv4Fragment(big4, 3, true), "v4 TCP 198.18.0.1>198.18.0.10 frag=NON_FIRST"),
            row("IPv4 last fragment", IP, ipv4Fragment(big4, 3, false), "v4 TCP 198.18.0.1>198.18.0.10 frag=NON_FIRST"),
            row("IPv4 UDP first fragment, UDP length beyond it", IP, ipv4Fragment(put16(truncIp4(bigUdp4, 40), 24, 72), 0, true), UDP4 + "frag=FIRST redirect=absent"),
            row("IPv4 UDP whole datagram, UDP length beyond it", IP, put16(bigUdp4, 24, bigUdp4.length - 20 + 1), "error=BAD_UDP_LENGTH"),
            // ---- IPv6 extension headers
            row("IPv6 SYN", IP, syn6, SYN6 + "SYN redirect=absent"),
            row("IPv6 hop-by-hop", IP, ipv6Ext(syn6, new int[] {hbh}, new byte[][] {extHeader(hbh)}), SYN6 + "SYN redirect=absent"),
            row("IPv6 hop-by-hop, routing, destination", IP,
                    ipv6Ext(syn6, new int[] {hbh, rt, dst}, new byte[][] {extHeader(hbh), extHeader(rt), extHeader(dst)}), SYN6 + "SYN redirect=absent"),
            row("IPv6 16-byte destination options", IP, ipv6Ext(syn6, new int[] {dst}, new byte[][] {new byte[16]}), SYN6 + "SYN redirect=absent"),
            row("IPv6 first fragment", IP, ipv6Ext(syn6, new int[] {frag}, new byte[][] {fragmentHeader(0, true, 9)}), SYN6 + "frag=FIRST SYN redirect=absent"),
            row("IPv6 atomic fragment (offset 0, M=0)", IP, ipv6Ext(syn6, new int[] {frag}, new byte[][] {fragmentHeader(0, false, 9)}), SYN6 + "SYN redirect=absent"),
            row("IPv6 non-first fragment", IP, ipv6Ext(syn6, new int[] {hbh, frag}, new byte[][] {extHeader(hbh), fragmentHeader(5, true, 9)}),
                    "v6 TCP 2001:2::1>2001:2::10 frag=NON_FIRST"),
            row("IPv6 UDP+CONFIRM behind routing header", IP, ipv6Ext(udp6c, new int[] {rt}, new byte[][] {extHeader(rt)}), UDP6 + "redirect=REDIRECT_CONFIRM port=8001"),
            row("IPv6 hop-by-hop cut short", IP, cutV6(ipv6Ext(syn6, new int[] {hbh}, new byte[][] {extHeader(hbh)}), 44), "error=BAD_IPV6_EXTENSION"),
            row("IPv6 hop-by-hop length past payload", IP, cutV6(setByte(ipv6Ext(syn6, new int[] {hbh}, new byte[][] {extHeader(hbh)}), 41, 200), -1), "error=BAD_IPV6_EXTENSION"),
            row("IPv6 17 chained destination headers", IP, manyExt(syn6, 17), "error=BAD_IPV6_EXTENSION"),
            row("IPv6 39 bytes", IP, truncate(syn6, 39), "error=TRUNCATED_IP"),
            row("IPv6 payload length past the packet", IP, put16(syn6, 4, syn6.length - 40 + 1), "error=BAD_IP_TOTAL_LENGTH"),
            // ---- transport
            row("TCP header cut at 19 bytes", IP, cutIp4(syn4, 20 + 19), "error=TRUNCATED_TCP"),
            row("TCP data offset 4", IP, setByte(syn4, 32, 0x40), "error=BAD_TCP_DATA_OFFSET"),
            row("TCP data offset past segment", IP, setByte(syn4, 32, 0xf0), "error=BAD_TCP_DATA_OFFSET"),
            row("UDP header cut at 7 bytes", IP, cutIp4(udp4, 27), "error=TRUNCATED_UDP"),
            row("UDP length 7", IP, put16(udp4, 24, 7), "error=BAD_UDP_LENGTH"),
            row("UDP+CONFIRM", IP, udp4c, UDP4 + "redirect=REDIRECT_CONFIRM port=8001"),
            row("UDP surplus with bad OCS", IP, flipLast(udp4c), UDP4 + "redirect=malformed (UDP option checksum mismatch)"),
            row("TCP+CONFIRM v6", IP, withRedirect(syn6().tcp(TcpView.SYN | TcpView.ACK), C), SYN6 + "SYN|ACK redirect=REDIRECT_CONFIRM port=8001"),
            row("ICMP header cut at 7 bytes", IP, cutIp4(icmpError(router4, VIP4, 3, 3, reply4u, 28), 27), "error=TRUNCATED_ICMP"),
            row("other protocol (GRE)", IP, fixIp4(setByte(syn4, 9, 47)), "v4 proto47 198.18.0.1>198.18.0.10"),
            // ---- ICMPv4 errors
            row("port unreachable quoting UDP, full quote", IP, icmpError(router4, VIP4, 3, 3, reply4u, 999), icmpHead4 + "icmp=3/3 " + quote4u),
            row("frag needed quoting TCP, full quote", IP, icmpError(router4, VIP4, 3, 4, reply4t, 999), icmpHead4 + "icmp=3/4 " + quote4t),
            row("time exceeded quoting TCP, 8-byte quote", IP, icmpError(router4, VIP4, 11, 0, reply4t, 28), icmpHead4 + "icmp=11/0 " + quote4t),
            row("parameter problem quoting UDP, 8-byte quote", IP, icmpError(router4, VIP4, 12, 0, reply4u, 28), icmpHead4 + "icmp=12/0 " + quote4u),
            row("source quench, 4-byte quote", IP, icmpError(router4, VIP4, 4, 0, reply4u, 24), icmpHead4 + "icmp=4/0 " + quote4u),
            row("redirect, 3-byte quote: no ports", IP, icmpError(router4, VIP4, 5, 1, reply4t, 23),
                    icmpHead4 + "icmp=5/1 quote=NO_PORTS TCP 198.18.0.10>198.18.0.1"),
            row("quote with 8 bytes of IPv4 options, 8-byte quote", IP, icmpError(router4, VIP4, 3, 1, ipv4Options(reply4t, rrOption), 36),
                    icmpHead4 + "icmp=3/1 " + quote4t),
            row("quote with 40 bytes of IPv4 options, full", IP, icmpError(router4, VIP4, 3, 1, ipv4Options(reply4u, new byte[40]), 999),
                    icmpHead4 + "icmp=3/1 " + quote4u),
            row("quote with options cut inside them", IP, icmpError(router4, VIP4, 3, 1, ipv4Options(reply4u, new byte[40]), 40), icmpHead4 + "icmp=3/1 quote=BAD"),
            row("quote of a non-first fragment", IP, icmpError(router4, VIP4, 3, 3, ipv4Fragment(reply4u, 2, false), 999),
                    icmpHead4 + "icmp=3/3 quote=NO_PORTS UDP 198.18.0.10>198.18.0.1"),
            row("quote of an ICMP echo", IP, icmpError(router4, VIP4, 3, 1, icmpEcho4(), 999),
                    icmpHead4 + "icmp=3/1 quote=NO_PORTS ICMP 198.18.0.10>198.18.0.1"),
            row("quote 19 bytes", IP, icmpError(router4, VIP4, 3, 3, reply4u, 19), icmpHead4 + "icmp=3/3 quote=BAD"),
            row("quote empty", IP, icmpError(router4, VIP4, 3, 3, reply4u, 0), icmpHead4 + "icmp=3/3 quote=BAD"),
            row("quote IHL 3", IP, icmpError(router4, VIP4, 3, 3, setByte(reply4u, 0, 0x43), 999), icmpHead4 + "icmp=3/3 quote=BAD"),
            row("quote is IPv6 in ICMPv4", IP, icmpError(router4, VIP4, 3, 3, reply6u, 999), icmpHead4 + "icmp=3/3 quote=BAD"),
            row("echo request: no quote", IP, icmpEcho4(), "v4 ICMP 198.18.0.10>198.18.0.1 icmp=8/0"),
            // ---- ICMPv6 errors
            row("v6 unreachable quoting TCP, full", IP, icmpError(router6, VIP6, 1, 4, reply6t, 999), icmpHead6 + "icmp=1/4 " + quote6t),
            row("v6 too big quoting UDP, 8-byte quote", IP, icmpError(router6, VIP6, 2, 0, reply6u, 48), icmpHead6 + "icmp=2/0 " + quote6u),
            row("v6 time exceeded quoting TCP behind hop-by-hop", IP,
                    icmpError(router6, VIP6, 3, 0, ipv6Ext(reply6t, new int[] {hbh}, new byte[][] {extHeader(hbh)}), 56), icmpHead6 + "icmp=3/0 " + quote6t),
            row("v6 parameter problem, quote cut in extension header", IP,
                    icmpError(router6, VIP6, 4, 0, ipv6Ext(reply6t, new int[] {hbh}, new byte[][] {extHeader(hbh)}), 44),
                    icmpHead6 + "icmp=4/0 quote=NO_PORTS proto-1 2001:2::10>2001:2::1"),
            row("v6 quote cut at 3 transport bytes", IP, icmpError(router6, VIP6, 1, 4, reply6u, 43),
                    icmpHead6 + "icmp=1/4 quote=NO_PORTS UDP 2001:2::10>2001:2::1"),
            row("v6 quote of a non-first fragment", IP,
                    icmpError(router6, VIP6, 1, 4, ipv6Ext(reply6u, new int[] {frag}, new byte[][] {fragmentHeader(3, false, 1)}), 999),
                    icmpHead6 + "icmp=1/4 quote=NO_PORTS UDP 2001:2::10>2001:2::1"),
            row("v6 quote 39 bytes", IP, icmpError(router6, VIP6, 1, 4, reply6u, 39), icmpHead6 + "icmp=1/4 quote=BAD"),
            row("v6 quote is IPv4", IP, icmpError(router6, VIP6, 1, 4, reply4u, 999), icmpHead6 + "icmp=1/4 quote=BAD"),
            row("v6 echo request: no quote", IP, icmpEcho6(), "v6 ICMPv6 2001:2::10>2001:2::1 icmp=128/0"),
            row("v6 error in a frame", FRAME, ethernet(icmpError(router6, VIP6, 2, 0, reply6t, 999)), icmpHead6 + "icmp=2/0 " + quote6t)
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void parses(String name, boolean frame, byte[] bytes, String expected) {
        assertEquals(expected, frame ? describeFrame(bytes) : describeIp(bytes), name);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void parsesAtAnOffsetInALargerBuffer(String name, boolean frame, byte[] bytes, String expected) {
        byte[] big = new byte[bytes.length + 37];
        java.util.Arrays.fill(big, (byte) 0x5a);
        System.arraycopy(bytes, 0, big, 17, bytes.length);
        ParsedPacket p = new ParsedPacket();
        if (frame) {
            PacketParser.parseFrame(big, 17, bytes.length, p);
        } else {
            PacketParser.parseIp(big, 17, bytes.length, p);
        }
        assertEquals(expected, describe(p), name);
    }

    @Test
    void reusedResultForgetsThePreviousPacket() {
        ParsedPacket p = new ParsedPacket();
        byte[] err = icmpError(ip("198.18.0.254"), VIP4, 3, 3, reply4(true).build().encode(), 999);
        PacketParser.parseIp(err, 0, err.length, p);
        byte[] syn = withRedirect(syn4(), R);
        PacketParser.parseIp(syn, 0, syn.length, p);
        assertEquals(SYN4 + "SYN redirect=REDIRECT", describe(p));
        assertEquals(QuotedPacket.Status.NONE, p.quoted().status());
        byte[] bad = truncate(syn, 10);
        PacketParser.parseIp(bad, 0, bad.length, p);
        assertEquals("error=TRUNCATED_IP", describe(p));
        assertEquals(-1, p.srcPort());
        assertEquals(false, p.redirect().isPresent());
    }

    // ---- byte surgery used only here

    private static byte[] setByte(byte[] b, int off, int v) {
        byte[] r = b.clone();
        r[off] = (byte) v;
        return r;
    }

    private static byte[] put16(byte[] b, int off, int v) {
        byte[] r = b.clone();
        Bytes.put16(r, off, v);
        return r;
    }

    private static byte[] fixIp4(byte[] b) {
        new Ipv4View().wrap(b, 0).computeChecksum();
        return b;
    }

    private static byte[] retype(byte[] frame, int type) {
        return put16(frame, 12, type);
    }

    /** Cuts a bare IPv4 packet to {@code len} bytes and makes the total length say so. */
    private static byte[] cutIp4(byte[] b, int len) {
        return fixIp4(put16(truncate(b, len), 2, len));
    }

    private static byte[] truncIp4(byte[] b, int len) {
        return cutIp4(b, len);
    }

    /** Cuts a bare IPv6 packet to {@code len} bytes (or keeps it when -1) and makes the payload length say so. */
    private static byte[] cutV6(byte[] b, int len) {
        byte[] r = len < 0 ? b.clone() : truncate(b, len);
        Bytes.put16(r, 4, r.length - 40);
        return r;
    }

    private static byte[] flipLast(byte[] b) {
        byte[] r = b.clone();
        r[r.length - 1] ^= 0x10;
        return r;
    }

    private static byte[] manyExt(byte[] ip6, int n) {
        int[] types = new int[n];
        byte[][] headers = new byte[n][];
        for (int i = 0; i < n; i++) {
            types[i] = IpProtocol.IPV6_DESTINATION;
            headers[i] = extHeader(IpProtocol.IPV6_DESTINATION);
        }
        return ipv6Ext(ip6, types, headers);
    }

    private static byte[] arp() {
        byte[] f = new byte[42];
        Bytes.put16(f, 12, IpProtocol.ETHERTYPE_ARP);
        return f;
    }

    private static byte[] icmpEcho4() {
        return CraftedPacket.builder().src(VIP4, 0).dst(CLIENT4, 0).icmp(8, 0, 0x12340001).payload(new byte[8]).build().encode();
    }

    @Test
    void betweenMatchesBothAddressesOfThePacketsOwnVersion() {
        byte[] v4 = CraftedPacket.builder().src(CLIENT4, 40000).dst(VIP4, 9000).udp().payload(new byte[0]).build().encode();
        ParsedPacket p = PacketParser.parseIp(v4, 0, v4.length, new ParsedPacket());
        org.junit.jupiter.api.Assertions.assertTrue(p.between(CLIENT4.getAddress(), VIP4.getAddress()));
        org.junit.jupiter.api.Assertions.assertFalse(p.between(VIP4.getAddress(), CLIENT4.getAddress()), "direction counts");
        org.junit.jupiter.api.Assertions.assertFalse(p.between(CLIENT6.getAddress(), VIP6.getAddress()), "another IP version");
    }

    private static byte[] icmpEcho6() {
        return CraftedPacket.builder().src(VIP6, 0).dst(CLIENT6, 0).icmp(128, 0, 0x12340001).payload(new byte[8]).build().encode();
    }
}
