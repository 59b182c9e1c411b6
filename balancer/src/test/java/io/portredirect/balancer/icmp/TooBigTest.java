package io.portredirect.balancer.icmp;

import io.portredirect.balancer.decide.DropReason;
import io.portredirect.balancer.decide.PacketProcessor;
import io.portredirect.balancer.metrics.BalancerCounters;
import io.portredirect.balancer.table.ForwardingTables;
import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.IcmpView;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.packet.TransportChecksum;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.Arrays;

import static io.portredirect.balancer.testing.Fixtures.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A packet larger than its server's link gets the ICMP error a router would send, from the VIP. */
class TooBigTest {
    private final ForwardingTables t = tables(VERDICT_YAML);
    private final BalancerCounters counters = new BalancerCounters();
    private final PacketProcessor p = new PacketProcessor(() -> t, counters);

    /** A 1500-byte IP packet to service port 10001 of server a. */
    static byte[] big(InetAddress client, InetAddress vip, boolean df) {
        int header = client.getAddress().length == 4 ? 20 + 24 : 40 + 24;
        return fromClient(client, 40000, vip, 10001).tcp(TcpView.ACK).seq(1000).mss(1460).dontFragment(df)
                .payload(new byte[1500 - header]).build().encode();
    }

    int[] mtus(int mtu) {
        int[] m = new int[t.serverCount()];
        Arrays.fill(m, 1500);
        m[serverIndex("a")] = mtu;
        return m;
    }

    int serverIndex(String name) {
        for (int i = 0; i < t.serverCount(); i++) {
            if (t.serverName(i).equals(name)) {
                return i;
            }
        }
        throw new AssertionError(name);
    }

    ParsedPacket reply() {
        return parse(Arrays.copyOf(p.reply(), p.replyLength()));
    }

    @Test
    void ipv4WithDontFragmentGetsFragmentationNeededWithTheMtu() {
        byte[] f = big(CLIENT4, VIP4, true);
        p.egressMtu(mtus(1400));
        assertEquals(PacketProcessor.TOO_BIG, p.fromNetwork(f, 0, f.length));
        assertEquals(DropReason.TOO_BIG, DropReason.of(p.lastDropReason()));
        assertEquals(1, counters.drops(DropReason.TOO_BIG));
        ParsedPacket r = reply();
        assertTrue(r.ok(), r.toString());
        assertEquals(4, r.ipVersion());
        assertEquals(IcmpView.V4_DEST_UNREACHABLE, r.icmpType());
        assertEquals(IcmpView.V4_CODE_FRAG_NEEDED, r.buffer()[r.l4Offset() + 1]);
        assertEquals(1400, Bytes.u16(r.buffer(), r.l4Offset() + 6), "next-hop MTU");
        assertEquals("198.18.0.10", Bytes.ip(r.buffer(), r.srcAddrOffset(), 4), "from the VIP");
        assertEquals(CLIENT4.getHostAddress(), Bytes.ip(r.buffer(), r.dstAddrOffset(), 4));
        assertArrayEquals(CLIENT_MAC, Arrays.copyOfRange(p.reply(), 0, 6));
        assertArrayEquals(NET_MAC, Arrays.copyOfRange(p.reply(), 6, 12));
        assertEquals(576, r.ipEnd() - r.l3Offset(), "quotes up to the IPv4 minimum datagram");
        assertEquals(TransportChecksum.Verdict.VALID, TransportChecksum.verifyIpHeader(r));
        assertEquals(TransportChecksum.Verdict.VALID, TransportChecksum.verify(r));
        assertEquals(10001, r.quoted().dstPort(), "the quote is the packet as the client sent it");
    }

    @Test
    void ipv6GetsPacketTooBig() {
        byte[] f = big(CLIENT6, VIP6, true);
        p.egressMtu(mtus(1280));
        assertEquals(PacketProcessor.TOO_BIG, p.fromNetwork(f, 0, f.length));
        ParsedPacket r = reply();
        assertTrue(r.ok(), r.toString());
        assertEquals(IcmpView.V6_PACKET_TOO_BIG, r.icmpType());
        assertEquals(1280, Bytes.u32(r.buffer(), r.l4Offset() + 4));
        assertEquals(1280, r.ipEnd() - r.l3Offset(), "quotes up to the IPv6 minimum MTU");
        assertEquals(TransportChecksum.Verdict.VALID, TransportChecksum.verify(r));
        assertEquals(Bytes.ip(f, 14 + 24, 16), Bytes.ip(r.buffer(), r.srcAddrOffset(), 16), "from the VIP");
    }

    @Test
    void ipv4WithoutDontFragmentIsDroppedWithoutReply() {
        byte[] f = big(CLIENT4, VIP4, false);
        p.egressMtu(mtus(1400));
        assertEquals(PacketProcessor.DROP, p.fromNetwork(f, 0, f.length));
        assertEquals(DropReason.TOO_BIG, DropReason.of(p.lastDropReason()));
    }

    @Test
    void aPacketThatFitsIsForwarded() {
        byte[] f = big(CLIENT4, VIP4, true);
        p.egressMtu(mtus(1500));
        assertEquals(serverIndex("a"), p.fromNetwork(f, 0, f.length));
        p.egressMtu(null);
        byte[] g = big(CLIENT4, VIP4, true);
        assertEquals(serverIndex("a"), p.fromNetwork(g, 0, g.length), "no MTUs known: no check");
    }
}
