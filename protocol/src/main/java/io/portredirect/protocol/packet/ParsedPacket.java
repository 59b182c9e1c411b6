package io.portredirect.protocol.packet;

import io.portredirect.protocol.wire.RedirectOptionScan;

/**
 * What one pass of {@link PacketParser} learned about a packet: offsets into the caller's buffer,
 * ports, flags, the redirect option and, for ICMP errors, the quoted packet. Mutable and reused
 * across packets so the hot path allocates nothing; read it only until the next parse.
 */
public final class ParsedPacket {
    /** Fragment position of an IP packet. */
    public enum Fragment { NONE, FIRST, NON_FIRST }

    byte[] buffer;
    int frameOffset;
    int frameEnd;
    int vlanTags;
    int etherType;
    int l3Offset;
    int ipVersion;
    int addrLength;
    int srcAddrOffset;
    int dstAddrOffset;
    int ipEnd;
    int protocol;
    int l4Offset;
    Fragment fragment;
    int srcPort;
    int dstPort;
    int tcpFlags;
    int tcpHeaderLength;
    int udpLength;
    int icmpType;
    int icmpCode;
    boolean icmpError;
    ParseError error;
    final RedirectOptionScan tcpRedirect = new RedirectOptionScan();
    final RedirectOptionScan udpRedirect = RedirectOptionScan.forUdp();
    final QuotedPacket quoted = new QuotedPacket();

    void reset(byte[] b, int frameOffset, int frameEnd) {
        this.buffer = b;
        this.frameOffset = frameOffset;
        this.frameEnd = frameEnd;
        vlanTags = 0;
        etherType = 0;
        l3Offset = -1;
        ipVersion = 0;
        addrLength = 0;
        srcAddrOffset = -1;
        dstAddrOffset = -1;
        ipEnd = frameEnd;
        protocol = -1;
        l4Offset = -1;
        fragment = Fragment.NONE;
        srcPort = -1;
        dstPort = -1;
        tcpFlags = 0;
        tcpHeaderLength = 0;
        udpLength = 0;
        icmpType = -1;
        icmpCode = -1;
        icmpError = false;
        error = null;
        tcpRedirect.reset();
        udpRedirect.reset();
        quoted.reset();
    }

    public byte[] buffer() {
        return buffer;
    }

    /** Offset of the Ethernet header, or -1 when parsed from the IP header. */
    public int frameOffset() {
        return frameOffset;
    }

    /** End of the captured bytes (exclusive). */
    public int frameEnd() {
        return frameEnd;
    }

    public int vlanTags() {
        return vlanTags;
    }

    public int etherType() {
        return etherType;
    }

    /** Null when the packet parsed; else the first reason it did not. */
    public ParseError error() {
        return error;
    }

    public boolean ok() {
        return error == null;
    }

    public int l3Offset() {
        return l3Offset;
    }

    /** 4, 6, or 0 when not IP. */
    public int ipVersion() {
        return ipVersion;
    }

    public int addrLength() {
        return addrLength;
    }

    /**
     * True when this packet goes from {@code src} to {@code dst}: addresses of its IP version, in
     * network order (as {@code InetAddress.getAddress()} gives them). No allocation.
     */
    public boolean between(byte[] src, byte[] dst) {
        int n = addrLength();
        return src.length == n && dst.length == n && Bytes.equal(buffer(), srcAddrOffset(), src, 0, n)
                && Bytes.equal(buffer(), dstAddrOffset(), dst, 0, n);
    }

    public int srcAddrOffset() {
        return srcAddrOffset;
    }

    public int dstAddrOffset() {
        return dstAddrOffset;
    }

    /** End of the IP packet per its length field (Ethernet padding excluded). */
    public int ipEnd() {
        return ipEnd;
    }

    /** Transport protocol after any IPv6 extension headers; -1 when unknown. */
    public int protocol() {
        return protocol;
    }

    public int l4Offset() {
        return l4Offset;
    }

    /** Bytes from the transport header to the end of the IP packet. */
    public int l4Length() {
        return l4Offset < 0 ? 0 : ipEnd - l4Offset;
    }

    public Fragment fragment() {
        return fragment;
    }

    /** Transport source port, or -1 (not TCP/UDP, or a non-first fragment). */
    public int srcPort() {
        return srcPort;
    }

    public int dstPort() {
        return dstPort;
    }

    public boolean isTcp() {
        return protocol == IpProtocol.TCP;
    }

    public boolean isUdp() {
        return protocol == IpProtocol.UDP;
    }

    public boolean isIcmp() {
        return protocol == IpProtocol.ICMP || protocol == IpProtocol.ICMPV6;
    }

    public int tcpFlags() {
        return tcpFlags;
    }

    public int tcpHeaderLength() {
        return tcpHeaderLength;
    }

    /** The UDP length field (header + user data). */
    public int udpLength() {
        return udpLength;
    }

    /** Bytes of surplus area after the UDP user data (RFC 9868), 0 when none. */
    public int udpSurplusLength() {
        return isUdp() && l4Offset >= 0 ? Math.max(0, ipEnd - (l4Offset + udpLength)) : 0;
    }

    /** The redirect option of this packet (TCP option or UDP option); absent for other protocols. */
    public RedirectOptionScan redirect() {
        return protocol == IpProtocol.UDP ? udpRedirect : tcpRedirect;
    }

    public int icmpType() {
        return icmpType;
    }

    public int icmpCode() {
        return icmpCode;
    }

    /** True for ICMP error types the balancer routes by the quoted packet. */
    public boolean isIcmpError() {
        return icmpError;
    }

    /** The packet quoted by an ICMP error. */
    public QuotedPacket quoted() {
        return quoted;
    }

    @Override
    public String toString() {
        if (error != null) {
            return "ParsedPacket{error=" + error + '}';
        }
        StringBuilder sb = new StringBuilder("ParsedPacket{ipv").append(ipVersion)
                .append(' ').append(Bytes.ip(buffer, srcAddrOffset, addrLength))
                .append(srcPort >= 0 ? ":" + srcPort : "")
                .append(" > ").append(Bytes.ip(buffer, dstAddrOffset, addrLength))
                .append(dstPort >= 0 ? ":" + dstPort : "")
                .append(' ').append(IpProtocol.name(protocol));
        if (isTcp()) {
            sb.append(' ').append(TcpView.flagNames(tcpFlags));
        }
        if (fragment != Fragment.NONE) {
            sb.append(" fragment=").append(fragment);
        }
        if (isTcp() || isUdp()) {
            sb.append(" redirect=").append(redirect());
        }
        if (isIcmp()) {
            sb.append(" icmp=").append(icmpType).append('/').append(icmpCode);
            if (icmpError) {
                sb.append(" quote=").append(quoted);
            }
        }
        return sb.append('}').toString();
    }
}
