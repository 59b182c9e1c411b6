package io.portredirect.protocol.packet;

import io.portredirect.protocol.wire.RedirectExtension;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * Hand-made packets for the vector tables: CraftedPacket presets plus the byte surgery CraftedPacket
 * does not do (VLAN tags, IPv4 options, fragments, IPv6 extension headers, ICMP errors, truncation).
 * Every helper returns a fresh array and fixes the lengths and checksums it touches.
 */
public final class TestPackets {
    public static final byte[] MAC_A = {0x02, 0, 0, 0, 0, 0x0a};
    public static final byte[] MAC_B = {0x02, 0, 0, 0, 0, 0x0b};
    public static final InetAddress CLIENT4 = ip("198.18.0.1");
    public static final InetAddress VIP4 = ip("198.18.0.10");
    public static final InetAddress CLIENT6 = ip("2001:2::1");
    public static final InetAddress VIP6 = ip("2001:2::10");

    private TestPackets() {
    }

    public static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    /** SYN 198.18.0.1:40000 > 198.18.0.10:80, MSS 1460, bare IP. */
    public static CraftedPacket.Builder syn4() {
        return CraftedPacket.builder().src(CLIENT4, 40000).dst(VIP4, 80).tcp(TcpView.SYN).seq(1000).mss(1460);
    }

    /** SYN 2001:2::1:40000 > 2001:2::10:80, MSS 1440, bare IP. */
    public static CraftedPacket.Builder syn6() {
        return CraftedPacket.builder().src(CLIENT6, 40000).dst(VIP6, 80).tcp(TcpView.SYN).seq(1000).mss(1440);
    }

    public static CraftedPacket.Builder udp4() {
        return CraftedPacket.builder().src(CLIENT4, 40000).dst(VIP4, 53).udp().payload(new byte[] {1, 2, 3, 4});
    }

    public static CraftedPacket.Builder udp6() {
        return CraftedPacket.builder().src(CLIENT6, 40000).dst(VIP6, 53).udp().payload(new byte[] {1, 2, 3, 4});
    }

    /** The server's reply 198.18.0.10:8001 > 198.18.0.1:40000 (what an ICMP error quotes). */
    public static CraftedPacket.Builder reply4(boolean udp) {
        CraftedPacket.Builder b = CraftedPacket.builder().src(VIP4, 8001).dst(CLIENT4, 40000).payload(new byte[24]);
        return udp ? b.udp() : b.tcp(TcpView.SYN | TcpView.ACK).seq(7).ack(1001);
    }

    public static CraftedPacket.Builder reply6(boolean udp) {
        CraftedPacket.Builder b = CraftedPacket.builder().src(VIP6, 8001).dst(CLIENT6, 40000).payload(new byte[24]);
        return udp ? b.udp() : b.tcp(TcpView.SYN | TcpView.ACK).seq(7).ack(1001);
    }

    public static byte[] withRedirect(CraftedPacket.Builder b, RedirectExtension ext) {
        return b.redirect(ext).build().encode();
    }

    /** Prepends an Ethernet II header to a bare IP packet. */
    public static byte[] ethernet(byte[] ip) {
        byte[] f = new byte[14 + ip.length];
        System.arraycopy(MAC_B, 0, f, 0, 6);
        System.arraycopy(MAC_A, 0, f, 6, 6);
        Bytes.put16(f, 12, (ip[0] >>> 4 & 0xF) == 6 ? IpProtocol.ETHERTYPE_IPV6 : IpProtocol.ETHERTYPE_IPV4);
        System.arraycopy(ip, 0, f, 14, ip.length);
        return f;
    }

    /** Inserts an 802.1Q (or 802.1ad) tag after the MACs of a frame. */
    public static byte[] vlan(byte[] frame, int tpid, int vid) {
        byte[] f = new byte[frame.length + 4];
        System.arraycopy(frame, 0, f, 0, 12);
        Bytes.put16(f, 12, tpid);
        Bytes.put16(f, 14, vid & 0x0FFF);
        System.arraycopy(frame, 12, f, 16, frame.length - 12);
        return f;
    }

    /** Appends {@code n} zero bytes (Ethernet padding, or room to grow). */
    public static byte[] pad(byte[] b, int n) {
        return Arrays.copyOf(b, b.length + n);
    }

    public static byte[] truncate(byte[] b, int length) {
        return Arrays.copyOf(b, length);
    }

    /** Inserts IPv4 options (a multiple of 4 bytes) into a bare IPv4 packet. */
    public static byte[] ipv4Options(byte[] ip, byte[] options) {
        int ihl = (ip[0] & 0x0F) * 4;
        byte[] r = new byte[ip.length + options.length];
        System.arraycopy(ip, 0, r, 0, ihl);
        System.arraycopy(options, 0, r, ihl, options.length);
        System.arraycopy(ip, ihl, r, ihl + options.length, ip.length - ihl);
        r[0] = (byte) (0x40 | ((ihl + options.length) / 4));
        Bytes.put16(r, Ipv4View.TOTAL_LENGTH_OFFSET, Bytes.u16(r, Ipv4View.TOTAL_LENGTH_OFFSET) + options.length);
        new Ipv4View().wrap(r, 0).computeChecksum();
        return r;
    }

    /** Marks a bare IPv4 packet as a fragment (offset in 8-byte units, MF flag); bytes unchanged otherwise. */
    public static byte[] ipv4Fragment(byte[] ip, int offsetUnits, boolean more) {
        byte[] r = ip.clone();
        Bytes.put16(r, Ipv4View.FLAGS_FRAGMENT_OFFSET, (more ? Ipv4View.FLAG_MORE_FRAGMENTS : 0) | (offsetUnits & 0x1FFF));
        new Ipv4View().wrap(r, 0).computeChecksum();
        return r;
    }

    /** An 8-byte hop-by-hop, routing (type 0, no segments left) or destination-options header; next header filled in later. */
    public static byte[] extHeader(int type) {
        byte[] h = new byte[8];
        if (type == IpProtocol.IPV6_ROUTING) {
            h[2] = 0; // routing type 0 with segments left 0: the destination address is final
        } else if (type != IpProtocol.IPV6_FRAGMENT) {
            h[2] = 1; // PadN option covering the rest
            h[3] = 4;
        }
        return h;
    }

    /** An IPv6 fragment header (offset in 8-byte units, M flag). */
    public static byte[] fragmentHeader(int offsetUnits, boolean more, int id) {
        byte[] h = new byte[8];
        Bytes.put16(h, 2, (offsetUnits << 3) | (more ? 1 : 0));
        Bytes.put32(h, 4, id);
        return h;
    }

    /**
     * Inserts extension headers between the fixed header of a bare IPv6 packet and its transport
     * header, chaining the next-header fields; {@code types[i]} names {@code headers[i]}.
     */
    public static byte[] ipv6Ext(byte[] ip, int[] types, byte[][] headers) {
        int total = 0;
        for (byte[] h : headers) {
            total += h.length;
        }
        byte[] r = new byte[ip.length + total];
        System.arraycopy(ip, 0, r, 0, 40);
        int transport = r[Ipv6View.NEXT_HEADER_OFFSET] & 0xFF;
        r[Ipv6View.NEXT_HEADER_OFFSET] = (byte) types[0];
        int p = 40;
        for (int i = 0; i < headers.length; i++) {
            System.arraycopy(headers[i], 0, r, p, headers[i].length);
            r[p] = (byte) (i + 1 < headers.length ? types[i + 1] : transport);
            if (types[i] != IpProtocol.IPV6_FRAGMENT) {
                r[p + 1] = (byte) (headers[i].length / 8 - 1);
            }
            p += headers[i].length;
        }
        System.arraycopy(ip, 40, r, p, ip.length - 40);
        Bytes.put16(r, Ipv6View.PAYLOAD_LENGTH_OFFSET, r.length - 40);
        return r;
    }

    /** An ICMP (v4) or ICMPv6 error from {@code from} to {@code to} quoting the first {@code quoteLength} bytes of {@code quoted}. */
    public static byte[] icmpError(InetAddress from, InetAddress to, int type, int code, byte[] quoted, int quoteLength) {
        return CraftedPacket.builder().src(from, 0).dst(to, 0).icmp(type, code, 0)
                .payload(Arrays.copyOf(quoted, Math.min(quoteLength, quoted.length))).build().encode();
    }

    /** Recomputes the IPv4 header checksum (if any) and the transport checksum of a bare IP packet in place. */
    public static byte[] fixChecksums(byte[] ip) {
        if ((ip[0] & 0xF0) == 0x40) {
            new Ipv4View().wrap(ip, 0).computeChecksum();
        }
        ParsedPacket p = PacketParser.parseIp(ip, 0, ip.length, new ParsedPacket());
        TransportChecksum.compute(p);
        return ip;
    }

    /** One canonical line per parse result, for the vector tables. */
    public static String describe(ParsedPacket p) {
        if (!p.ok()) {
            return "error=" + p.error();
        }
        StringBuilder sb = new StringBuilder("v").append(p.ipVersion()).append(' ').append(IpProtocol.name(p.protocol()))
                .append(' ').append(Bytes.ip(p.buffer(), p.srcAddrOffset(), p.addrLength()));
        if (p.srcPort() >= 0) {
            sb.append(':').append(p.srcPort());
        }
        sb.append('>').append(Bytes.ip(p.buffer(), p.dstAddrOffset(), p.addrLength()));
        if (p.dstPort() >= 0) {
            sb.append(':').append(p.dstPort());
        }
        if (p.vlanTags() > 0) {
            sb.append(" vlan=").append(p.vlanTags());
        }
        if (p.fragment() != ParsedPacket.Fragment.NONE) {
            sb.append(" frag=").append(p.fragment());
        }
        if (p.isTcp() && p.srcPort() >= 0) {
            sb.append(' ').append(TcpView.flagNames(p.tcpFlags()));
        }
        if ((p.isTcp() || p.isUdp()) && p.srcPort() >= 0) {
            sb.append(" redirect=").append(p.redirect());
        }
        if (p.isIcmp()) {
            sb.append(" icmp=").append(p.icmpType()).append('/').append(p.icmpCode());
            if (p.isIcmpError()) {
                QuotedPacket q = p.quoted();
                sb.append(" quote=").append(q.status());
                if (q.status() != QuotedPacket.Status.BAD) {
                    sb.append(' ').append(IpProtocol.name(q.protocol())).append(' ')
                            .append(Bytes.ip(p.buffer(), q.srcAddrOffset(), q.addrLength()));
                    if (q.hasPorts()) {
                        sb.append(':').append(q.srcPort());
                    }
                    sb.append('>').append(Bytes.ip(p.buffer(), q.dstAddrOffset(), q.addrLength()));
                    if (q.hasPorts()) {
                        sb.append(':').append(q.dstPort());
                    }
                }
            }
        }
        return sb.toString();
    }

    public static String describeIp(byte[] b) {
        return describe(PacketParser.parseIp(b, 0, b.length, new ParsedPacket()));
    }

    public static String describeFrame(byte[] b) {
        return describe(PacketParser.parseFrame(b, 0, b.length, new ParsedPacket()));
    }
}
