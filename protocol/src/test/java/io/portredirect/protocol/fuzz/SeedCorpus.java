package io.portredirect.protocol.fuzz;

import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.EthernetView;
import io.portredirect.protocol.packet.IcmpView;
import io.portredirect.protocol.packet.IpProtocol;
import io.portredirect.protocol.packet.Ipv4View;
import io.portredirect.protocol.packet.PacketParser;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.wire.RedirectExtension;
import io.portredirect.protocol.wire.UdpOptionArea;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Writes the seed inputs of every fuzz target into {@code testdata/fuzz/<target>/seed-*}: the
 * packets of {@code testdata/hex} cut to what each target takes, plus a few crafted packets that
 * reach the balancer's rules for {@code testdata/balancer/sample.yaml}. Files not named
 * {@code seed-*} (crash reproducers, hand-made inputs) are kept. Run from the repository root:
 *
 * <pre>
 * mvn -q -o -pl protocol -am test-compile
 * java -cp protocol/target/test-classes:protocol/target/classes io.portredirect.protocol.fuzz.SeedCorpus testdata
 * </pre>
 */
public final class SeedCorpus {
    private final Path fuzzDir;
    private int written;

    private SeedCorpus(Path fuzzDir) {
        this.fuzzDir = fuzzDir;
    }

    public static void main(String[] args) throws IOException {
        Path testdata = Path.of(args.length > 0 ? args[0] : "testdata");
        SeedCorpus c = new SeedCorpus(testdata.resolve("fuzz"));
        c.clearSeeds();
        List<Vector> vectors = readHex(testdata.resolve("hex"));
        c.fromVectors(vectors);
        c.balancerSeeds();
        System.out.println("wrote " + c.written + " seed files under " + c.fuzzDir);
    }

    /** One packet of a hex vector file. */
    record Vector(String name, byte[] bytes, boolean ethernet) {
    }

    static List<Vector> readHex(Path hexDir) throws IOException {
        List<Vector> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(hexDir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".hex")).sorted().toList()) {
                String base = f.getFileName().toString().replace(".hex", "");
                int i = 0;
                for (String line : Files.readAllLines(f)) {
                    String t = line.trim();
                    if (t.isEmpty() || t.startsWith("#")) {
                        continue;
                    }
                    out.add(new Vector(base + "-" + (++i), Bytes.fromHex(t), !base.endsWith("-raw")));
                }
            }
        }
        return out;
    }

    private void clearSeeds() throws IOException {
        if (!Files.isDirectory(fuzzDir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(fuzzDir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("seed-")).toList()) {
                Files.delete(f);
            }
        }
    }

    private void write(String target, String name, byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] all = new byte[n];
        int o = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, o, p.length);
            o += p.length;
        }
        try {
            Path dir = fuzzDir.resolve(target);
            Files.createDirectories(dir);
            Files.write(dir.resolve("seed-" + name), all);
            written++;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] b(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    private void fromVectors(List<Vector> vectors) {
        for (Vector v : vectors) {
            byte[] frame = v.bytes();
            byte[] ip = v.ethernet() ? Arrays.copyOfRange(frame, EthernetView.HEADER_LENGTH, frame.length) : frame;
            if (v.ethernet()) {
                write("parse-frame", v.name(), frame);
                write("balancer-from-network", v.name(), b(0), frame);
            }
            write("parse-ip", v.name(), ip);
            ParsedPacket p = PacketParser.parseIp(ip, 0, ip.length, new ParsedPacket());
            if (p.l4Offset() < 0) {
                continue;
            }
            int l4 = p.l4Offset();
            if (p.isTcp() && p.tcpHeaderLength() > TcpView.MIN_HEADER_LENGTH) {
                write("tcp-options", v.name(), Arrays.copyOfRange(ip, l4 + TcpView.MIN_HEADER_LENGTH, l4 + p.tcpHeaderLength()));
            }
            if (p.isTcp() && p.ok()) {
                // control 0: Ethernet, fix checksums; 1: bare IP; flags REDIRECT, no port / CONFIRM 8081
                if (v.ethernet()) {
                    write("tcp-option-editor", v.name(), b(0, 1, 0, 0), frame);
                    write("tcp-option-editor", v.name() + "-confirm", b(0x80, 2, 0x1f, 0x91), frame);
                }
                write("tcp-option-editor", v.name() + "-ip", b(0x81, 1, 0x1f, 0x92), ip);
            }
            if (p.isUdp() && p.ok()) {
                write("udp-options", v.name(), Arrays.copyOfRange(ip, l4, p.ipEnd()));
            }
            if (p.isIcmpError()) {
                int q = l4 + IcmpView.HEADER_LENGTH;
                int selector = p.ipVersion() == 6 ? 1 : 0;
                write("icmp-quote", v.name(), b(selector), Arrays.copyOfRange(ip, q, p.ipEnd()));
            }
            if ((p.isTcp() || p.isUdp()) && p.ok()) {
                // what an ICMP error would quote: the whole packet and the RFC 792 minimum
                int selector = p.ipVersion() == 6 ? 1 : 0;
                write("icmp-quote", v.name() + "-whole", b(selector), ip);
                write("icmp-quote", v.name() + "-min", b(selector), Arrays.copyOf(ip, l4 + 8));
            }
        }
        // the same frames behind 802.1Q and QinQ tags
        for (Vector v : vectors) {
            if (v.name().equals("tcp4-syn-redirect-1") || v.name().equals("tcp6-syn-redirect-1")) {
                byte[] f = v.bytes();
                byte[] one = tag(f, IpProtocol.ETHERTYPE_VLAN, 100);
                write("parse-frame", v.name() + "-vlan", one);
                write("parse-frame", v.name() + "-qinq", tag(one, IpProtocol.ETHERTYPE_QINQ, 200));
            }
        }
        // IPv6 extension headers, IPv4 options and fragments: paths the hex vectors do not take
        byte[] syn6 = toVip(CLIENT6, 41000, VIP6, 80).tcp(TcpView.SYN).mss(1440).redirect(RedirectExtension.redirect()).build().encode();
        byte[] udp6 = toVip(CLIENT6, 41000, VIP6, 7000).udp().payload("hello".getBytes()).redirect(RedirectExtension.redirect()).build().encode();
        byte[] syn4 = toVip(CLIENT4, 41000, VIP4, 80).tcp(TcpView.SYN).mss(1460).redirect(RedirectExtension.redirect()).build().encode();
        List<byte[]> extra = List.of(
                ipv6Ext(syn6, new int[] {IpProtocol.IPV6_HOP_BY_HOP, IpProtocol.IPV6_DESTINATION, IpProtocol.IPV6_ROUTING}, 0, false),
                ipv6Ext(syn6, new int[] {IpProtocol.IPV6_FRAGMENT}, 0, true),
                ipv6Ext(udp6, new int[] {IpProtocol.IPV6_FRAGMENT}, 1480, false),
                ipv6Ext(udp6, new int[] {IpProtocol.IPV6_AH, IpProtocol.IPV6_MOBILITY}, 0, false),
                ipv4Options(syn4),
                ipv4Fragment(udpFrame(), true),
                ipv4Fragment(udpFrame(), false));
        String[] names = {"ipv6-hbh-dst-routing", "ipv6-first-fragment", "ipv6-non-first-fragment", "ipv6-ah-mobility",
                "ipv4-options", "ipv4-first-fragment", "ipv4-non-first-fragment"};
        for (int i = 0; i < extra.size(); i++) {
            byte[] f = extra.get(i);
            byte[] ip = Arrays.copyOfRange(f, EthernetView.HEADER_LENGTH, f.length);
            write("parse-frame", names[i], f);
            write("parse-ip", names[i], ip);
            write("balancer-from-network", names[i], b(0), f);
            write("icmp-quote", names[i], b(names[i].startsWith("ipv6") ? 1 : 0), ip);
        }

        // a UDP surplus area with the redirect option in RFC 9868's extended-length form
        byte[] ext = b(127, 255, 0, 9, 0x52, 0x44, 0x02, 0x1b, 0x59);
        byte[] dgram = new byte[8 + 5 + 1 + 2 + ext.length];
        Bytes.put16(dgram, 0, 41000);
        Bytes.put16(dgram, 2, 7000);
        Bytes.put16(dgram, 4, 13);
        System.arraycopy("hello".getBytes(), 0, dgram, 8, 5);
        System.arraycopy(ext, 0, dgram, 16, ext.length);
        Bytes.put16(dgram, 14, UdpOptionArea.computeOcs(dgram, 14, dgram.length));
        write("udp-options", "extended-length-confirm", dgram);
        write("tcp-options", "udp-extended-length-confirm", ext);

        // TCP without options, and with a full option area, for the editor
        CraftedPacket.Builder bare = CraftedPacket.builder().ethernet(CLIENT_MAC, VIP_MAC)
                .src(CLIENT4, 41000).dst(VIP4, 80).tcp(TcpView.SYN).seq(1000);
        write("tcp-option-editor", "tcp4-no-options", b(0x80, 1, 0, 0), bare.build().encode());
        write("tcp-option-editor", "tcp4-no-options-payload", b(0x80, 2, 0x1f, 0x91),
                bare.tcp(TcpView.ACK | TcpView.PSH).payload("payload of odd length".getBytes()).build().encode());
        write("tcp-option-editor", "tcp6-no-options", b(0x80, 1, 0, 0), CraftedPacket.builder().ethernet(CLIENT_MAC, VIP_MAC)
                .src(CLIENT6, 41000).dst(VIP6, 80).tcp(TcpView.SYN).seq(1000).build().encode());
    }

    private static byte[] udpFrame() {
        return toVip(CLIENT4, 41000, VIP4, 7000).udp().payload(new byte[32]).build().encode();
    }

    /** Inserts IPv6 extension headers (8 bytes each, AH 12) after the fixed header of an IPv6 frame. */
    private static byte[] ipv6Ext(byte[] frame, int[] types, int fragmentOffset, boolean more) {
        int l3 = EthernetView.HEADER_LENGTH;
        int fixed = l3 + 40;
        int added = 0;
        for (int t : types) {
            added += t == IpProtocol.IPV6_AH ? 12 : 8;
        }
        byte[] out = new byte[frame.length + added];
        System.arraycopy(frame, 0, out, 0, fixed);
        int transport = frame[l3 + 6] & 0xFF;
        out[l3 + 6] = (byte) types[0];
        Bytes.put16(out, l3 + 4, Bytes.u16(frame, l3 + 4) + added);
        int p = fixed;
        for (int i = 0; i < types.length; i++) {
            int next = i + 1 < types.length ? types[i + 1] : transport;
            out[p] = (byte) next;
            if (types[i] == IpProtocol.IPV6_FRAGMENT) {
                Bytes.put16(out, p + 2, fragmentOffset | (more ? 1 : 0));
                Bytes.put32(out, p + 4, 0x12345678L);
                p += 8;
            } else if (types[i] == IpProtocol.IPV6_AH) {
                out[p + 1] = 1; // (12 / 4) - 2
                p += 12;
            } else {
                out[p + 2] = 1; // PadN over the remaining 6 bytes
                out[p + 3] = 4;
                p += 8;
            }
        }
        System.arraycopy(frame, fixed, out, p, frame.length - fixed);
        return out;
    }

    /** An IPv4 frame with 4 bytes of IP options (NOP NOP NOP EOL), header checksum fixed. */
    private static byte[] ipv4Options(byte[] frame) {
        int l3 = EthernetView.HEADER_LENGTH;
        byte[] out = new byte[frame.length + 4];
        System.arraycopy(frame, 0, out, 0, l3 + 20);
        out[l3] = 0x46;
        Bytes.put16(out, l3 + Ipv4View.TOTAL_LENGTH_OFFSET, Bytes.u16(frame, l3 + Ipv4View.TOTAL_LENGTH_OFFSET) + 4);
        out[l3 + 20] = 1;
        out[l3 + 21] = 1;
        out[l3 + 22] = 1;
        out[l3 + 23] = 0;
        System.arraycopy(frame, l3 + 20, out, l3 + 24, frame.length - l3 - 20);
        new Ipv4View().wrap(out, l3).computeChecksum();
        return out;
    }

    /** Marks an IPv4 frame as a first fragment (MF) or a non-first one (offset 1480). */
    private static byte[] ipv4Fragment(byte[] frame, boolean first) {
        int l3 = EthernetView.HEADER_LENGTH;
        Bytes.put16(frame, l3 + Ipv4View.FLAGS_FRAGMENT_OFFSET, first ? Ipv4View.FLAG_MORE_FRAGMENTS : 1480 / 8);
        new Ipv4View().wrap(frame, l3).computeChecksum();
        return frame;
    }

    private static byte[] tag(byte[] frame, int tpid, int vid) {
        byte[] out = new byte[frame.length + 4];
        System.arraycopy(frame, 0, out, 0, 12);
        Bytes.put16(out, 12, tpid);
        Bytes.put16(out, 14, vid);
        System.arraycopy(frame, 12, out, 16, frame.length - 12);
        return out;
    }

    // addresses of testdata/README.md and testdata/balancer/sample.yaml
    private static final byte[] CLIENT_MAC = Bytes.fromHex("02:00:00:00:00:01");
    private static final byte[] VIP_MAC = Bytes.fromHex("02:00:00:00:00:0a");
    private static final byte[] SERVER_MAC = Bytes.fromHex("02:00:5e:00:53:12");
    private static final InetAddress CLIENT4 = ip("198.18.0.1");
    private static final InetAddress CLIENT6 = ip("2001:2::1");
    private static final InetAddress VIP4 = ip("198.18.0.10");
    private static final InetAddress VIP6 = ip("2001:2::10");
    private static final InetAddress S2_4 = ip("198.18.2.2");
    private static final InetAddress S2_6 = ip("2001:2:0:2::2");
    private static final InetAddress ROUTER4 = ip("198.18.0.254");

    private static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static CraftedPacket.Builder toVip(InetAddress client, int clientPort, InetAddress vip, int port) {
        return CraftedPacket.builder().ethernet(CLIENT_MAC, VIP_MAC).src(client, clientPort).dst(vip, port);
    }

    private static CraftedPacket.Builder fromServer(InetAddress src, int port, InetAddress client, int clientPort) {
        return CraftedPacket.builder().ethernet(SERVER_MAC, VIP_MAC).src(src, port).dst(client, clientPort);
    }

    /** Packets for each rule of sample.yaml: service ports, redirect ports, ICMP, fragments, ARP, return traffic. */
    private void balancerSeeds() {
        String n = "balancer-from-network";
        byte[] c0 = b(0);
        write(n, "syn4-redirect-8080", c0, toVip(CLIENT4, 41000, VIP4, 8080).tcp(TcpView.SYN).mss(1460).redirect(RedirectExtension.redirect()).build().encode());
        write(n, "syn6-redirect-8080", c0, toVip(CLIENT6, 41000, VIP6, 8080).tcp(TcpView.SYN).mss(1440).redirect(RedirectExtension.redirect()).build().encode());
        write(n, "syn4-legacy-8080", c0, toVip(CLIENT4, 41001, VIP4, 8080).tcp(TcpView.SYN).mss(1460).build().encode());
        write(n, "udp4-redirect-5000", c0, toVip(CLIENT4, 41002, VIP4, 5000).udp().payload("hello".getBytes()).redirect(RedirectExtension.redirect()).build().encode());
        write(n, "udp6-redirect-5000", c0, toVip(CLIENT6, 41002, VIP6, 5000).udp().payload("hello".getBytes()).redirect(RedirectExtension.redirect()).build().encode());
        write(n, "udp4-legacy-5000", c0, toVip(CLIENT4, 41003, VIP4, 5000).udp().payload("hi".getBytes()).build().encode());
        write(n, "tcp4-service-10001", c0, toVip(CLIENT4, 41004, VIP4, 10001).tcp(TcpView.SYN).build().encode());
        write(n, "udp4-service-5353", c0, toVip(CLIENT4, 41005, VIP4, 5353).udp().payload("q".getBytes()).build().encode());
        write(n, "tcp4-l3-10011", c0, toVip(CLIENT4, 41006, VIP4, 10011).tcp(TcpView.SYN).mss(1460).build().encode());
        write(n, "tcp6-l3-10012", c0, toVip(CLIENT6, 41007, VIP6, 10012).tcp(TcpView.ACK).payload("data".getBytes()).build().encode());
        write(n, "udp4-l3-10011", c0, toVip(CLIENT4, 41008, VIP4, 10011).udp().payload("u".getBytes()).build().encode());
        write(n, "tcp4-raw-10021", c0, toVip(CLIENT4, 41009, VIP4, 10021).tcp(TcpView.SYN).build().encode());
        write(n, "icmp4-echo", c0, toVip(CLIENT4, 0, VIP4, 0).icmp(IcmpView.V4_ECHO_REQUEST, 0, 0x12340001).payload("ping".getBytes()).build().encode());
        write(n, "icmp6-echo", c0, toVip(CLIENT6, 0, VIP6, 0).icmp(IcmpView.V6_ECHO_REQUEST, 0, 0x12340001).payload("ping".getBytes()).build().encode());
        byte[] sent4 = CraftedPacket.builder().src(VIP4, 10011).dst(CLIENT4, 41006).tcp(TcpView.SYN | TcpView.ACK).mss(1460).build().encode();
        byte[] sent6 = CraftedPacket.builder().src(VIP6, 10012).dst(CLIENT6, 41007).udp().payload("x".getBytes()).build().encode();
        byte[] sent8080 = CraftedPacket.builder().src(VIP4, 8080).dst(CLIENT4, 41000).tcp(TcpView.SYN | TcpView.ACK)
                .redirect(RedirectExtension.confirm(10001)).build().encode();
        write(n, "icmp4-error-l3", c0, toVip(ROUTER4, 0, VIP4, 0).icmp(IcmpView.V4_DEST_UNREACHABLE, IcmpView.V4_CODE_FRAG_NEEDED, 576).payload(sent4).build().encode());
        write(n, "icmp4-error-l3-min", c0, toVip(ROUTER4, 0, VIP4, 0).icmp(IcmpView.V4_TIME_EXCEEDED, 0, 0).payload(Arrays.copyOf(sent4, 28)).build().encode());
        write(n, "icmp6-error-l3", c0, toVip(CLIENT6, 0, VIP6, 0).icmp(IcmpView.V6_DEST_UNREACHABLE, 4, 0).payload(sent6).build().encode());
        write(n, "icmp4-error-redirect-port", c0, toVip(CLIENT4, 0, VIP4, 0).icmp(IcmpView.V4_DEST_UNREACHABLE, 3, 0).payload(sent8080).build().encode());
        byte[] frag = toVip(CLIENT4, 41010, VIP4, 10001).udp().payload(new byte[40]).build().encode();
        Bytes.put16(frag, EthernetView.HEADER_LENGTH + Ipv4View.FLAGS_FRAGMENT_OFFSET, 1480 / 8);
        new Ipv4View().wrap(frag, EthernetView.HEADER_LENGTH).computeChecksum();
        write(n, "ipv4-non-first-fragment", c0, frag);
        byte[] arp = new byte[EthernetView.HEADER_LENGTH + 28];
        Arrays.fill(arp, 0, 6, (byte) 0xFF);
        System.arraycopy(CLIENT_MAC, 0, arp, 6, 6);
        Bytes.put16(arp, 12, IpProtocol.ETHERTYPE_ARP);
        write(n, "arp-request", c0, arp);
        write(n, "syn4-redirect-8080-vlan", c0, tag(toVip(CLIENT4, 41011, VIP4, 8080).tcp(TcpView.SYN).redirect(RedirectExtension.redirect()).build().encode(), IpProtocol.ETHERTYPE_VLAN, 7));

        // from a server: selector (server index + 1), control, frame
        String s = "balancer-from-server";
        write(s, "s1-l2-synack", b(1, 0), fromServer(VIP4, 10001, CLIENT4, 41004).tcp(TcpView.SYN | TcpView.ACK).mss(1460).build().encode());
        write(s, "s1-l2-confirm6", b(1, 0), fromServer(VIP6, 8080, CLIENT6, 41000).tcp(TcpView.SYN | TcpView.ACK).redirect(RedirectExtension.confirm(10001)).build().encode());
        write(s, "s2-l3-udp4", b(2, 0), fromServer(S2_4, 10011, CLIENT4, 41008).udp().payload("u".getBytes()).build().encode());
        write(s, "s2-l3-tcp6", b(2, 0), fromServer(S2_6, 10012, CLIENT6, 41007).tcp(TcpView.ACK).payload("data".getBytes()).build().encode());
        write(s, "s2-l3-redirect-port", b(2, 0), fromServer(S2_4, 8080, CLIENT4, 41000).tcp(TcpView.SYN | TcpView.ACK).redirect(RedirectExtension.confirm(10011)).build().encode());
        write(s, "s2-own-traffic", b(2, 0), fromServer(S2_4, 22, CLIENT4, 50000).tcp(TcpView.ACK).build().encode());
        write(s, "s2-icmp-echo-reply", b(2, 0), fromServer(S2_4, 0, CLIENT4, 0).icmp(IcmpView.V4_ECHO_REPLY, 0, 0x12340001).payload("ping".getBytes()).build().encode());
        byte[] received = CraftedPacket.builder().src(CLIENT4, 41006).dst(S2_4, 10011).udp().payload("u".getBytes()).build().encode();
        write(s, "s2-icmp-error", b(2, 0), fromServer(S2_4, 0, CLIENT4, 0).icmp(IcmpView.V4_DEST_UNREACHABLE, 3, 0).payload(received).build().encode());
        write(s, "s3-raw", b(3, 0), fromServer(VIP4, 10021, CLIENT4, 41009).tcp(TcpView.SYN | TcpView.ACK).build().encode());
        write(s, "unknown-server", b(0, 0), fromServer(VIP4, 10001, CLIENT4, 41004).tcp(TcpView.ACK).build().encode());
    }
}
