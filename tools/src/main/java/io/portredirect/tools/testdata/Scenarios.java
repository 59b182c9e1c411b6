package io.portredirect.tools.testdata;

import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.EthernetView;
import io.portredirect.protocol.packet.IcmpView;
import io.portredirect.protocol.packet.Ipv4View;
import io.portredirect.protocol.packet.PacketParser;
import io.portredirect.protocol.packet.ParseError;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.packet.TransportChecksum;
import io.portredirect.protocol.wire.MalformedReason;
import io.portredirect.protocol.wire.RedirectExtension;
import io.portredirect.protocol.wire.RedirectWire;
import io.portredirect.protocol.wire.UdpOptionArea;
import io.portredirect.tools.craft.ByteSpecs;
import io.portredirect.tools.pcap.LinkType;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The committed test vectors, built deterministically from fixed addresses, ports and sequence
 * numbers. Well-formed packets come from {@link CraftedPacket}; malformed ones are well-formed
 * packets with one field broken afterwards (and every checksum fixed again, so the only fault is
 * the one the file is named for).
 *
 * <p>Roles: the client 198.18.0.1 / 2001:2::1 port 41000, the VIP 198.18.0.10 / 2001:2::10 with
 * redirect port 80 (TCP) and 7000 (UDP), service ports 8081 (TCP) and 7001 (UDP), a router
 * 198.18.0.254 / 2001:2::fe.
 */
public final class Scenarios {
    public static final InetAddress CLIENT4 = ip("198.18.0.1");
    public static final InetAddress VIP4 = ip("198.18.0.10");
    public static final InetAddress ROUTER4 = ip("198.18.0.254");
    public static final InetAddress CLIENT6 = ip("2001:2::1");
    public static final InetAddress VIP6 = ip("2001:2::10");
    public static final InetAddress ROUTER6 = ip("2001:2::fe");
    public static final byte[] CLIENT_MAC = Bytes.fromHex("020000000001");
    public static final byte[] GATEWAY_MAC = Bytes.fromHex("02000000000a");

    public static final int CLIENT_PORT = 41000;
    public static final int TCP_REDIRECT_PORT = 80;
    public static final int TCP_SERVICE_PORT = 8081;
    public static final int TCP_MOVE_PORT = 8082;
    public static final int UDP_REDIRECT_PORT = 7000;
    public static final int UDP_SERVICE_PORT = 7001;

    private Scenarios() {
    }

    /** Every vector, in the order the README lists them. */
    public static List<Vector> all() {
        List<Vector> v = new ArrayList<>();
        for (boolean v6 : new boolean[] {false, true}) {
            String f = v6 ? "6" : "4";
            String ipName = v6 ? "IPv6" : "IPv4";
            v.add(vector("tcp" + f + "-syn-redirect", ipName + " SYN from a redirect-aware client to redirect port 80, carrying REDIRECT",
                    pkt("SYN with MSS, SACK-permitted, timestamps, window scale and REDIRECT", syn(v6, CLIENT_PORT))));
            v.add(vector("tcp" + f + "-synack-confirm", ipName + " SYN-ACK from the server confirming the redirect to service port 8081",
                    pkt("SYN-ACK with REDIRECT_CONFIRM + REDIRECT_OPT 8081", synAck(v6))));
            v.add(vector("tcp" + f + "-ack-confirm", ipName + " ACK carrying REDIRECT_CONFIRM + REDIRECT_OPT 8081",
                    pkt("ACK with timestamps and REDIRECT_CONFIRM + REDIRECT_OPT 8081", ackConfirm(v6))));
            v.add(vector("tcp" + f + "-mid-redirect", ipName + " data segment on an established flow asking the client to move to port 8082",
                    pkt("PSH-ACK with payload and REDIRECT + REDIRECT_OPT 8082", midRedirect(v6))));
            v.add(vector("udp" + f + "-redirect", ipName + " UDP negotiation: a datagram with REDIRECT (odd-length payload) and the server's notice",
                    pkt("UDP to redirect port 7000, 5-byte payload, option REDIRECT in the surplus area after one pad byte", udpRequest(v6)),
                    pkt("UDP notice from 7000, 2-byte payload, option REDIRECT_CONFIRM + REDIRECT_OPT 7001", udpNotice(v6, UDP_REDIRECT_PORT))));
        }
        v.add(new Vector("tcp4-syn-redirect-raw", "The IPv4 SYN + REDIRECT as a bare IP packet (pcap link type RAW)", LinkType.RAW,
                List.of(pkt("SYN with REDIRECT, no Ethernet header", raw(synBuilder(false, CLIENT_PORT))))));

        byte[] udpServer4 = ipOnly(udpNotice(false, UDP_SERVICE_PORT));
        v.add(vector("icmp4-port-unreachable", "ICMP port unreachable from the client about a server's UDP datagram (VIP:7001 > client)",
                pkt("3/3 quoting the whole datagram, UDP option included", icmpError(false, CLIENT4, VIP4, IcmpView.V4_DEST_UNREACHABLE, IcmpView.V4_CODE_PORT_UNREACHABLE, 0, udpServer4)),
                pkt("3/3 quoting the IP header + 8 bytes (RFC 792 minimum)", icmpError(false, CLIENT4, VIP4, IcmpView.V4_DEST_UNREACHABLE, IcmpView.V4_CODE_PORT_UNREACHABLE, 0, ByteSpecs.truncateQuote(udpServer4, 8)))));
        byte[] tcpServer4 = ipOnly(bigSegment(false, 600));
        v.add(vector("icmp4-frag-needed", "ICMP fragmentation needed (MTU 576) from a router about a server's 652-byte TCP segment",
                pkt("3/4 MTU 576 quoting the whole segment", icmpError(false, ROUTER4, VIP4, IcmpView.V4_DEST_UNREACHABLE, IcmpView.V4_CODE_FRAG_NEEDED, 576, tcpServer4)),
                pkt("3/4 MTU 576 quoting the IP header + 8 bytes", icmpError(false, ROUTER4, VIP4, IcmpView.V4_DEST_UNREACHABLE, IcmpView.V4_CODE_FRAG_NEEDED, 576, ByteSpecs.truncateQuote(tcpServer4, 8)))));
        byte[] tcpServer6 = ipOnly(bigSegment(true, 1240));
        v.add(vector("icmp6-packet-too-big", "ICMPv6 packet too big (MTU 1280) from a router about a server's 1312-byte TCP segment",
                pkt("2/0 MTU 1280 quoting the whole segment", icmpError(true, ROUTER6, VIP6, IcmpView.V6_PACKET_TOO_BIG, 0, 1280, tcpServer6)),
                pkt("2/0 MTU 1280 quoting the IPv6 header + 8 bytes", icmpError(true, ROUTER6, VIP6, IcmpView.V6_PACKET_TOO_BIG, 0, 1280, ByteSpecs.truncateQuote(tcpServer6, 8)))));
        byte[] udpServer6 = ipOnly(udpNotice(true, UDP_SERVICE_PORT));
        v.add(vector("icmp6-port-unreachable", "ICMPv6 port unreachable from the client about a server's UDP datagram (VIP:7001 > client)",
                pkt("1/4 quoting the whole datagram, UDP option included", icmpError(true, CLIENT6, VIP6, IcmpView.V6_DEST_UNREACHABLE, IcmpView.V6_CODE_PORT_UNREACHABLE, 0, udpServer6)),
                pkt("1/4 quoting the IPv6 header + 8 bytes", icmpError(true, CLIENT6, VIP6, IcmpView.V6_DEST_UNREACHABLE, IcmpView.V6_CODE_PORT_UNREACHABLE, 0, ByteSpecs.truncateQuote(udpServer6, 8)))));

        v.add(malformed("malformed-option-length6", "redirect option with length 6 (only 5 and 7 exist)",
                optionLength6(), MalformedReason.REDIRECT_BAD_LENGTH));
        v.add(malformed("malformed-port-zero", "REDIRECT_CONFIRM with REDIRECT_OPT = 0 (port 0 is invalid)",
                portZero(), MalformedReason.REDIRECT_ZERO_PORT));
        v.add(malformed("malformed-ip-truncated", "Ethernet frame cut 12 bytes into the IPv4 header",
                Arrays.copyOf(syn(false, CLIENT_PORT), EthernetView.HEADER_LENGTH + 12), ParseError.TRUNCATED_IP));
        v.add(malformed("malformed-tcp-truncated", "IPv4 packet whose length ends 12 bytes into the TCP header",
                tcpTruncated(), ParseError.TRUNCATED_TCP));
        v.add(malformed("malformed-option-past-end", "redirect option whose length (9) runs past the end of the TCP option area",
                optionPastEnd(), MalformedReason.OPTION_PAST_END));
        v.add(malformed("malformed-udp-bad-ocs", "UDP datagram with REDIRECT whose RFC 9868 option checksum is wrong",
                badOcs(), MalformedReason.UDP_BAD_OCS));
        return v;
    }

    // ---- well-formed packets -------------------------------------------------------------

    private static CraftedPacket.Builder toVip(boolean v6, int clientPort, int vipPort) {
        return CraftedPacket.builder().ethernet(CLIENT_MAC, GATEWAY_MAC)
                .src(v6 ? CLIENT6 : CLIENT4, clientPort).dst(v6 ? VIP6 : VIP4, vipPort);
    }

    private static CraftedPacket.Builder fromVip(boolean v6, int vipPort) {
        return CraftedPacket.builder().ethernet(GATEWAY_MAC, CLIENT_MAC)
                .src(v6 ? VIP6 : VIP4, vipPort).dst(v6 ? CLIENT6 : CLIENT4, CLIENT_PORT);
    }

    private static CraftedPacket.Builder synBuilder(boolean v6, int clientPort) {
        return toVip(v6, clientPort, TCP_REDIRECT_PORT).tcp(TcpView.SYN).seq(1000).window(64240)
                .mss(v6 ? 1440 : 1460).sackPermitted(true).timestamps(1000, 0).windowScale(7)
                .redirect(RedirectExtension.redirect());
    }

    static byte[] syn(boolean v6, int clientPort) {
        return synBuilder(v6, clientPort).build().encode();
    }

    private static byte[] synAck(boolean v6) {
        return fromVip(v6, TCP_REDIRECT_PORT).tcp(TcpView.SYN | TcpView.ACK).seq(5000).ack(1001).window(65160)
                .mss(v6 ? 1440 : 1460).sackPermitted(true).timestamps(2000, 1000).windowScale(7)
                .redirect(RedirectExtension.confirm(TCP_SERVICE_PORT)).build().encode();
    }

    private static byte[] ackConfirm(boolean v6) {
        return toVip(v6, CLIENT_PORT, TCP_REDIRECT_PORT).tcp(TcpView.ACK).seq(1001).ack(5001).window(502)
                .timestamps(1001, 2000).redirect(RedirectExtension.confirm(TCP_SERVICE_PORT)).build().encode();
    }

    private static byte[] midRedirect(boolean v6) {
        return fromVip(v6, TCP_SERVICE_PORT).tcp(TcpView.PSH | TcpView.ACK).seq(90000).ack(20000).window(509)
                .timestamps(3000, 2500).redirect(RedirectExtension.redirectTo(TCP_MOVE_PORT))
                .payload("drain: reconnect on 8082\n".getBytes(StandardCharsets.US_ASCII)).build().encode();
    }

    private static byte[] udpRequest(boolean v6) {
        return toVip(v6, CLIENT_PORT, UDP_REDIRECT_PORT).udp().redirect(RedirectExtension.redirect())
                .payload("hello".getBytes(StandardCharsets.US_ASCII)).build().encode();
    }

    private static byte[] udpNotice(boolean v6, int vipPort) {
        return fromVip(v6, vipPort).udp().redirect(RedirectExtension.confirm(UDP_SERVICE_PORT))
                .payload("ok".getBytes(StandardCharsets.US_ASCII)).build().encode();
    }

    private static byte[] bigSegment(boolean v6, int payloadLength) {
        byte[] payload = new byte[payloadLength];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) ('a' + i % 26);
        }
        return fromVip(v6, TCP_SERVICE_PORT).tcp(TcpView.PSH | TcpView.ACK).seq(100000).ack(20000).window(509)
                .timestamps(4000, 3500).payload(payload).build().encode();
    }

    private static byte[] icmpError(boolean v6, InetAddress from, InetAddress to, int type, int code, int mtu, byte[] quote) {
        byte[] fromMac = from.equals(CLIENT4) || from.equals(CLIENT6) ? CLIENT_MAC : Bytes.fromHex("0200000000fe");
        return CraftedPacket.builder().ethernet(fromMac, GATEWAY_MAC).src(from, 0).dst(to, 0).ipId(v6 ? 0 : 0x1234)
                .dontFragment(false).icmp(type, code, mtu).payload(quote).build().encode();
    }

    private static byte[] raw(CraftedPacket.Builder b) {
        return ipOnly(b.build().encode());
    }

    /** The IP packet inside an Ethernet frame. */
    static byte[] ipOnly(byte[] frame) {
        return Arrays.copyOfRange(frame, EthernetView.HEADER_LENGTH, frame.length);
    }

    // ---- malformed packets ---------------------------------------------------------------

    private static byte[] optionLength6() {
        byte[] b = syn(false, CLIENT_PORT);
        int o = parse(b).redirect().optionOffset();
        // NOP NOP NOP [253 5 'R' 'D' flags] becomes NOP NOP [253 6 'R' 'D' flags 00]: same area size
        byte[] area = {RedirectWire.TCP_NOP, RedirectWire.TCP_NOP, (byte) RedirectWire.TCP_OPTION_KIND, RedirectWire.LENGTH_FLAGS_ONLY + 1,
            (byte) (RedirectWire.EXID >>> 8), (byte) RedirectWire.EXID, RedirectWire.FLAG_REDIRECT, 0};
        System.arraycopy(area, 0, b, o - 3, area.length);
        fixTransportChecksum(b);
        return b;
    }

    private static byte[] portZero() {
        byte[] b = synAck(false);
        int o = parse(b).redirect().optionOffset();
        Bytes.put16(b, o + 5, 0);
        fixTransportChecksum(b);
        return b;
    }

    private static byte[] tcpTruncated() {
        byte[] full = toVip(false, CLIENT_PORT, TCP_REDIRECT_PORT).tcp(TcpView.SYN).seq(1000).build().encode();
        byte[] b = Arrays.copyOf(full, 14 + 20 + 12);
        Ipv4View ip = new Ipv4View().wrap(b, 14);
        ip.totalLength(20 + 12).computeChecksum();
        return b;
    }

    private static byte[] optionPastEnd() {
        byte[] b = toVip(false, CLIENT_PORT, TCP_REDIRECT_PORT).tcp(TcpView.SYN).seq(1000).mss(1460)
                .redirect(RedirectExtension.redirect()).build().encode();
        int o = parse(b).redirect().optionOffset();
        b[o + 1] = 9;
        fixTransportChecksum(b);
        return b;
    }

    private static byte[] badOcs() {
        byte[] b = udpRequest(false);
        ParsedPacket p = parse(b);
        int ocs = UdpOptionArea.ocsOffset(p.l4Offset(), p.udpLength());
        b[ocs] ^= 0x5A;
        return b;
    }

    private static void fixTransportChecksum(byte[] frame) {
        ParsedPacket p = parse(frame);
        if (!TransportChecksum.compute(p)) {
            throw new IllegalStateException("cannot recompute the checksum of " + p);
        }
    }

    private static ParsedPacket parse(byte[] frame) {
        return PacketParser.parseFrame(frame, 0, frame.length, new ParsedPacket());
    }

    // ---- vector assembly -----------------------------------------------------------------

    private static Vector.Packet pkt(String description, byte[] bytes) {
        return new Vector.Packet(description, bytes, null);
    }

    private static Vector vector(String name, String description, Vector.Packet... packets) {
        return new Vector(name, description, LinkType.ETHERNET, List.of(packets));
    }

    /** A malformed packet followed by a good SYN from the next client port: decoding must carry on. */
    private static Vector malformed(String name, String what, byte[] bad, Enum<?> reason) {
        return new Vector(name, "Malformed: " + what + "; then a well-formed SYN + REDIRECT", LinkType.ETHERNET, List.of(
                new Vector.Packet(what, bad, reason.name()),
                pkt("well-formed SYN + REDIRECT from client port " + (CLIENT_PORT + 1), syn(false, CLIENT_PORT + 1))));
    }

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
