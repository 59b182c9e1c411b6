package io.portredirect.protocol.fuzz;

import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.EthernetView;
import io.portredirect.protocol.packet.IcmpView;
import io.portredirect.protocol.packet.IpProtocol;
import io.portredirect.protocol.packet.Ipv4View;
import io.portredirect.protocol.packet.Ipv6View;
import io.portredirect.protocol.packet.PacketParser;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.QuotedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.packet.TransportChecksum;
import io.portredirect.protocol.packet.UdpView;
import io.portredirect.protocol.wire.RedirectOptionScan;
import io.portredirect.protocol.wire.RedirectWire;
import io.portredirect.protocol.wire.UdpOptionArea;

/**
 * What must hold for any parse result, whatever the bytes were: offsets inside the buffer and in
 * header order, ports in range and equal to the bytes they were read from, a PRESENT redirect
 * option that really is at its offset. Shared by the fuzz targets of protocol and balancer; each
 * failed check throws an {@link AssertionError} naming the property, which Jazzer reports as a
 * finding.
 */
public final class PacketInvariants {
    private PacketInvariants() {
    }

    /** Throws when {@code condition} is false; {@code what} names the broken property. */
    public static void require(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }

    /** Parses as {@code frame} (Ethernet) or bare IP. */
    public static ParsedPacket parse(byte[] b, int offset, int length, boolean frame, ParsedPacket out) {
        return frame ? PacketParser.parseFrame(b, offset, length, out) : PacketParser.parseIp(b, offset, length, out);
    }

    /**
     * Checks a result of {@code parseFrame} ({@code frame}) or {@code parseIp} of
     * {@code [offset, offset + length)} of {@code b}.
     */
    public static void check(ParsedPacket p, byte[] b, int offset, int length, boolean frame) {
        int end = offset + length;
        require(p.buffer() == b, "buffer is the parsed array");
        require(p.frameOffset() == (frame ? offset : -1), "frameOffset");
        require(p.frameEnd() == end, "frameEnd = offset + length");
        require(p.toString() != null, "toString");
        if (!p.ok()) {
            require(p.error() != null, "an error when not ok");
            require(p.l3Offset() == -1 || (p.l3Offset() >= offset && p.l3Offset() <= end), "l3Offset in the buffer");
            require(p.l4Offset() == -1 || (p.l4Offset() >= offset && p.l4Offset() <= end), "l4Offset in the buffer");
            require(p.ipEnd() >= offset && p.ipEnd() <= end, "ipEnd in the buffer");
            requirePort(p.srcPort());
            requirePort(p.dstPort());
            return;
        }
        int v = p.ipVersion();
        require(v == 4 || v == 6, "ip version 4 or 6");
        boolean v4 = v == 4;
        require(p.etherType() == (v4 ? IpProtocol.ETHERTYPE_IPV4 : IpProtocol.ETHERTYPE_IPV6), "etherType matches the version");
        require(p.addrLength() == (v4 ? Ipv4View.ADDRESS_LENGTH : Ipv6View.ADDRESS_LENGTH), "address length");
        int l3 = p.l3Offset();
        require(l3 == (frame ? offset + EthernetView.HEADER_LENGTH + EthernetView.VLAN_TAG_LENGTH * p.vlanTags() : offset),
                "l3Offset after Ethernet and its tags");
        require(p.vlanTags() >= 0 && p.vlanTags() <= 2, "at most two VLAN tags");
        require(p.srcAddrOffset() == l3 + (v4 ? Ipv4View.SRC_OFFSET : Ipv6View.SRC_OFFSET), "srcAddrOffset");
        require(p.dstAddrOffset() == l3 + (v4 ? Ipv4View.DST_OFFSET : Ipv6View.DST_OFFSET), "dstAddrOffset");
        int l4 = p.l4Offset();
        require(l3 + (v4 ? Ipv4View.MIN_HEADER_LENGTH : Ipv6View.HEADER_LENGTH) <= l4, "l4Offset after the IP header");
        require(l4 <= p.ipEnd(), "l4Offset <= ipEnd");
        require(p.ipEnd() <= p.frameEnd(), "ipEnd <= frameEnd");
        require(p.protocol() >= 0 && p.protocol() <= 255, "protocol is one byte");
        requirePort(p.srcPort());
        requirePort(p.dstPort());
        require((p.srcPort() < 0) == (p.dstPort() < 0), "both ports or neither");
        boolean nonFirst = p.fragment() == ParsedPacket.Fragment.NON_FIRST;
        if (nonFirst) {
            require(p.srcPort() == -1, "no ports in a non-first fragment");
            require(p.redirect().status() == RedirectOptionScan.Status.ABSENT, "no option in a non-first fragment");
            return;
        }
        switch (p.protocol()) {
            case IpProtocol.TCP -> checkTcp(p, b, l4);
            case IpProtocol.UDP -> checkUdp(p, b, l4);
            case IpProtocol.ICMP, IpProtocol.ICMPV6 -> checkIcmp(p, b, l4);
            default -> {
                require(p.srcPort() == -1, "no ports for another protocol");
                require(p.redirect().status() == RedirectOptionScan.Status.ABSENT, "no option for another protocol");
            }
        }
        if (!p.isIcmp()) {
            require(p.quoted().status() == QuotedPacket.Status.NONE, "a quote only in ICMP");
        }
    }

    private static void requirePort(int port) {
        require(port == -1 || (port >= 0 && port <= 0xFFFF), "port in 0..65535 or -1");
    }

    private static void checkTcp(ParsedPacket p, byte[] b, int l4) {
        int hlen = p.tcpHeaderLength();
        require(hlen >= TcpView.MIN_HEADER_LENGTH && hlen <= TcpView.MAX_HEADER_LENGTH && hlen % 4 == 0, "TCP header length");
        require(l4 + hlen <= p.ipEnd(), "TCP header inside the IP packet");
        require(p.srcPort() == Bytes.u16(b, l4) && p.dstPort() == Bytes.u16(b, l4 + 2), "TCP ports are the header's");
        require(p.tcpFlags() == Bytes.u8(b, l4 + TcpView.FLAGS_OFFSET), "TCP flags are the header's");
        checkScan(p.redirect(), b, l4 + TcpView.MIN_HEADER_LENGTH, l4 + hlen, RedirectWire.TCP_OPTION_KIND);
    }

    private static void checkUdp(ParsedPacket p, byte[] b, int l4) {
        int ulen = p.udpLength();
        require(ulen >= UdpView.HEADER_LENGTH, "UDP length at least 8");
        require(p.srcPort() == Bytes.u16(b, l4) && p.dstPort() == Bytes.u16(b, l4 + 2), "UDP ports are the header's");
        require(ulen == Bytes.u16(b, l4 + UdpView.LENGTH_OFFSET), "UDP length is the header's");
        RedirectOptionScan s = p.redirect();
        if (p.fragment() != ParsedPacket.Fragment.NONE) {
            require(s.status() == RedirectOptionScan.Status.ABSENT, "no UDP option scan in a fragment");
            return;
        }
        require(l4 + ulen <= p.ipEnd(), "UDP length inside the IP packet");
        require(p.udpSurplusLength() == p.ipEnd() - (l4 + ulen), "surplus = IP end - UDP end");
        checkUdpArea(s, b, l4, ulen, p.ipEnd());
    }

    /** Checks a UDP surplus-area scan of {@code [udpOffset + udpLength, end)}. */
    public static void checkUdpArea(RedirectOptionScan s, byte[] b, int udpOffset, int udpLength, int end) {
        if (end <= udpOffset + udpLength) {
            require(s.status() == RedirectOptionScan.Status.ABSENT, "no surplus area, no option");
            return;
        }
        int ocs = UdpOptionArea.ocsOffset(udpOffset, udpLength);
        if (s.isPresent()) {
            require(ocs + RedirectWire.UDP_OCS_LENGTH <= end, "the OCS fits");
            require(UdpOptionArea.ocsValid(b, ocs, end), "PRESENT only with a valid (or zero) OCS");
        }
        checkScan(s, b, ocs + RedirectWire.UDP_OCS_LENGTH, end, RedirectWire.UDP_OPTION_KIND);
    }

    /** Checks a redirect option scan of the option area {@code [areaStart, areaEnd)}. */
    public static void checkScan(RedirectOptionScan s, byte[] b, int areaStart, int areaEnd, int kind) {
        require(s.toString() != null, "scan toString");
        switch (s.status()) {
            case ABSENT -> {
                require(s.reason() == null, "ABSENT without a reason");
                require(s.optionOffset() == -1, "ABSENT without an offset");
                require(s.flags() == 0 && s.port() == 0 && !s.isRedirect() && !s.isConfirm(), "ABSENT has no flags or port");
            }
            case MALFORMED -> {
                require(s.reason() != null, "MALFORMED has a reason");
                require(s.flags() == 0 && s.port() == 0 && !s.isRedirect() && !s.isConfirm(), "MALFORMED has no flags or port");
                int o = s.optionOffset();
                require(o == -1 || (o >= areaStart && o + s.optionLength() <= areaEnd), "MALFORMED option inside the area");
                require(s.toExtension() == null, "no extension when MALFORMED");
            }
            case PRESENT -> {
                int o = s.optionOffset();
                int len = s.optionLength();
                require(s.reason() == null, "PRESENT without a reason");
                require(o >= areaStart && o + len <= areaEnd, "PRESENT option inside the area");
                require(Bytes.u8(b, o + RedirectWire.KIND_OFFSET) == kind, "kind byte at optionOffset");
                // RFC 9868's extended-length UDP form puts a 16-bit length after a 255 length byte
                boolean extended = kind == RedirectWire.UDP_OPTION_KIND && Bytes.u8(b, o + RedirectWire.LENGTH_OFFSET) == 255;
                int shift = extended ? 2 : 0;
                int compact = len - shift;
                require(compact == RedirectWire.LENGTH_FLAGS_ONLY || compact == RedirectWire.LENGTH_WITH_PORT, "PRESENT length 5 or 7");
                require((extended ? Bytes.u16(b, o + 2) : Bytes.u8(b, o + RedirectWire.LENGTH_OFFSET)) == len, "length at optionOffset");
                int base = o + shift;
                require(Bytes.u16(b, base + RedirectWire.EXID_OFFSET) == RedirectWire.EXID, "ExID at optionOffset");
                require(s.flags() == Bytes.u8(b, base + RedirectWire.FLAGS_OFFSET), "flags are the option's");
                int port = compact == RedirectWire.LENGTH_WITH_PORT ? Bytes.u16(b, base + RedirectWire.PORT_OFFSET) : 0;
                require(s.port() == port, "port is the option's");
                require(compact == RedirectWire.LENGTH_FLAGS_ONLY || port != 0, "a 7-byte option has a port");
                require(s.isRedirect() == ((s.flags() & RedirectWire.FLAG_REDIRECT) != 0), "isRedirect is the flag");
                require(s.isConfirm() == ((s.flags() & RedirectWire.FLAG_CONFIRM) != 0), "isConfirm is the flag");
                require(s.toExtension().flags() == s.flags() && s.toExtension().port() == s.port(), "toExtension");
            }
        }
    }

    private static void checkIcmp(ParsedPacket p, byte[] b, int l4) {
        require(l4 + IcmpView.HEADER_LENGTH <= p.ipEnd(), "ICMP header inside the IP packet");
        require(p.icmpType() == Bytes.u8(b, l4) && p.icmpCode() == Bytes.u8(b, l4 + 1), "ICMP type and code are the header's");
        require(p.srcPort() == -1, "no ports in ICMP");
        QuotedPacket q = p.quoted();
        if (!p.isIcmpError()) {
            require(q.status() == QuotedPacket.Status.NONE, "a quote only in an ICMP error");
            return;
        }
        require(q.status() != QuotedPacket.Status.NONE, "an ICMP error has a quote status");
        checkQuote(q, b, l4 + IcmpView.HEADER_LENGTH, p.ipEnd(), p.ipVersion());
    }

    /** Checks the quote of an ICMP error that starts at {@code start} and ends at {@code end}. */
    public static void checkQuote(QuotedPacket q, byte[] b, int start, int end, int version) {
        require(q.toString() != null, "quote toString");
        if (q.status() == QuotedPacket.Status.BAD) {
            require(q.srcPort() == -1 && q.dstPort() == -1 && !q.hasPorts(), "a BAD quote has no ports");
            return;
        }
        boolean v4 = version == 4;
        require(q.ipVersion() == version, "quote of the outer packet's IP version");
        require(q.addrLength() == (v4 ? 4 : 16), "quote address length");
        require(q.srcAddrOffset() == start + (v4 ? Ipv4View.SRC_OFFSET : Ipv6View.SRC_OFFSET), "quote srcAddrOffset");
        require(q.dstAddrOffset() == start + (v4 ? Ipv4View.DST_OFFSET : Ipv6View.DST_OFFSET), "quote dstAddrOffset");
        require(q.dstAddrOffset() + q.addrLength() <= end, "quoted addresses inside the packet");
        if (q.status() == QuotedPacket.Status.COMPLETE) {
            require(q.hasPorts(), "COMPLETE has ports");
            require(q.protocol() == IpProtocol.TCP || q.protocol() == IpProtocol.UDP, "quote ports only for TCP/UDP");
            int l4 = q.l4Offset();
            require(l4 >= start + (v4 ? Ipv4View.MIN_HEADER_LENGTH : Ipv6View.HEADER_LENGTH) && l4 + 4 <= end, "quoted ports inside the packet");
            require(q.srcPort() == Bytes.u16(b, l4) && q.dstPort() == Bytes.u16(b, l4 + 2), "quoted ports are the bytes'");
        } else {
            require(q.srcPort() == -1 && q.dstPort() == -1 && q.l4Offset() == -1, "NO_PORTS has no ports");
        }
    }

    /**
     * Makes the IPv4 header checksum and the transport checksum of a parsed, unfragmented packet
     * correct, so that properties about checksums after an edit can be checked; returns whether
     * both now verify.
     */
    public static boolean fixChecksums(ParsedPacket p) {
        if (!p.ok()) {
            return false;
        }
        if (p.ipVersion() == 4) {
            new Ipv4View().wrap(p.buffer(), p.l3Offset()).computeChecksum();
        }
        TransportChecksum.compute(p);
        return checksumsValid(p);
    }

    /** True when the IPv4 header checksum (if any) and the transport checksum both verify. */
    public static boolean checksumsValid(ParsedPacket p) {
        return p.ok() && TransportChecksum.verifyIpHeader(p) == TransportChecksum.Verdict.VALID
                && TransportChecksum.verify(p) == TransportChecksum.Verdict.VALID;
    }

    /**
     * A position-independent summary of a parse (offsets relative to {@code base}), so the same
     * bytes parsed at two offsets can be compared.
     */
    public static String summary(ParsedPacket p, int base) {
        StringBuilder sb = new StringBuilder(96);
        sb.append(p.error()).append('|').append(p.ipVersion()).append('|').append(rel(p.l3Offset(), base))
                .append('|').append(rel(p.l4Offset(), base)).append('|').append(p.ipEnd() - base)
                .append('|').append(p.protocol()).append('|').append(p.fragment()).append('|').append(p.srcPort())
                .append('|').append(p.dstPort()).append('|').append(p.tcpFlags()).append('|').append(p.udpLength())
                .append('|').append(p.icmpType()).append('|').append(p.icmpCode()).append('|').append(p.isIcmpError());
        RedirectOptionScan s = p.redirect();
        sb.append('|').append(s.status()).append('|').append(s.reason()).append('|').append(rel(s.optionOffset(), base))
                .append('|').append(s.flags()).append('|').append(s.port());
        QuotedPacket q = p.quoted();
        sb.append('|').append(q.status()).append('|').append(q.protocol()).append('|').append(q.srcPort())
                .append('|').append(q.dstPort()).append('|').append(rel(q.l4Offset(), base));
        return sb.toString();
    }

    private static int rel(int offset, int base) {
        return offset < 0 ? offset : offset - base;
    }
}
