package io.portredirect.balancer.rewrite;

import io.portredirect.protocol.packet.Checksum;
import io.portredirect.protocol.packet.IcmpView;
import io.portredirect.protocol.packet.IpProtocol;
import io.portredirect.protocol.packet.Ipv4View;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.QuotedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.packet.UdpView;

import java.util.Arrays;

/**
 * Rewrites one IP address in place and patches every checksum that covers it incrementally
 * (RFC 1624, via {@link Checksum}): the IPv4 header checksum, the TCP/UDP/ICMPv6 checksum through
 * the pseudo-header, and for an ICMP error the quoted packet's copy of the address with the
 * quote's own IPv4 header and transport checksums (as far as the quote holds them) and, because
 * the ICMP checksum covers the quote, the ICMP checksum for each of those changes.
 * All checksum updates read the old bytes, so they run before the address is written.
 */
public final class AddressRewriter {
    private AddressRewriter() {
    }

    /**
     * Replaces the destination address with {@code addr[addrOffset..)}. For an ICMP error whose
     * quoted source equals the old destination (the packet our server sent), that is replaced too.
     */
    public static void rewriteDestination(ParsedPacket p, byte[] addr, int addrOffset) {
        int quote = p.isIcmpError() ? matchingQuoteAddress(p, p.quoted().srcAddrOffset(), p.dstAddrOffset()) : -1;
        rewrite(p, p.dstAddrOffset(), quote, addr, addrOffset);
    }

    /**
     * Replaces the source address. For an ICMP error whose quoted destination equals the old
     * source (the packet the server received), that is replaced too.
     */
    public static void rewriteSource(ParsedPacket p, byte[] addr, int addrOffset) {
        int quote = p.isIcmpError() ? matchingQuoteAddress(p, p.quoted().dstAddrOffset(), p.srcAddrOffset()) : -1;
        rewrite(p, p.srcAddrOffset(), quote, addr, addrOffset);
    }

    private static int matchingQuoteAddress(ParsedPacket p, int quoteAddr, int outerAddr) {
        QuotedPacket q = p.quoted();
        boolean readable = q.status() == QuotedPacket.Status.COMPLETE || q.status() == QuotedPacket.Status.NO_PORTS;
        if (!readable || quoteAddr < 0 || q.addrLength() != p.addrLength() || quoteAddr + q.addrLength() > p.ipEnd()) {
            return -1;
        }
        byte[] b = p.buffer();
        return Arrays.equals(b, quoteAddr, quoteAddr + q.addrLength(), b, outerAddr, outerAddr + q.addrLength())
                ? quoteAddr : -1;
    }

    private static void rewrite(ParsedPacket p, int field, int quoteField, byte[] addr, int addrOffset) {
        byte[] b = p.buffer();
        int len = p.addrLength();
        boolean v4 = p.ipVersion() == 4;
        if (v4) {
            Checksum.updateField(b, p.l3Offset() + Ipv4View.CHECKSUM_OFFSET, b, field, addr, addrOffset, len);
        }
        int l4 = p.l4Offset();
        if (p.fragment() != ParsedPacket.Fragment.NON_FIRST && l4 >= 0) {
            switch (p.protocol()) {
                case IpProtocol.TCP -> Checksum.updateField(b, l4 + TcpView.CHECKSUM_OFFSET, b, field, addr, addrOffset, len);
                case IpProtocol.UDP -> updateUdp(b, l4 + UdpView.CHECKSUM_OFFSET, field, addr, addrOffset, len);
                case IpProtocol.ICMPV6 -> {
                    if (!v4) {
                        Checksum.updateField(b, l4 + IcmpView.CHECKSUM_OFFSET, b, field, addr, addrOffset, len);
                    }
                }
                default -> {
                    // ICMPv4 and others: no pseudo-header
                }
            }
        }
        if (quoteField >= 0) {
            rewriteQuote(p, quoteField, addr, addrOffset);
            System.arraycopy(addr, addrOffset, b, quoteField, len);
        }
        System.arraycopy(addr, addrOffset, b, field, len);
    }

    private static void rewriteQuote(ParsedPacket p, int quoteField, byte[] addr, int addrOffset) {
        byte[] b = p.buffer();
        int len = p.addrLength();
        int icmp = p.l4Offset() + IcmpView.CHECKSUM_OFFSET;
        // the quoted address itself lies in the ICMP payload
        Checksum.updateField(b, icmp, b, quoteField, addr, addrOffset, len);
        QuotedPacket q = p.quoted();
        if (q.ipVersion() == 4) {
            int qcs = q.srcAddrOffset() - Ipv4View.SRC_OFFSET + Ipv4View.CHECKSUM_OFFSET;
            int old = Checksum.field(b, qcs);
            Checksum.updateField(b, qcs, b, quoteField, addr, addrOffset, len);
            Checksum.putField(b, icmp, Checksum.update16(Checksum.field(b, icmp), old, Checksum.field(b, qcs)));
        }
        if (q.hasPorts()) {
            int off = q.protocol() == IpProtocol.TCP ? q.l4Offset() + TcpView.CHECKSUM_OFFSET
                    : q.protocol() == IpProtocol.UDP ? q.l4Offset() + UdpView.CHECKSUM_OFFSET : -1;
            // ICMPv4 errors often quote only 8 transport bytes: the TCP checksum is then cut off
            if (off >= 0 && off + 2 <= p.ipEnd()) {
                int old = Checksum.field(b, off);
                if (q.protocol() == IpProtocol.UDP) {
                    updateUdp(b, off, quoteField, addr, addrOffset, len);
                } else {
                    Checksum.updateField(b, off, b, quoteField, addr, addrOffset, len);
                }
                Checksum.putField(b, icmp, Checksum.update16(Checksum.field(b, icmp), old, Checksum.field(b, off)));
            }
        }
    }

    /** UDP: a zero checksum means "none" and stays zero; a computed zero is sent as 0xFFFF (RFC 768). */
    private static void updateUdp(byte[] b, int checksumOffset, int field, byte[] addr, int addrOffset, int len) {
        if (Checksum.field(b, checksumOffset) == 0) {
            return;
        }
        Checksum.updateField(b, checksumOffset, b, field, addr, addrOffset, len);
        if (Checksum.field(b, checksumOffset) == 0) {
            Checksum.putField(b, checksumOffset, 0xFFFF);
        }
    }
}
