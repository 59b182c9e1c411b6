package io.portredirect.protocol.packet;

/**
 * Full computation and verification of the transport checksum of a parsed packet: TCP and UDP
 * (pseudo-header, RFC 9293 / RFC 768 / RFC 8200 section 8.1), ICMPv4 (no pseudo-header) and
 * ICMPv6 (pseudo-header). The UDP checksum covers the UDP length only, so the RFC 9868 surplus
 * area is outside it; it is protected by its own OCS.
 */
public final class TransportChecksum {
    private TransportChecksum() {
    }

    /** Offset of the checksum field in the transport header, or -1 when the protocol has none we know. */
    public static int fieldOffset(int protocol) {
        return switch (protocol) {
            case IpProtocol.TCP -> TcpView.CHECKSUM_OFFSET;
            case IpProtocol.UDP -> UdpView.CHECKSUM_OFFSET;
            case IpProtocol.ICMP, IpProtocol.ICMPV6 -> IcmpView.CHECKSUM_OFFSET;
            default -> -1;
        };
    }

    /** Bytes the checksum covers from the transport header on. */
    private static int coveredLength(ParsedPacket p) {
        return p.isUdp() ? p.udpLength() : p.l4Length();
    }

    private static int sum(ParsedPacket p) {
        byte[] b = p.buffer();
        int len = coveredLength(p);
        int s = p.protocol() == IpProtocol.ICMP
                ? 0
                : Checksum.pseudoHeader(b, p.srcAddrOffset(), p.dstAddrOffset(), p.addrLength(), p.protocol(), len);
        return Checksum.add(s, b, p.l4Offset(), len);
    }

    /**
     * Recomputes and writes the transport checksum of a parsed, unfragmented packet.
     *
     * @return false when the packet has no transport checksum we can compute (fragment, unknown protocol)
     */
    public static boolean compute(ParsedPacket p) {
        int field = fieldOffset(p.protocol());
        if (!p.ok() || field < 0 || p.fragment() != ParsedPacket.Fragment.NONE) {
            return false;
        }
        byte[] b = p.buffer();
        Bytes.put16(b, p.l4Offset() + field, 0);
        int c = Checksum.finish(sum(p));
        if (c == 0 && p.isUdp()) {
            c = 0xFFFF; // RFC 768: a computed zero is sent as all ones; zero means "no checksum"
        }
        Bytes.put16(b, p.l4Offset() + field, c);
        return true;
    }

    /** Verdict of {@link #verify}. */
    public enum Verdict { VALID, INVALID, NOT_CHECKED }

    /** Verifies the transport checksum (an IPv4 UDP checksum of 0 means "none" and is NOT_CHECKED). */
    public static Verdict verify(ParsedPacket p) {
        int field = fieldOffset(p.protocol());
        if (!p.ok() || field < 0 || p.fragment() != ParsedPacket.Fragment.NONE) {
            return Verdict.NOT_CHECKED;
        }
        if (p.isUdp() && p.ipVersion() == 4 && Bytes.u16(p.buffer(), p.l4Offset() + field) == 0) {
            return Verdict.NOT_CHECKED;
        }
        return Checksum.verifies(sum(p)) ? Verdict.VALID : Verdict.INVALID;
    }

    /** Verifies the IPv4 header checksum; IPv6 has none (VALID). */
    public static Verdict verifyIpHeader(ParsedPacket p) {
        if (!p.ok() || p.ipVersion() != 4) {
            return p.ipVersion() == 6 ? Verdict.VALID : Verdict.NOT_CHECKED;
        }
        int ihl = (p.buffer()[p.l3Offset()] & 0x0F) * 4;
        return Checksum.verifies(Checksum.add(0, p.buffer(), p.l3Offset(), ihl)) ? Verdict.VALID : Verdict.INVALID;
    }
}
