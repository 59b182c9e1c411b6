package io.portredirect.balancer.rewrite;

import io.portredirect.balancer.decide.DropReason;
import io.portredirect.balancer.decide.PacketProcessor;
import io.portredirect.balancer.metrics.BalancerCounters;
import io.portredirect.balancer.table.ForwardingTables;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.PacketParser;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.packet.TransportChecksum.Verdict;
import io.portredirect.protocol.packet.TransportChecksum;
import io.portredirect.protocol.wire.RedirectExtension;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.Arrays;

import static io.portredirect.balancer.testing.Fixtures.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Rewrites checked two ways: every checksum verifies afterwards ({@link TransportChecksum}, full
 * recomputation), and the incrementally rewritten bytes equal a packet crafted from scratch with
 * the new address (every field, checksums included).
 */
class RewriteTest {
    private final ForwardingTables t = tables(VERDICT_YAML);
    private final BalancerCounters counters = new BalancerCounters();
    private final PacketProcessor p = new PacketProcessor(() -> t, counters);
    private final int a = t.serverIndex("a");
    private final int b = t.serverIndex("b");
    private final int c = t.serverIndex("c");

    private static CraftedPacket.Builder tcpSyn(InetAddress src, int sport, InetAddress dst, int dport) {
        return CraftedPacket.builder().src(src, sport).dst(dst, dport).tcp(TcpView.SYN).seq(77).mss(1460).sackPermitted(true)
                .timestamps(1, 0).windowScale(7).redirect(RedirectExtension.redirect()).payload(new byte[] {1, 2, 3});
    }

    private static CraftedPacket.Builder udpDatagram(InetAddress src, int sport, InetAddress dst, int dport) {
        return CraftedPacket.builder().src(src, sport).dst(dst, dport).udp().payload("hello".getBytes())
                .redirect(RedirectExtension.redirect());
    }

    private static void assertAllChecksumsValid(byte[] frame) {
        ParsedPacket q = parse(frame);
        assertEquals(Verdict.VALID, TransportChecksum.verifyIpHeader(q), "IP header checksum");
        assertEquals(Verdict.VALID, TransportChecksum.verify(q), "transport checksum");
    }

    /** Forward to l3 b: the result equals the same packet crafted to b's address; then b's reply goes back as the VIP. */
    @Test
    void l3ForwardAndReverseEqualPacketsCraftedWithTheTargetAddress() {
        for (boolean v6 : new boolean[] {false, true}) {
            InetAddress client = v6 ? CLIENT6 : CLIENT4;
            InetAddress vip = v6 ? VIP6 : VIP4;
            InetAddress server = v6 ? B6 : B4;
            for (int kind = 0; kind < 2; kind++) {
                CraftedPacket.Builder toVip = kind == 0 ? tcpSyn(client, 40000, vip, 10012) : udpDatagram(client, 40000, vip, 10012);
                byte[] frame = toVip.ethernet(CLIENT_MAC, NET_MAC).build().encode();
                assertEquals(b, p.fromNetwork(frame, 0, frame.length));
                byte[] expected = toVip.dst(server, 10012).ethernet(B_SIDE_MAC, B_MAC).build().encode();
                assertArrayEquals(expected, frame, (v6 ? "v6 " : "v4 ") + (kind == 0 ? "tcp" : "udp") + " forward");
                assertAllChecksumsValid(frame);

                CraftedPacket.Builder reply = kind == 0
                        ? CraftedPacket.builder().src(server, 10012).dst(client, 40000).tcp(TcpView.SYN | TcpView.ACK).seq(9).ack(78)
                                .redirect(RedirectExtension.confirm(10012))
                        : udpDatagram(server, 10012, client, 40000);
                byte[] back = reply.ethernet(B_MAC, B_SIDE_MAC).build().encode();
                assertEquals(PacketProcessor.TO_NETWORK, p.fromServer(b, back, 0, back.length));
                byte[] expectedBack = reply.src(vip, 10012).ethernet(NET_MAC, NEXT_HOP_MAC).build().encode();
                assertArrayEquals(expectedBack, back, (v6 ? "v6 " : "v4 ") + (kind == 0 ? "tcp" : "udp") + " reverse");
                assertAllChecksumsValid(back);
            }
        }
    }

    @Test
    void ipv4UdpWithoutChecksumKeepsZero() {
        byte[] frame = udp(CLIENT4, 40000, VIP4, 10011, null);
        ParsedPacket q = parse(frame);
        frame[q.l4Offset() + 6] = 0;
        frame[q.l4Offset() + 7] = 0;
        assertEquals(b, p.fromNetwork(frame, 0, frame.length));
        ParsedPacket after = parse(frame);
        assertEquals(0, io.portredirect.protocol.packet.Bytes.u16(frame, after.l4Offset() + 6));
        assertEquals(Verdict.VALID, TransportChecksum.verifyIpHeader(after));
    }

    /**
     * An ICMP error about a packet l3 server b sent (as the client saw it: from the VIP) reaches b
     * with the outer destination and the quoted source both rewritten to b's address: byte-equal
     * to the error b would have got without a balancer, all checksums valid.
     */
    @Test
    void icmpErrorToL3ServerRewritesTheQuoteAndEveryChecksum() {
        for (boolean v6 : new boolean[] {false, true}) {
            for (boolean tcp : new boolean[] {true, false}) {
                for (int quoteLength : new int[] {-1, v6 ? 48 : 28}) {
                    InetAddress vip = v6 ? VIP6 : VIP4;
                    InetAddress server = v6 ? B6 : B4;
                    InetAddress router = ip(v6 ? "2001:2:0:200::1" : "198.19.200.1");
                    int port = tcp ? 10012 : 10011;
                    if (v6 && !tcp) {
                        port = 10012; // 10011 is udp-only on v4 and v6 alike; 10012 serves both
                    }
                    byte[] frame = icmpError(router, vip, v6 ? 1 : 3, 4, serverPacket(vip, port, CLIENT(v6), 40000, tcp, quoteLength));
                    assertEquals(b, p.fromNetwork(frame, 0, frame.length), "v6=" + v6 + " tcp=" + tcp + " quote=" + quoteLength);
                    byte[] expected = CraftedPacket.builder().ethernet(B_SIDE_MAC, B_MAC).src(router, 0).dst(server, 0)
                            .icmp(v6 ? 1 : 3, 4, 0).payload(serverPacket(server, port, CLIENT(v6), 40000, tcp, quoteLength)).build().encode();
                    assertArrayEquals(expected, frame, "v6=" + v6 + " tcp=" + tcp + " quote=" + quoteLength);
                    assertAllChecksumsValid(frame);
                    ParsedPacket outer = parse(frame);
                    byte[] quote = Arrays.copyOfRange(frame, outer.l4Offset() + 8, outer.ipEnd());
                    if (quoteLength < 0) {
                        ParsedPacket inner = PacketParser.parseIp(quote, 0, quote.length, new ParsedPacket());
                        assertEquals(Verdict.VALID, TransportChecksum.verifyIpHeader(inner), "quoted IP header");
                        assertEquals(Verdict.VALID, TransportChecksum.verify(inner), "quoted transport checksum");
                    }
                }
            }
        }
    }

    private static InetAddress CLIENT(boolean v6) {
        return v6 ? CLIENT6 : CLIENT4;
    }

    /** l3 server b's kernel answers a client's datagram with port unreachable: source and quoted destination go back to the VIP. */
    @Test
    void icmpErrorFromL3ServerGoesOutAsTheVip() {
        for (boolean v6 : new boolean[] {false, true}) {
            InetAddress server = v6 ? B6 : B4;
            InetAddress vip = v6 ? VIP6 : VIP4;
            byte[] clientDatagram = CraftedPacket.builder().src(CLIENT(v6), 40000).dst(server, 10012).udp().payload(new byte[40]).build().encode();
            byte[] frame = CraftedPacket.builder().ethernet(B_MAC, B_SIDE_MAC).src(server, 0).dst(CLIENT(v6), 0).icmp(v6 ? 1 : 3, v6 ? 4 : 3, 0)
                    .payload(clientDatagram).build().encode();
            assertEquals(PacketProcessor.TO_NETWORK, p.fromServer(b, frame, 0, frame.length));
            byte[] asVip = CraftedPacket.builder().src(CLIENT(v6), 40000).dst(vip, 10012).udp().payload(new byte[40]).build().encode();
            byte[] expected = CraftedPacket.builder().ethernet(NET_MAC, NEXT_HOP_MAC).src(vip, 0).dst(CLIENT(v6), 0).icmp(v6 ? 1 : 3, v6 ? 4 : 3, 0)
                    .payload(asVip).build().encode();
            assertArrayEquals(expected, frame, "v6=" + v6);
            assertAllChecksumsValid(frame);
        }
    }

    @Test
    void l2AndRawReturnTrafficGetsNextHopMacsOnly() {
        for (int s : new int[] {a, c}) {
            byte[] reply = CraftedPacket.builder().ethernet(A_MAC, A_SIDE_MAC).src(VIP4, 10001).dst(CLIENT4, 40000)
                    .tcp(TcpView.ACK).build().encode();
            byte[] original = reply.clone();
            assertEquals(PacketProcessor.TO_NETWORK, p.fromServer(s, reply, 0, reply.length));
            assertArrayEquals(NEXT_HOP_MAC, Arrays.copyOfRange(reply, 0, 6));
            assertArrayEquals(NET_MAC, Arrays.copyOfRange(reply, 6, 12));
            assertArrayEquals(Arrays.copyOfRange(original, 12, original.length), Arrays.copyOfRange(reply, 12, reply.length));
        }
        assertEquals(2, counters.returnPackets("a") + counters.returnPackets("c"));
    }

    @Test
    void taggedReturnTrafficIsDroppedNotForwarded() {
        byte[] reply = tagged(CraftedPacket.builder().ethernet(A_MAC, A_SIDE_MAC).src(VIP4, 10001).dst(CLIENT4, 40000)
                .tcp(TcpView.ACK).build().encode(), 0x8100, 7);
        assertEquals(PacketProcessor.DROP, p.fromServer(a, reply, 0, reply.length));
        assertEquals(DropReason.VLAN_TAGGED, DropReason.of(p.lastDropReason()));
    }

    @Test
    void serverSideTrafficThatIsNotOursPasses() {
        byte[] ssh = CraftedPacket.builder().ethernet(B_MAC, B_SIDE_MAC).src(B4, 22).dst(CLIENT4, 40000).tcp(TcpView.ACK).build().encode();
        assertEquals(PacketProcessor.PASS, p.fromServer(b, ssh, 0, ssh.length));
        byte[] own = CraftedPacket.builder().ethernet(A_MAC, A_SIDE_MAC).src(ip("198.18.1.1"), 10001).dst(CLIENT4, 40000).tcp(TcpView.ACK).build().encode();
        assertEquals(PacketProcessor.PASS, p.fromServer(a, own, 0, own.length));
        byte[] arp = arp();
        assertEquals(PacketProcessor.PASS, p.fromServer(a, arp, 0, arp.length));
        // l3 server b asking for its gateway's MAC: its own business, not a reply to a client
        byte[] ns = CraftedPacket.builder().ethernet(B_MAC, B_SIDE_MAC).src(B6, 0).dst(ip("ff02::1:ff00:1"), 0)
                .icmp(135, 0, 0).payload(new byte[20]).build().encode();
        assertEquals(PacketProcessor.PASS, p.fromServer(b, ns, 0, ns.length));
        byte[] any = CraftedPacket.builder().ethernet(A_MAC, A_SIDE_MAC).src(VIP4, 10001).dst(CLIENT4, 40000).tcp(TcpView.ACK).build().encode();
        assertEquals(PacketProcessor.DROP, p.fromServer(99, any, 0, any.length));
        assertEquals(DropReason.UNKNOWN_SERVER, DropReason.of(p.lastDropReason()));
    }

    @Test
    void returnTrafficWaitsForTheNextHopMac() throws Exception {
        String yaml = VERDICT_YAML.replace("next-hop-mac: 02:00:00:00:00:fe", "next-hop-mac: auto");
        ForwardingTables unresolved = ForwardingTables.build(config(yaml), iface -> NET_MAC.clone());
        PacketProcessor q = new PacketProcessor(() -> unresolved, counters);
        byte[] reply = CraftedPacket.builder().ethernet(A_MAC, A_SIDE_MAC).src(VIP4, 10001).dst(CLIENT4, 40000).tcp(TcpView.ACK).build().encode();
        assertEquals(PacketProcessor.DROP, q.fromServer(a, reply, 0, reply.length));
        assertEquals(DropReason.NEXT_HOP_UNRESOLVED, DropReason.of(q.lastDropReason()));
        ForwardingTables resolved = unresolved.withNextHopMac(NEXT_HOP_MAC);
        PacketProcessor r = new PacketProcessor(() -> resolved, counters);
        assertEquals(PacketProcessor.TO_NETWORK, r.fromServer(a, reply, 0, reply.length));
        assertArrayEquals(NEXT_HOP_MAC, Arrays.copyOfRange(reply, 0, 6));
    }
}
