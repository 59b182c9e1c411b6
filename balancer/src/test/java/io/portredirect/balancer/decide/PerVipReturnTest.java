package io.portredirect.balancer.decide;

import io.portredirect.balancer.metrics.BalancerCounters;
import io.portredirect.balancer.table.ForwardingTables;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.TcpView;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static io.portredirect.balancer.testing.Fixtures.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Return traffic of an l3 server under per-VIP ports: a packet from its own address is the
 * balancer's only when it leaves a port the server has on the VIP it answers from in that family.
 */
class PerVipReturnTest {
    private static final ForwardingTables T = tables(PER_VIP_YAML);

    private static int fromServer(InetAddress src, int srcPort) {
        byte[] f = CraftedPacket.builder().ethernet(NET_MAC, CLIENT_MAC).src(src, srcPort)
                .dst(src instanceof java.net.Inet4Address ? CLIENT4 : CLIENT6, 40000)
                .tcp(TcpView.SYN | TcpView.ACK).seq(1).ack(2).build().encode();
        PacketProcessor p = new PacketProcessor(() -> T, new BalancerCounters());
        return p.fromServer(T.serverIndex("y"), f, 0, f.length);
    }

    @Test
    void servicePortOnTheVipItAnswersFromIsReturned() {
        assertEquals(PacketProcessor.TO_NETWORK, fromServer(Y4, 10005));
    }

    @Test
    void servicePortOnAnotherVipIsNotTheBalancers() {
        // y's IPv6 return VIP is 2001:2::10, where 10005 is no port of y
        assertEquals(PacketProcessor.PASS, fromServer(Y6, 10005));
        assertEquals(PacketProcessor.PASS, fromServer(Y4, 10001));
    }

    @Test
    void tablesAnswerPerVip() {
        int shop = T.vipAddresses().indexOf(VIP4);
        int api = T.vipAddresses().indexOf(VIP4_API);
        int v6 = T.vipAddresses().indexOf(VIP6);
        assertEquals(T.serverIndex("a"), T.serviceOwner(shop, 6, 10001));
        assertEquals(T.serverIndex("x"), T.serviceOwner(api, 6, 10001));
        assertEquals(T.serverIndex("a"), T.serviceOwner(v6, 6, 10001));
        assertEquals(T.serverIndex("d"), T.serviceOwner(api, 17, 10031));
        assertEquals(-1, T.serviceOwner(-1, 6, 10001), "not a VIP");
        int s1 = T.redirectSlot(shop, 6, 8080);
        int s2 = T.redirectSlot(api, 6, 8080);
        assertEquals(s1, T.redirectSlot(v6, 6, 8080));
        assertEquals(T.serverIndex("x"), T.redirectOwner(s2));
        assertEquals(java.util.List.of(VIP4_API), T.redirectSlotVips(s2));
        assertEquals(-1, T.redirectSlot(api, 6, 10002));
    }

    @Test
    void withoutPerVipKeysEveryVipHasTheSamePorts() {
        ForwardingTables t = tables(VERDICT_YAML);
        for (int v = 1; v < t.vipCount(); v++) {
            for (int port : new int[] {10001, 10003, 10011, 10021, 8080, 9090, 5000, 7777}) {
                assertEquals(t.serviceOwner(0, 6, port), t.serviceOwner(v, 6, port));
                assertEquals(t.serviceOwner(0, 17, port), t.serviceOwner(v, 17, port));
                assertEquals(t.redirectSlot(0, 6, port), t.redirectSlot(v, 6, port));
            }
        }
    }
}
