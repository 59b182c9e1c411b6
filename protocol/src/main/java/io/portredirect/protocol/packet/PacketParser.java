package io.portredirect.protocol.packet;

import io.portredirect.protocol.wire.UdpOptionArea;

/**
 * One bounds-checked pass over a packet's headers into a reused {@link ParsedPacket}: Ethernet
 * (802.1Q tags skipped), IPv4 (options, fragments) or IPv6 (extension headers walked to the
 * transport header, fragment header noted), then TCP (redirect option scanned), UDP (surplus-area
 * option scanned) or ICMP (the quoted packet of an error parsed, truncated quotes included).
 * Stateless and allocation-free; never throws on malformed bytes: the result carries a
 * {@link ParseError} instead.
 */
public final class PacketParser {
    private static final int MAX_EXTENSION_HEADERS = 16;

    private PacketParser() {
    }

    /** Parses an Ethernet frame occupying {@code [offset, offset + length)}. */
    public static ParsedPacket parseFrame(byte[] b, int offset, int length, ParsedPacket out) {
        out.reset(b, offset, offset + length);
        int t = EthernetView.etherTypeOffset(b, offset, length);
        if (t < 0) {
            return fail(out, ParseError.TRUNCATED_ETHERNET);
        }
        int end = offset + length;
        int type = Bytes.u16(b, t);
        out.vlanTags = (t - offset - EthernetView.TYPE_OFFSET) / EthernetView.VLAN_TAG_LENGTH;
        out.etherType = type;
        int l3 = t + 2;
        if (type == IpProtocol.ETHERTYPE_IPV4) {
            return parseIpAt(b, l3, end, 4, out);
        }
        if (type == IpProtocol.ETHERTYPE_IPV6) {
            return parseIpAt(b, l3, end, 6, out);
        }
        return fail(out, ParseError.UNSUPPORTED_ETHERTYPE);
    }

    /** Parses a packet that starts with its IP header (raw sockets, LINKTYPE_RAW captures). */
    public static ParsedPacket parseIp(byte[] b, int offset, int length, ParsedPacket out) {
        out.reset(b, -1, offset + length);
        if (length < 1) {
            return fail(out, ParseError.TRUNCATED_IP);
        }
        int version = (b[offset] & 0xF0) >>> 4;
        if (version != 4 && version != 6) {
            return fail(out, ParseError.BAD_IP_VERSION);
        }
        out.etherType = version == 4 ? IpProtocol.ETHERTYPE_IPV4 : IpProtocol.ETHERTYPE_IPV6;
        return parseIpAt(b, offset, offset + length, version, out);
    }

    private static ParsedPacket parseIpAt(byte[] b, int l3, int end, int version, ParsedPacket out) {
        out.l3Offset = l3;
        if (version == 4) {
            if (end - l3 < Ipv4View.MIN_HEADER_LENGTH) {
                return fail(out, ParseError.TRUNCATED_IP);
            }
            if ((b[l3] & 0xF0) >>> 4 != 4) {
                return fail(out, ParseError.BAD_IP_VERSION);
            }
            int ihl = (b[l3] & 0x0F) * 4;
            if (ihl < Ipv4View.MIN_HEADER_LENGTH || l3 + ihl > end) {
                return fail(out, ParseError.BAD_IPV4_HEADER_LENGTH);
            }
            int total = Bytes.u16(b, l3 + Ipv4View.TOTAL_LENGTH_OFFSET);
            if (total < ihl || l3 + total > end) {
                return fail(out, ParseError.BAD_IP_TOTAL_LENGTH);
            }
            out.ipVersion = 4;
            out.addrLength = Ipv4View.ADDRESS_LENGTH;
            out.srcAddrOffset = l3 + Ipv4View.SRC_OFFSET;
            out.dstAddrOffset = l3 + Ipv4View.DST_OFFSET;
            out.ipEnd = l3 + total;
            out.protocol = Bytes.u8(b, l3 + Ipv4View.PROTOCOL_OFFSET);
            out.l4Offset = l3 + ihl;
            int ff = Bytes.u16(b, l3 + Ipv4View.FLAGS_FRAGMENT_OFFSET);
            if ((ff & Ipv4View.FRAGMENT_OFFSET_MASK) != 0) {
                out.fragment = ParsedPacket.Fragment.NON_FIRST;
            } else if ((ff & Ipv4View.FLAG_MORE_FRAGMENTS) != 0) {
                out.fragment = ParsedPacket.Fragment.FIRST;
            }
        } else {
            if (end - l3 < Ipv6View.HEADER_LENGTH) {
                return fail(out, ParseError.TRUNCATED_IP);
            }
            if ((b[l3] & 0xF0) >>> 4 != 6) {
                return fail(out, ParseError.BAD_IP_VERSION);
            }
            int plen = Bytes.u16(b, l3 + Ipv6View.PAYLOAD_LENGTH_OFFSET);
            int ipEnd = l3 + Ipv6View.HEADER_LENGTH + plen;
            if (ipEnd > end) {
                return fail(out, ParseError.BAD_IP_TOTAL_LENGTH);
            }
            out.ipVersion = 6;
            out.addrLength = Ipv6View.ADDRESS_LENGTH;
            out.srcAddrOffset = l3 + Ipv6View.SRC_OFFSET;
            out.dstAddrOffset = l3 + Ipv6View.DST_OFFSET;
            out.ipEnd = ipEnd;
            long walk = walkIpv6Extensions(b, l3, ipEnd);
            if (walk < 0) {
                return fail(out, ParseError.BAD_IPV6_EXTENSION);
            }
            out.protocol = (int) (walk >>> 40) & 0xFF;
            out.l4Offset = (int) (walk & 0xFFFFFFFFL);
            out.fragment = FRAGMENT_STATES[(int) (walk >>> 32) & 0x3];
        }
        if (out.fragment == ParsedPacket.Fragment.NON_FIRST) {
            return out;
        }
        return parseTransport(b, out);
    }

    private static final ParsedPacket.Fragment[] FRAGMENT_STATES = ParsedPacket.Fragment.values();

    /**
     * Walks IPv6 extension headers from the fixed header at {@code l3} up to {@code end}. Returns
     * -1 when one is truncated, else packs (protocol << 40 | fragment ordinal << 32 | l4 offset)
     * so the walk allocates nothing.
     */
    static long walkIpv6Extensions(byte[] b, int l3, int end) {
        int next = Bytes.u8(b, l3 + Ipv6View.NEXT_HEADER_OFFSET);
        int p = l3 + Ipv6View.HEADER_LENGTH;
        int fragment = 0;
        for (int i = 0; i < MAX_EXTENSION_HEADERS; i++) {
            int len;
            switch (next) {
                case IpProtocol.IPV6_HOP_BY_HOP, IpProtocol.IPV6_ROUTING, IpProtocol.IPV6_DESTINATION, IpProtocol.IPV6_MOBILITY -> {
                    if (p + 2 > end) {
                        return -1;
                    }
                    len = (Bytes.u8(b, p + 1) + 1) * 8;
                }
                case IpProtocol.IPV6_AH -> {
                    if (p + 2 > end) {
                        return -1;
                    }
                    len = (Bytes.u8(b, p + 1) + 2) * 4;
                }
                case IpProtocol.IPV6_FRAGMENT -> {
                    if (p + Ipv6View.FRAGMENT_HEADER_LENGTH > end) {
                        return -1;
                    }
                    int offMf = Bytes.u16(b, p + 2);
                    if ((offMf & 0xFFF8) != 0) {
                        fragment = ParsedPacket.Fragment.NON_FIRST.ordinal();
                    } else if ((offMf & 1) != 0) {
                        fragment = ParsedPacket.Fragment.FIRST.ordinal();
                    }
                    len = Ipv6View.FRAGMENT_HEADER_LENGTH;
                }
                default -> {
                    return ((long) next << 40) | ((long) fragment << 32) | (p & 0xFFFFFFFFL);
                }
            }
            if (p + len > end) {
                return -1;
            }
            next = Bytes.u8(b, p);
            p += len;
            if (fragment == ParsedPacket.Fragment.NON_FIRST.ordinal()) {
                // later headers sit in the first fragment; what follows here is payload
                return ((long) next << 40) | ((long) fragment << 32) | (p & 0xFFFFFFFFL);
            }
        }
        return -1;
    }

    private static ParsedPacket parseTransport(byte[] b, ParsedPacket out) {
        int l4 = out.l4Offset;
        int avail = out.ipEnd - l4;
        boolean wholeDatagram = out.fragment == ParsedPacket.Fragment.NONE;
        switch (out.protocol) {
            case IpProtocol.TCP -> {
                if (avail < TcpView.MIN_HEADER_LENGTH) {
                    return fail(out, ParseError.TRUNCATED_TCP);
                }
                int hlen = ((b[l4 + TcpView.DATA_OFFSET_OFFSET] & 0xF0) >>> 4) * 4;
                if (hlen < TcpView.MIN_HEADER_LENGTH || hlen > avail) {
                    return fail(out, ParseError.BAD_TCP_DATA_OFFSET);
                }
                out.srcPort = Bytes.u16(b, l4 + TcpView.SRC_PORT_OFFSET);
                out.dstPort = Bytes.u16(b, l4 + TcpView.DST_PORT_OFFSET);
                out.tcpFlags = Bytes.u8(b, l4 + TcpView.FLAGS_OFFSET);
                out.tcpHeaderLength = hlen;
                out.tcpRedirect.scanTcp(b, l4 + TcpView.MIN_HEADER_LENGTH, hlen - TcpView.MIN_HEADER_LENGTH);
            }
            case IpProtocol.UDP -> {
                if (avail < UdpView.HEADER_LENGTH) {
                    return fail(out, ParseError.TRUNCATED_UDP);
                }
                int ulen = Bytes.u16(b, l4 + UdpView.LENGTH_OFFSET);
                if (ulen < UdpView.HEADER_LENGTH || (wholeDatagram && ulen > avail)) {
                    return fail(out, ParseError.BAD_UDP_LENGTH);
                }
                out.srcPort = Bytes.u16(b, l4 + UdpView.SRC_PORT_OFFSET);
                out.dstPort = Bytes.u16(b, l4 + UdpView.DST_PORT_OFFSET);
                out.udpLength = ulen;
                if (wholeDatagram) {
                    UdpOptionArea.scan(b, l4, ulen, out.ipEnd, out.udpRedirect);
                }
            }
            case IpProtocol.ICMP, IpProtocol.ICMPV6 -> {
                if (avail < IcmpView.HEADER_LENGTH) {
                    return fail(out, ParseError.TRUNCATED_ICMP);
                }
                out.icmpType = Bytes.u8(b, l4 + IcmpView.TYPE_OFFSET);
                out.icmpCode = Bytes.u8(b, l4 + IcmpView.CODE_OFFSET);
                boolean v4 = out.protocol == IpProtocol.ICMP && out.ipVersion == 4;
                boolean v6 = out.protocol == IpProtocol.ICMPV6 && out.ipVersion == 6;
                out.icmpError = (v4 && IcmpView.isV4Error(out.icmpType)) || (v6 && IcmpView.isV6Error(out.icmpType));
                if (out.icmpError) {
                    parseQuote(b, l4 + IcmpView.HEADER_LENGTH, out.ipEnd, out.ipVersion, out.quoted);
                }
            }
            default -> {
                // another protocol: addresses are known, ports are not
            }
        }
        return out;
    }

    /** Parses the packet quoted by an ICMP error, which must be of the same IP version. */
    static void parseQuote(byte[] b, int q, int end, int version, QuotedPacket out) {
        out.status = QuotedPacket.Status.BAD;
        if (q >= end || (b[q] & 0xF0) >>> 4 != version) {
            return;
        }
        int l4;
        boolean ports;
        if (version == 4) {
            if (end - q < Ipv4View.MIN_HEADER_LENGTH) {
                return;
            }
            int ihl = (b[q] & 0x0F) * 4;
            if (ihl < Ipv4View.MIN_HEADER_LENGTH || q + ihl > end) {
                return;
            }
            out.addrLength = Ipv4View.ADDRESS_LENGTH;
            out.srcAddrOffset = q + Ipv4View.SRC_OFFSET;
            out.dstAddrOffset = q + Ipv4View.DST_OFFSET;
            out.protocol = Bytes.u8(b, q + Ipv4View.PROTOCOL_OFFSET);
            l4 = q + ihl;
            ports = (Bytes.u16(b, q + Ipv4View.FLAGS_FRAGMENT_OFFSET) & Ipv4View.FRAGMENT_OFFSET_MASK) == 0;
        } else {
            if (end - q < Ipv6View.HEADER_LENGTH) {
                return;
            }
            out.addrLength = Ipv6View.ADDRESS_LENGTH;
            out.srcAddrOffset = q + Ipv6View.SRC_OFFSET;
            out.dstAddrOffset = q + Ipv6View.DST_OFFSET;
            long walk = walkIpv6Extensions(b, q, end);
            if (walk < 0) {
                out.protocol = -1;
                out.status = QuotedPacket.Status.NO_PORTS;
                out.ipVersion = 6;
                return;
            }
            out.protocol = (int) (walk >>> 40) & 0xFF;
            l4 = (int) (walk & 0xFFFFFFFFL);
            ports = ((walk >>> 32) & 0x3) != ParsedPacket.Fragment.NON_FIRST.ordinal();
        }
        out.ipVersion = version;
        boolean portProtocol = out.protocol == IpProtocol.TCP || out.protocol == IpProtocol.UDP;
        if (ports && portProtocol && l4 + 4 <= end) {
            out.l4Offset = l4;
            out.srcPort = Bytes.u16(b, l4);
            out.dstPort = Bytes.u16(b, l4 + 2);
            out.status = QuotedPacket.Status.COMPLETE;
        } else {
            out.status = QuotedPacket.Status.NO_PORTS;
        }
    }

    private static ParsedPacket fail(ParsedPacket out, ParseError e) {
        out.error = e;
        return out;
    }
}
