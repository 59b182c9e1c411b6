package io.portredirect.tools.dist;

import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.IpProtocol;
import io.portredirect.protocol.packet.Ipv4View;
import io.portredirect.protocol.packet.PacketParser;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.packet.TransportChecksum;
import io.portredirect.protocol.wire.RedirectExtension;
import io.portredirect.protocol.wire.RedirectWire;
import io.portredirect.protocol.wire.UdpOptionArea;
import org.pcap4j.core.PcapDumper;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.Pcaps;
import org.pcap4j.packet.namednumber.DataLinkType;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Edge cases for the Wireshark dissector that the shared testdata pcaps do not cover: every
 * malformed reason, option placement (after EOL, duplicates, other ExIDs, unknown flag bits),
 * UDP surplus areas (odd length pad, zero OCS, NOP/EOL, extended length), fragments, VLAN tags,
 * IPv4 options, IPv6 extension headers, ICMP quotes, Ethernet padding and truncated captures.
 * Built with {@link CraftedPacket} and patched in place, checksums recomputed after each patch.
 */
final class DissectorCorpus {
    private static final byte[] CLIENT_MAC = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
    private static final byte[] GATEWAY_MAC = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0a};
    private static final InetAddress CLIENT4 = ip("198.18.0.1");
    private static final InetAddress VIP4 = ip("198.18.0.10");
    private static final InetAddress CLIENT6 = ip("2001:2::1");
    private static final InetAddress VIP6 = ip("2001:2::10");
    private static final int SYN = TcpView.SYN;
    private static final int RST = TcpView.RST;
    private static final int PSH_ACK = TcpView.PSH | TcpView.ACK;
    private static final int SYN_ACK = TcpView.SYN | TcpView.ACK;

    private DissectorCorpus() {
    }

    private static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    private static CraftedPacket.Builder tcp4(int flags) {
        return CraftedPacket.builder().ethernet(CLIENT_MAC, GATEWAY_MAC).src(CLIENT4, 40001).dst(VIP4, 80).tcp(flags).seq(1000);
    }

    private static CraftedPacket.Builder tcp6(int flags) {
        return CraftedPacket.builder().ethernet(CLIENT_MAC, GATEWAY_MAC).src(CLIENT6, 40002).dst(VIP6, 80).tcp(flags).seq(2000);
    }

    private static CraftedPacket.Builder udp4(int payloadLength) {
        return CraftedPacket.builder().ethernet(CLIENT_MAC, GATEWAY_MAC).src(CLIENT4, 50001).dst(VIP4, 53).udp()
                .payload(payload(payloadLength));
    }

    private static CraftedPacket.Builder udp6(int payloadLength) {
        return CraftedPacket.builder().ethernet(CLIENT_MAC, GATEWAY_MAC).src(CLIENT6, 50002).dst(VIP6, 53).udp()
                .payload(payload(payloadLength));
    }

    private static byte[] payload(int n) {
        byte[] p = new byte[n];
        for (int i = 0; i < n; i++) {
            p[i] = (byte) ('a' + i % 26);
        }
        return p;
    }

    /** Ethernet frames, by name. */
    static Map<String, byte[]> ethernetFrames() {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("tcp4-syn-redirect-all-options", tcp4(SYN).mss(1460).sackPermitted(true).timestamps(7, 0).windowScale(7)
                .redirect(RedirectExtension.redirect()).build().encode());
        m.put("tcp4-synack-confirm", tcp4(SYN_ACK).mss(1460).redirect(RedirectExtension.confirm(20001)).build().encode());
        m.put("tcp6-rst-redirect", tcp6(RST).redirect(RedirectExtension.redirect()).build().encode());
        m.put("tcp6-mid-redirect-to", tcp6(PSH_ACK).redirect(RedirectExtension.redirectTo(20002))
                .payload("hello".getBytes(StandardCharsets.US_ASCII)).build().encode());
        m.put("tcp4-plain", tcp4(SYN).mss(1460).build().encode());
        m.put("udp4-even-redirect", udp4(4).redirect(RedirectExtension.redirect()).build().encode());
        m.put("udp4-odd-confirm", udp4(5).redirect(RedirectExtension.confirm(7001)).build().encode());
        m.put("udp6-odd-both-flags", udp6(3).redirect(RedirectExtension.of(RedirectWire.FLAG_REDIRECT | RedirectWire.FLAG_CONFIRM, 7002))
                .build().encode());
        m.put("udp4-plain", udp4(4).build().encode());

        m.put("tcp4-other-exid", patchOption(tcp4(SYN).redirect(RedirectExtension.redirect()).build(), 2, 0xF9, 0x89));
        m.put("tcp4-unknown-flag-bits", patchOption(tcp4(SYN).redirect(RedirectExtension.redirect()).build(), 4, 0x85));
        m.put("tcp4-length6", patchOption(tcp4(SYN_ACK).redirect(RedirectExtension.confirm(20001)).build(), 1, 6));
        m.put("tcp4-port-zero", patchOption(tcp4(SYN_ACK).redirect(RedirectExtension.confirm(20001)).build(), 5, 0, 0));
        m.put("tcp4-own-kind-length3", patchOption(tcp4(SYN).redirect(RedirectExtension.redirect()).build(), 1, 3));
        // MSS (4) + SACK-permitted (NOP NOP 4 2) come first: overwrite those 8 bytes with a second option
        m.put("tcp4-duplicate", patchTcpOptions(tcp4(SYN_ACK).mss(1460).sackPermitted(true).redirect(RedirectExtension.confirm(20001)).build(),
                0, 1, 253, 7, 0x52, 0x44, 0x02, 0x4E, 0x22));
        m.put("tcp4-bad-mss-before-option", patchTcpOptions(tcp4(SYN).mss(1460).redirect(RedirectExtension.redirect()).build(), 1, 5));
        m.put("tcp4-bad-mss-no-option", patchTcpOptions(tcp4(SYN).mss(1460).windowScale(2).build(), 1, 5));
        m.put("tcp4-option-after-eol", patchTcpOptions(tcp4(SYN).mss(1460).redirect(RedirectExtension.redirect()).build(), 0, 0, 0, 0, 0));
        // window scale comes last as NOP WS(3): end the area with NOP NOP NOP and a lone kind byte
        m.put("tcp4-truncated-option", patchTcpOptions(tcp4(SYN).mss(1460).windowScale(2).build(), 4, 1, 1, 1, 253));
        m.put("tcp4-sack-bad-length", patchTcpOptions(tcp4(SYN).mss(1460).redirect(RedirectExtension.redirect()).build(), 0, 5, 4, 0, 0));

        byte[] udp = udp4(4).redirect(RedirectExtension.redirect()).build().encode();
        udp[udp.length - RedirectWire.LENGTH_FLAGS_ONLY - 1] ^= 0x01; // low byte of the OCS, before the 5-byte option
        m.put("udp4-bad-ocs", udp);
        m.put("udp4-surplus-one-byte", withSurplus(udp4(4).build().encode(), new byte[] {0x01}, false));
        m.put("udp4-odd-pad-only", withSurplus(udp4(5).build().encode(), new byte[] {0x00}, false));
        m.put("udp4-zero-ocs", withSurplus(udp4(4).build().encode(), new byte[] {0, 0, 127, 7, 0x52, 0x44, 0x02, 0x1F, (byte) 0x91}, false));
        m.put("udp4-nop-eol-junk", withSurplus(udp4(6).build().encode(),
                new byte[] {0, 0, 1, 1, 127, 5, 0x52, 0x44, 0x01, 0, (byte) 0xEE, (byte) 0xFF}, true));
        m.put("udp4-duplicate", withSurplus(udp4(4).build().encode(),
                new byte[] {0, 0, 127, 5, 0x52, 0x44, 0x01, 127, 7, 0x52, 0x44, 0x02, 0x1F, (byte) 0x92}, true));
        m.put("udp4-extended-length", withSurplus(udp4(4).build().encode(),
                new byte[] {0, 0, 127, (byte) 255, 0, 9, 0x52, 0x44, 0x01, 0x1F, (byte) 0x93}, true));
        m.put("udp4-option-past-end", withSurplus(udp4(4).build().encode(), new byte[] {0, 0, 127, 9, 0x52, 0x44, 0x01}, true));
        m.put("udp4-other-exid", withSurplus(udp4(4).build().encode(), new byte[] {0, 0, 127, 5, 0x12, 0x34, 0x01}, true));
        m.put("udp6-bad-length-option", withSurplus(udp6(2).build().encode(), new byte[] {0, 0, 127, 6, 0x52, 0x44, 0x01, 0}, true));

        m.put("udp4-first-fragment", fragment4(udp4(4).redirect(RedirectExtension.redirect()).build().encode(), true, 0));
        m.put("tcp4-first-fragment", fragment4(tcp4(SYN).redirect(RedirectExtension.redirect()).build().encode(), true, 0));
        m.put("tcp4-non-first-fragment", fragment4(tcp4(SYN).redirect(RedirectExtension.redirect()).build().encode(), false, 3));
        m.put("tcp6-fragment-first", ipv6Extension(tcp6(SYN).redirect(RedirectExtension.redirect()).build().encode(), 44,
                new byte[] {0, 0, 0, 1, 0, 0, 0x12, 0x34}));
        m.put("udp6-fragment-first", ipv6Extension(udp6(4).redirect(RedirectExtension.confirm(7003)).build().encode(), 44,
                new byte[] {0, 0, 0, 1, 0, 0, 0x12, 0x35}));
        m.put("tcp6-hop-by-hop", ipv6Extension(tcp6(SYN_ACK).redirect(RedirectExtension.confirm(20003)).build().encode(), 0,
                new byte[] {0, 0, 1, 4, 0, 0, 0, 0}));
        m.put("vlan-tcp4-redirect", vlan(tcp4(SYN).redirect(RedirectExtension.redirect()).build().encode(), IpProtocol.ETHERTYPE_VLAN));
        m.put("qinq-udp4-confirm", vlan(vlan(udp4(4).redirect(RedirectExtension.confirm(7004)).build().encode(), IpProtocol.ETHERTYPE_VLAN), IpProtocol.ETHERTYPE_QINQ));
        m.put("tcp4-ip-options", ipv4Options(tcp4(SYN).redirect(RedirectExtension.redirect()).build().encode()));
        m.put("icmp4-quoting-redirect-syn", CraftedPacket.builder().ethernet(GATEWAY_MAC, CLIENT_MAC).src(ip("198.18.0.20"), 0)
                .dst(CLIENT4, 0).icmp(3, 3, 0).payload(CraftedPacket.builder().src(CLIENT4, 40001).dst(VIP4, 80).tcp(SYN)
                        .redirect(RedirectExtension.redirect()).build().encode()).build().encode());
        byte[] small = tcp4(RST).redirect(RedirectExtension.redirect()).build().encode();
        m.put("tcp4-ethernet-padding", Arrays.copyOf(small, Math.max(small.length, 60) + 4));
        byte[] whole = tcp4(PSH_ACK).redirect(RedirectExtension.redirectTo(20004)).payload(payload(20)).build().encode();
        m.put("tcp4-truncated-capture", Arrays.copyOf(whole, whole.length - 4));
        return m;
    }

    /** Frames starting at the IP header (LINKTYPE_RAW), by name. */
    static Map<String, byte[]> rawIpFrames() {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("raw-tcp4-syn-redirect", CraftedPacket.builder().src(CLIENT4, 40003).dst(VIP4, 443).tcp(SYN)
                .redirect(RedirectExtension.redirect()).build().encode());
        m.put("raw-udp6-confirm", CraftedPacket.builder().src(VIP6, 7001).dst(CLIENT6, 50003).udp().payload(payload(7))
                .redirect(RedirectExtension.confirm(7001)).build().encode());
        m.put("raw-tcp4-port-zero", Arrays.copyOfRange(patchOption(tcp4(SYN_ACK).redirect(RedirectExtension.confirm(20001)).build(), 5, 0, 0),
                14, 14 + 20 + 20 + 8));
        return m;
    }

    /** Writes frames to a classic pcap file through libpcap's dumper. */
    static void writePcap(Path file, DataLinkType link, List<byte[]> frames) throws Exception {
        PcapHandle dead = Pcaps.openDead(link, 65536);
        try {
            PcapDumper dumper = dead.dumpOpen(file.toString());
            try {
                long t = 1_700_000_000_000L;
                for (byte[] f : frames) {
                    dumper.dumpRaw(f, new Timestamp(t));
                    t += 1000;
                }
            } finally {
                dumper.close();
            }
        } finally {
            dead.close();
        }
    }

    static List<byte[]> values(Map<String, byte[]> m) {
        return new ArrayList<>(m.values());
    }

    // --- patching: change bytes, then make every checksum right again ---------------------------

    private static ParsedPacket parse(byte[] b) {
        ParsedPacket p = PacketParser.parseFrame(b, 0, b.length, new ParsedPacket());
        if (!p.ok()) {
            throw new IllegalStateException("corpus frame does not parse: " + p.error());
        }
        return p;
    }

    /** Overwrites bytes of the redirect option, starting {@code at} bytes into it. */
    private static byte[] patchOption(CraftedPacket packet, int at, int... values) {
        byte[] b = packet.encode();
        ParsedPacket p = parse(b);
        int off = p.redirect().optionOffset();
        if (off < 0) {
            throw new IllegalStateException("no redirect option to patch");
        }
        for (int i = 0; i < values.length; i++) {
            b[off + at + i] = (byte) values[i];
        }
        TransportChecksum.compute(parse(b));
        return b;
    }

    /** Overwrites bytes of the TCP option area, starting {@code at} bytes into it. */
    private static byte[] patchTcpOptions(CraftedPacket packet, int at, int... values) {
        byte[] b = packet.encode();
        ParsedPacket p = parse(b);
        int off = p.l4Offset() + TcpView.MIN_HEADER_LENGTH + at;
        for (int i = 0; i < values.length; i++) {
            b[off + i] = (byte) values[i];
        }
        TransportChecksum.compute(parse(b));
        return b;
    }

    /** Appends a surplus area to a UDP packet without one; optionally fills in its OCS. */
    private static byte[] withSurplus(byte[] frame, byte[] surplus, boolean computeOcs) {
        ParsedPacket p = parse(frame);
        int l3 = p.l3Offset();
        int l4 = p.l4Offset();
        int ulen = p.udpLength();
        byte[] b = Arrays.copyOf(frame, frame.length + surplus.length);
        System.arraycopy(surplus, 0, b, frame.length, surplus.length);
        if (p.ipVersion() == 4) {
            Bytes.put16(b, l3 + Ipv4View.TOTAL_LENGTH_OFFSET, Bytes.u16(b, l3 + Ipv4View.TOTAL_LENGTH_OFFSET) + surplus.length);
            new Ipv4View().wrap(b, l3).computeChecksum();
        } else {
            Bytes.put16(b, l3 + 4, Bytes.u16(b, l3 + 4) + surplus.length);
        }
        if (computeOcs) {
            int ocs = UdpOptionArea.ocsOffset(l4, ulen);
            Bytes.put16(b, ocs, UdpOptionArea.computeOcs(b, ocs, b.length));
        }
        TransportChecksum.compute(parse(b));
        return b;
    }

    /** Marks an IPv4 packet as a fragment (MF, offset in 8-byte units), DF cleared. */
    private static byte[] fragment4(byte[] frame, boolean moreFragments, int offset8) {
        byte[] b = frame.clone();
        int l3 = 14;
        Bytes.put16(b, l3 + Ipv4View.FLAGS_FRAGMENT_OFFSET, (moreFragments ? Ipv4View.FLAG_MORE_FRAGMENTS : 0) | offset8);
        new Ipv4View().wrap(b, l3).computeChecksum();
        return b;
    }

    /** Inserts one IPv6 extension header (8 bytes, its next-header byte filled in) after the fixed header. */
    private static byte[] ipv6Extension(byte[] frame, int type, byte[] header8) {
        int l3 = 14;
        byte[] ext = header8.clone();
        ext[0] = frame[l3 + 6];
        byte[] b = new byte[frame.length + ext.length];
        System.arraycopy(frame, 0, b, 0, l3 + 40);
        System.arraycopy(ext, 0, b, l3 + 40, ext.length);
        System.arraycopy(frame, l3 + 40, b, l3 + 40 + ext.length, frame.length - l3 - 40);
        b[l3 + 6] = (byte) type;
        Bytes.put16(b, l3 + 4, Bytes.u16(b, l3 + 4) + ext.length);
        return b; // the transport checksum covers the upper layer only: still right
    }

    /** Inserts an 802.1Q (or 802.1ad) tag after the MAC addresses. */
    private static byte[] vlan(byte[] frame, int tpid) {
        byte[] b = new byte[frame.length + 4];
        System.arraycopy(frame, 0, b, 0, 12);
        Bytes.put16(b, 12, tpid);
        Bytes.put16(b, 14, 42);
        System.arraycopy(frame, 12, b, 16, frame.length - 12);
        return b;
    }

    /** Adds 4 bytes of IPv4 options (NOP NOP NOP EOL): the transport starts 4 bytes later. */
    private static byte[] ipv4Options(byte[] frame) {
        int l3 = 14;
        byte[] b = new byte[frame.length + 4];
        System.arraycopy(frame, 0, b, 0, l3 + 20);
        b[l3 + 20] = 1;
        b[l3 + 21] = 1;
        b[l3 + 22] = 1;
        b[l3 + 23] = 0;
        System.arraycopy(frame, l3 + 20, b, l3 + 24, frame.length - l3 - 20);
        b[l3] = 0x46;
        Bytes.put16(b, l3 + Ipv4View.TOTAL_LENGTH_OFFSET, Bytes.u16(b, l3 + Ipv4View.TOTAL_LENGTH_OFFSET) + 4);
        new Ipv4View().wrap(b, l3).computeChecksum();
        TransportChecksum.compute(parse(b));
        return b;
    }
}
