package io.portredirect.balancer.testing;

import io.portredirect.balancer.config.BalancerConfig;
import io.portredirect.balancer.config.ConfigLoader;
import io.portredirect.balancer.table.ForwardingTables;
import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.EthernetView;
import io.portredirect.protocol.packet.IpProtocol;
import io.portredirect.protocol.packet.Ipv4View;
import io.portredirect.protocol.packet.Ipv6View;
import io.portredirect.protocol.packet.PacketParser;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.wire.RedirectExtension;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/** Shared test configuration and packet builders (addresses from the benchmarking ranges). */
public final class Fixtures {
    private Fixtures() {
    }

    public static final byte[] CLIENT_MAC = Bytes.fromHex("02:00:00:00:c1:01");
    public static final byte[] NET_MAC = Bytes.fromHex("02:00:00:00:00:01");
    public static final byte[] NEXT_HOP_MAC = Bytes.fromHex("02:00:00:00:00:fe");
    public static final byte[] A_MAC = Bytes.fromHex("02:00:00:00:0a:01");
    public static final byte[] A_SIDE_MAC = Bytes.fromHex("02:00:00:00:0a:00");
    public static final byte[] B_MAC = Bytes.fromHex("02:00:00:00:0b:01");
    public static final byte[] B_SIDE_MAC = Bytes.fromHex("02:00:00:00:0b:00");

    public static final InetAddress VIP4 = ip("198.18.0.10");
    public static final InetAddress VIP4_OTHER = ip("198.18.0.11");
    public static final InetAddress VIP6 = ip("2001:2::10");
    public static final InetAddress CLIENT4 = ip("198.19.1.7");
    public static final InetAddress CLIENT6 = ip("2001:2:0:9::7");
    public static final InetAddress B4 = ip("198.18.2.2");
    public static final InetAddress B6 = ip("2001:2:0:2::2");
    public static final InetAddress E4 = ip("198.18.5.5");

    /**
     * The verdict-table configuration: a (l2), b (l3, both families, answers for 198.18.0.10),
     * c (raw), d (l2, default), e (l3, IPv4 only); redirect ports 8080 (both, owner a), 9090/tcp
     * (no owner), 5000/udp.
     */
    public static final String VERDICT_YAML = """
            vips: [198.18.0.10, 198.18.0.11, 2001:2::10]
            network: {interface: net0, mac: auto, next-hop: 198.18.0.1, next-hop-mac: 02:00:00:00:00:fe}
            servers:
              - {name: a, interface: sa, mac: "02:00:00:00:0a:01", interface-mac: "02:00:00:00:0a:00", mode: l2, weight: 1,
                 service-ports: ["10001", "10002-10004/tcp"]}
              - {name: b, interface: sb, mac: "02:00:00:00:0b:01", interface-mac: "02:00:00:00:0b:00", mode: l3, weight: 2,
                 ip: [198.18.2.2, "2001:2:0:2::2"], vip: 198.18.0.10, service-ports: ["10011/udp", "10012"]}
              - {name: c, interface: sc, mode: raw, weight: 1, service-ports: ["10021"]}
              - {name: d, interface: sd, mac: "02:00:00:00:0d:01", mode: l2, weight: 1, service-ports: ["10031"]}
              - {name: e, interface: se, mac: "02:00:00:00:0e:01", mode: l3, ip: 198.18.5.5, vip: 198.18.0.10, service-ports: ["10041"]}
            redirect-ports:
              - {port: 8080, group: [a, b, c], owner: a}
              - {port: 9090, protocols: [tcp], group: [a, b]}
              - {port: 5000, protocols: [udp], group: [b, c]}
            default-server: d
            policies: {icmp-error: drop, icmp-echo: balance, fragments: drop}
            table: {size: 65537}
            """;

    /** The second IPv4 VIP of {@link #PER_VIP_YAML}. */
    public static final InetAddress VIP4_API = ip("198.18.0.20");
    /** The l3 server y of {@link #PER_VIP_YAML}. */
    public static final InetAddress Y4 = ip("198.18.6.6");
    public static final InetAddress Y6 = ip("2001:2:0:6::6");

    /**
     * Per-VIP ports: 198.18.0.10 and 2001:2::10 lead port 10001 and redirect port 8080 to a, and
     * 198.18.0.20 leads the same ports to x; 10031 (d, the default) is on every VIP; y (l3, both
     * families) has 10005 on 198.18.0.20 only.
     */
    public static final String PER_VIP_YAML = """
            vips: [198.18.0.10, 198.18.0.20, 2001:2::10]
            network: {interface: net0, mac: auto, next-hop: 198.18.0.1, next-hop-mac: 02:00:00:00:00:fe}
            servers:
              - {name: a, interface: sa, mac: "02:00:00:00:0a:01", interface-mac: "02:00:00:00:0a:00", mode: l2,
                 service-ports: ["10001"], service-vips: [198.18.0.10, "2001:2::10"]}
              - {name: x, interface: sx, mac: "02:00:00:00:0f:01", interface-mac: "02:00:00:00:0f:00", mode: l2,
                 service-ports: ["10001", "10002/udp"], service-vips: [198.18.0.20]}
              - {name: d, interface: sd, mac: "02:00:00:00:0d:01", mode: l2, service-ports: ["10031"]}
              - {name: y, interface: sy, mac: "02:00:00:00:0e:02", mode: l3, ip: [198.18.6.6, "2001:2:0:6::6"], vip: 198.18.0.20,
                 service-ports: ["10005"], service-vips: [198.18.0.20]}
            redirect-ports:
              - {port: 8080, group: [a], owner: a, vips: [198.18.0.10, "2001:2::10"]}
              - {port: 8080, group: [x], owner: x, vips: [198.18.0.20]}
              - {port: 10002, protocols: [tcp], group: [a, d], vips: [198.18.0.10]}
            default-server: d
            policies: {icmp-error: drop, icmp-echo: drop, fragments: drop}
            table: {size: 65537}
            """;

    /** The same servers without a default server and with the other policy choices. */
    public static final String VERDICT_NO_DEFAULT_YAML = VERDICT_YAML
            .replace("default-server: d\n", "")
            .replace("policies: {icmp-error: drop, icmp-echo: balance, fragments: drop}", "policies: {icmp-error: drop, icmp-echo: drop, fragments: drop}");

    /** Policies that send everything unplaceable to the default server. */
    public static final String VERDICT_DEFAULT_POLICIES_YAML = VERDICT_YAML
            .replace("policies: {icmp-error: drop, icmp-echo: balance, fragments: drop}",
                    "policies: {icmp-error: default, icmp-echo: \"server:c\", fragments: default, icmp-redirect-quench: route}");

    public static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public static BalancerConfig config(String yaml) {
        try {
            return ConfigLoader.parse(yaml, "test.yaml");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static ForwardingTables tables(String yaml) {
        try {
            return ForwardingTables.build(config(yaml), iface -> NET_MAC.clone());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A builder for a frame from the client (network side) to {@code dst:port}. */
    public static CraftedPacket.Builder fromClient(InetAddress client, int clientPort, InetAddress dst, int port) {
        return CraftedPacket.builder().ethernet(CLIENT_MAC, NET_MAC).src(client, clientPort).dst(dst, port);
    }

    public static byte[] tcp(InetAddress client, int clientPort, InetAddress dst, int port, int flags, RedirectExtension ext) {
        return fromClient(client, clientPort, dst, port).tcp(flags).seq(1000).mss(1460).redirect(ext).build().encode();
    }

    public static byte[] udp(InetAddress client, int clientPort, InetAddress dst, int port, RedirectExtension ext) {
        return fromClient(client, clientPort, dst, port).udp().payload(new byte[] {1, 2, 3, 4, 5}).redirect(ext).build().encode();
    }

    public static byte[] syn(InetAddress client, int clientPort, InetAddress dst, int port) {
        return tcp(client, clientPort, dst, port, TcpView.SYN, RedirectExtension.redirect());
    }

    /**
     * The packet our server sent (VIP:serverPort -> client:clientPort), without Ethernet, as an ICMP
     * error would quote it; {@code quoteLength} cuts it (-1 keeps all).
     */
    public static byte[] serverPacket(InetAddress vip, int serverPort, InetAddress client, int clientPort, boolean tcp, int quoteLength) {
        CraftedPacket.Builder b = CraftedPacket.builder().src(vip, serverPort).dst(client, clientPort);
        byte[] p = (tcp ? b.tcp(TcpView.SYN | TcpView.ACK).seq(5000).ack(1001).mss(1460).redirect(RedirectExtension.confirm(10002))
                : b.udp().payload(new byte[] {9, 9, 9})).build().encode();
        return quoteLength < 0 ? p : Arrays.copyOf(p, quoteLength);
    }

    /** An ICMP error from a router to the VIP quoting {@code quote}. */
    public static byte[] icmpError(InetAddress router, InetAddress vip, int type, int code, byte[] quote) {
        return CraftedPacket.builder().ethernet(CLIENT_MAC, NET_MAC).src(router, 0).dst(vip, 0).icmp(type, code, 0)
                .payload(quote).build().encode();
    }

    public static ParsedPacket parse(byte[] frame) {
        return PacketParser.parseFrame(frame, 0, frame.length, new ParsedPacket());
    }

    /** Marks an IPv4 frame as a non-first fragment (offset 1480 bytes) and fixes the header checksum. */
    public static byte[] ipv4NonFirstFragment(byte[] frame) {
        byte[] f = frame.clone();
        int l3 = EthernetView.HEADER_LENGTH;
        Bytes.put16(f, l3 + Ipv4View.FLAGS_FRAGMENT_OFFSET, 1480 / 8);
        new Ipv4View().wrap(f, l3).computeChecksum();
        return f;
    }

    /** Marks an IPv4 frame as a first fragment (MF set, offset 0). */
    public static byte[] ipv4FirstFragment(byte[] frame) {
        byte[] f = frame.clone();
        int l3 = EthernetView.HEADER_LENGTH;
        Bytes.put16(f, l3 + Ipv4View.FLAGS_FRAGMENT_OFFSET, Ipv4View.FLAG_MORE_FRAGMENTS);
        new Ipv4View().wrap(f, l3).computeChecksum();
        return f;
    }

    /** Inserts an IPv6 fragment header (offset {@code offsetBytes}, M flag) after the fixed header. */
    public static byte[] ipv6Fragment(byte[] frame, int offsetBytes, boolean more) {
        int l3 = EthernetView.HEADER_LENGTH;
        int fixed = l3 + Ipv6View.HEADER_LENGTH;
        byte[] f = new byte[frame.length + 8];
        System.arraycopy(frame, 0, f, 0, fixed);
        System.arraycopy(frame, fixed, f, fixed + 8, frame.length - fixed);
        f[fixed] = frame[l3 + Ipv6View.NEXT_HEADER_OFFSET];
        Bytes.put16(f, fixed + 2, (offsetBytes & 0xFFF8) | (more ? 1 : 0));
        Bytes.put32(f, fixed + 4, 0x12345678L);
        f[l3 + Ipv6View.NEXT_HEADER_OFFSET] = (byte) IpProtocol.IPV6_FRAGMENT;
        Bytes.put16(f, l3 + Ipv6View.PAYLOAD_LENGTH_OFFSET, Bytes.u16(frame, l3 + Ipv6View.PAYLOAD_LENGTH_OFFSET) + 8);
        return f;
    }

    /** An ARP request frame (not IP). */
    public static byte[] arp() {
        byte[] f = new byte[42];
        Arrays.fill(f, 0, 6, (byte) 0xFF);
        System.arraycopy(CLIENT_MAC, 0, f, 6, 6);
        Bytes.put16(f, 12, IpProtocol.ETHERTYPE_ARP);
        return f;
    }

    /** A raw IPv4 frame with an arbitrary protocol number (e.g. 47 GRE) and 8 bytes of payload. */
    public static byte[] ipv4Protocol(InetAddress src, InetAddress dst, int protocol) {
        byte[] f = CraftedPacket.builder().ethernet(CLIENT_MAC, NET_MAC).src(src, 0).dst(dst, 0).icmp(8, 0, 0).build().encode();
        f[EthernetView.HEADER_LENGTH + Ipv4View.PROTOCOL_OFFSET] = (byte) protocol;
        new Ipv4View().wrap(f, EthernetView.HEADER_LENGTH).computeChecksum();
        return f;
    }

    /** The frame with a VLAN tag (TPID, VLAN id) pushed after the MACs. */
    public static byte[] tagged(byte[] frame, int tpid, int vid) {
        byte[] f = new byte[frame.length + 4];
        System.arraycopy(frame, 0, f, 0, 12);
        Bytes.put16(f, 12, tpid);
        Bytes.put16(f, 14, vid);
        System.arraycopy(frame, 12, f, 16, frame.length - 12);
        return f;
    }
}
