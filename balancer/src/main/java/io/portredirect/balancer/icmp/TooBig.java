package io.portredirect.balancer.icmp;

import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.Checksum;
import io.portredirect.protocol.packet.EthernetView;
import io.portredirect.protocol.packet.IcmpView;
import io.portredirect.protocol.packet.IpProtocol;
import io.portredirect.protocol.packet.ParsedPacket;

/**
 * The ICMP error a router returns for a packet too big for the next link, so path MTU discovery
 * works through the balancer: IPv4 destination unreachable / fragmentation needed with the
 * next-hop MTU (RFC 792, RFC 1191), IPv6 packet too big (RFC 4443). Sent from the VIP the packet
 * was addressed to, back to its source, in a frame from our network MAC to the sender's MAC.
 * Quotes as much of the packet as the minimum MTU allows (576 / 1280 bytes in all). Writes into
 * a caller's buffer; allocates nothing.
 */
public final class TooBig {
    /** Largest frame {@link #build} writes: Ethernet + 1280 (the IPv6 minimum MTU). */
    public static final int MAX_FRAME = EthernetView.HEADER_LENGTH + 1280;

    private static final int V4_HEADER = 20;
    private static final int V6_HEADER = 40;
    private static final int V4_MAX_DATAGRAM = 576;
    private static final int V6_MAX_DATAGRAM = 1280;
    private static final int TTL = 64;

    private TooBig() {
    }

    /** Whether the IPv4 packet forbids fragmentation (DF); IPv6 packets always do. */
    public static boolean dontFragment(ParsedPacket p) {
        if (p.ipVersion() == 6) {
            return true;
        }
        return (Bytes.u16(p.buffer(), p.l3Offset() + 6) & 0x4000) != 0;
    }

    /**
     * Writes the error for {@code p} (parsed from a frame that starts at {@code frameOffset}) into
     * {@code out} and returns its length.
     *
     * @param mtu    the MTU of the link the packet did not fit
     * @param ourMac the network-side MAC (source of the reply)
     */
    public static int build(ParsedPacket p, int frameOffset, int mtu, byte[] ourMac, byte[] out) {
        byte[] in = p.buffer();
        boolean v6 = p.ipVersion() == 6;
        int l3 = p.l3Offset();
        int ipLength = p.ipEnd() - l3;
        int header = v6 ? V6_HEADER : V4_HEADER;
        int quote = Math.min(ipLength, (v6 ? V6_MAX_DATAGRAM : V4_MAX_DATAGRAM) - header - IcmpView.HEADER_LENGTH);
        int icmpLength = IcmpView.HEADER_LENGTH + quote;
        int ip = EthernetView.HEADER_LENGTH;
        int icmp = ip + header;

        System.arraycopy(in, frameOffset + EthernetView.SRC_OFFSET, out, EthernetView.DST_OFFSET, 6);
        System.arraycopy(ourMac, 0, out, EthernetView.SRC_OFFSET, 6);
        Bytes.put16(out, EthernetView.TYPE_OFFSET, v6 ? IpProtocol.ETHERTYPE_IPV6 : IpProtocol.ETHERTYPE_IPV4);

        int n = p.addrLength();
        int src = ip + (v6 ? 8 : 12);
        int dst = src + n;
        if (v6) {
            Bytes.put32(out, ip, 0x6000_0000L);
            Bytes.put16(out, ip + 4, icmpLength);
            out[ip + 6] = (byte) IpProtocol.ICMPV6;
            out[ip + 7] = (byte) TTL;
        } else {
            out[ip] = 0x45;
            out[ip + 1] = 0;
            Bytes.put16(out, ip + 2, header + icmpLength);
            Bytes.put32(out, ip + 4, 0); // id, flags, fragment offset
            out[ip + 8] = (byte) TTL;
            out[ip + 9] = (byte) IpProtocol.ICMP;
            Bytes.put16(out, ip + 10, 0);
        }
        // from the VIP the packet was sent to, back to its sender
        System.arraycopy(in, p.dstAddrOffset(), out, src, n);
        System.arraycopy(in, p.srcAddrOffset(), out, dst, n);
        if (!v6) {
            Bytes.put16(out, ip + 10, Checksum.compute(out, ip, V4_HEADER));
        }

        out[icmp + IcmpView.TYPE_OFFSET] = (byte) (v6 ? IcmpView.V6_PACKET_TOO_BIG : IcmpView.V4_DEST_UNREACHABLE);
        out[icmp + IcmpView.CODE_OFFSET] = (byte) (v6 ? 0 : IcmpView.V4_CODE_FRAG_NEEDED);
        Bytes.put16(out, icmp + IcmpView.CHECKSUM_OFFSET, 0);
        // v4: 2 unused bytes then the next-hop MTU (RFC 1191); v6: the MTU in 32 bits
        Bytes.put32(out, icmp + IcmpView.REST_OFFSET, v6 ? mtu : mtu & 0xFFFF);
        System.arraycopy(in, l3, out, icmp + IcmpView.HEADER_LENGTH, quote);
        int sum = Checksum.add(v6 ? Checksum.pseudoHeader(out, src, dst, n, IpProtocol.ICMPV6, icmpLength) : 0, out, icmp, icmpLength);
        Bytes.put16(out, icmp + IcmpView.CHECKSUM_OFFSET, Checksum.finish(sum));
        return icmp + icmpLength;
    }
}
