package io.portredirect.balancer.io;

import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.Checksum;
import io.portredirect.protocol.packet.EthernetView;
import io.portredirect.protocol.packet.IcmpView;
import io.portredirect.protocol.packet.IpProtocol;
import io.portredirect.protocol.packet.Ipv6View;

import java.util.Arrays;

/**
 * Layout of ARP (RFC 826) and IPv6 neighbour discovery (RFC 4861) frames, and writers for the few
 * the balancer sends: ARP reply/request and neighbour advertisement/solicitation. Untagged
 * Ethernet only. Writers fill a caller's buffer and return the frame length.
 */
final class NeighborFrames {
    static final int ARP = EthernetView.HEADER_LENGTH;
    static final int ARP_HTYPE = ARP;
    static final int ARP_PTYPE = ARP + 2;
    static final int ARP_HLEN = ARP + 4;
    static final int ARP_PLEN = ARP + 5;
    static final int ARP_OPER = ARP + 6;
    static final int ARP_SHA = ARP + 8;
    static final int ARP_SPA = ARP + 14;
    static final int ARP_THA = ARP + 18;
    static final int ARP_TPA = ARP + 24;
    static final int ARP_FRAME_LENGTH = ARP + 28;
    static final int ARP_REQUEST = 1;
    static final int ARP_REPLY = 2;

    static final int IP6 = EthernetView.HEADER_LENGTH;
    static final int ICMP6 = IP6 + Ipv6View.HEADER_LENGTH;
    /** Target address of NS and NA. */
    static final int ND_TARGET = ICMP6 + 8;
    static final int ND_OPTIONS = ND_TARGET + 16;
    static final int ND_MIN_LENGTH = ND_OPTIONS;
    static final int OPT_SOURCE_LLA = 1;
    static final int OPT_TARGET_LLA = 2;
    static final int NA_FLAG_SOLICITED = 0x40;
    static final int NA_FLAG_OVERRIDE = 0x20;
    /** NS/NA with one link-layer address option. */
    static final int ND_FRAME_LENGTH = ND_OPTIONS + 8;

    /** Ethernet's minimum frame (without FCS); short frames are padded for real NICs. */
    static final int MIN_FRAME = 60;

    private static final byte[] BROADCAST = {-1, -1, -1, -1, -1, -1};
    private static final byte[] ALL_NODES = Bytes.fromHex("ff020000000000000000000000000001");

    private NeighborFrames() {
    }

    /** True for an untagged ARP frame over Ethernet/IPv4 long enough to read. */
    static boolean isArp(byte[] f, int len) {
        return len >= ARP_FRAME_LENGTH && Bytes.u16(f, EthernetView.TYPE_OFFSET) == IpProtocol.ETHERTYPE_ARP
                && Bytes.u16(f, ARP_HTYPE) == 1 && Bytes.u16(f, ARP_PTYPE) == IpProtocol.ETHERTYPE_IPV4
                && f[ARP_HLEN] == 6 && f[ARP_PLEN] == 4;
    }

    /**
     * ICMPv6 type when the frame is an untagged NS or NA (no extension headers, hop limit 255 as
     * RFC 4861 demands), else -1.
     */
    static int ndType(byte[] f, int len) {
        if (len < ND_MIN_LENGTH || Bytes.u16(f, EthernetView.TYPE_OFFSET) != IpProtocol.ETHERTYPE_IPV6
                || Bytes.u8(f, IP6 + Ipv6View.NEXT_HEADER_OFFSET) != IpProtocol.ICMPV6) {
            return -1;
        }
        int type = Bytes.u8(f, ICMP6);
        if (type != IcmpView.V6_NEIGHBOR_SOLICITATION && type != IcmpView.V6_NEIGHBOR_ADVERTISEMENT) {
            return -1;
        }
        return Bytes.u8(f, IP6 + Ipv6View.HOP_LIMIT_OFFSET) == 255 ? type : -1;
    }

    /** Offset of the MAC in the first link-layer option of the given type, or -1. */
    static int ndLinkLayerOption(byte[] f, int len, int optionType) {
        int end = Math.min(len, IP6 + Ipv6View.HEADER_LENGTH + Bytes.u16(f, IP6 + Ipv6View.PAYLOAD_LENGTH_OFFSET));
        int p = ND_OPTIONS;
        while (p + 8 <= end) {
            int olen = Bytes.u8(f, p + 1) * 8;
            if (olen == 0) {
                return -1;
            }
            if (Bytes.u8(f, p) == optionType && p + olen <= end) {
                return p + 2;
            }
            p += olen;
        }
        return -1;
    }

    /**
     * ARP frame: {@code oper} from {@code sha/spa} to {@code tha/tpa}, Ethernet to {@code ethDst}
     * (broadcast when null).
     */
    static int writeArp(byte[] out, int oper, byte[] ethDst, byte[] sha, byte[] spa, int spaOff,
                        byte[] tha, int thaOff, byte[] tpa, int tpaOff) {
        Arrays.fill(out, 0, MIN_FRAME, (byte) 0);
        System.arraycopy(ethDst == null ? BROADCAST : ethDst, 0, out, EthernetView.DST_OFFSET, 6);
        System.arraycopy(sha, 0, out, EthernetView.SRC_OFFSET, 6);
        Bytes.put16(out, EthernetView.TYPE_OFFSET, IpProtocol.ETHERTYPE_ARP);
        Bytes.put16(out, ARP_HTYPE, 1);
        Bytes.put16(out, ARP_PTYPE, IpProtocol.ETHERTYPE_IPV4);
        out[ARP_HLEN] = 6;
        out[ARP_PLEN] = 4;
        Bytes.put16(out, ARP_OPER, oper);
        System.arraycopy(sha, 0, out, ARP_SHA, 6);
        System.arraycopy(spa, spaOff, out, ARP_SPA, 4);
        if (tha != null) {
            System.arraycopy(tha, thaOff, out, ARP_THA, 6);
        }
        System.arraycopy(tpa, tpaOff, out, ARP_TPA, 4);
        return MIN_FRAME;
    }

    /** Neighbour advertisement for {@code target} with our MAC; solicited when {@code dst} is unicast. */
    static int writeAdvertisement(byte[] out, byte[] ethDst, byte[] mac, byte[] target, int targetOff,
                                  byte[] dst, int dstOff, boolean solicited) {
        writeNd(out, IcmpView.V6_NEIGHBOR_ADVERTISEMENT, ethDst, mac, target, targetOff,
                dst == null ? ALL_NODES : dst, dst == null ? 0 : dstOff, target, targetOff, OPT_TARGET_LLA);
        out[ICMP6 + 4] = (byte) (NA_FLAG_OVERRIDE | (solicited ? NA_FLAG_SOLICITED : 0));
        finishIcmp6(out);
        return ND_FRAME_LENGTH;
    }

    /** Neighbour solicitation for {@code target} from {@code src}, to its solicited-node group. */
    static int writeSolicitation(byte[] out, byte[] mac, byte[] src, int srcOff, byte[] target, int targetOff) {
        byte[] group = Bytes.fromHex("ff0200000000000000000001ff000000");
        System.arraycopy(target, targetOff + 13, group, 13, 3);
        byte[] ethDst = {0x33, 0x33, group[12], group[13], group[14], group[15]};
        writeNd(out, IcmpView.V6_NEIGHBOR_SOLICITATION, ethDst, mac, src, srcOff, group, 0, target, targetOff, OPT_SOURCE_LLA);
        finishIcmp6(out);
        return ND_FRAME_LENGTH;
    }

    private static void writeNd(byte[] out, int type, byte[] ethDst, byte[] mac, byte[] src, int srcOff,
                                byte[] dst, int dstOff, byte[] target, int targetOff, int option) {
        Arrays.fill(out, 0, ND_FRAME_LENGTH, (byte) 0);
        System.arraycopy(ethDst, 0, out, EthernetView.DST_OFFSET, 6);
        System.arraycopy(mac, 0, out, EthernetView.SRC_OFFSET, 6);
        Bytes.put16(out, EthernetView.TYPE_OFFSET, IpProtocol.ETHERTYPE_IPV6);
        out[IP6] = 0x60;
        Bytes.put16(out, IP6 + Ipv6View.PAYLOAD_LENGTH_OFFSET, ND_FRAME_LENGTH - ICMP6);
        out[IP6 + Ipv6View.NEXT_HEADER_OFFSET] = (byte) IpProtocol.ICMPV6;
        out[IP6 + Ipv6View.HOP_LIMIT_OFFSET] = (byte) 255;
        System.arraycopy(src, srcOff, out, IP6 + Ipv6View.SRC_OFFSET, 16);
        System.arraycopy(dst, dstOff, out, IP6 + Ipv6View.DST_OFFSET, 16);
        out[ICMP6] = (byte) type;
        System.arraycopy(target, targetOff, out, ND_TARGET, 16);
        out[ND_OPTIONS] = (byte) option;
        out[ND_OPTIONS + 1] = 1;
        System.arraycopy(mac, 0, out, ND_OPTIONS + 2, 6);
    }

    private static void finishIcmp6(byte[] out) {
        int l4len = ND_FRAME_LENGTH - ICMP6;
        Bytes.put16(out, ICMP6 + IcmpView.CHECKSUM_OFFSET, 0);
        int sum = Checksum.pseudoHeader(out, IP6 + Ipv6View.SRC_OFFSET, IP6 + Ipv6View.DST_OFFSET, 16, IpProtocol.ICMPV6, l4len);
        sum = Checksum.add(sum, out, ICMP6, l4len);
        Bytes.put16(out, ICMP6 + IcmpView.CHECKSUM_OFFSET, Checksum.finish(sum));
    }
}
