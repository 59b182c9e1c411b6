package io.portredirect.balancer.decide;

import io.portredirect.balancer.metrics.BalancerCounters;
import io.portredirect.balancer.table.ForwardingTables;
import io.portredirect.balancer.table.InterfaceMacs;
import io.portredirect.protocol.packet.Bytes;
import org.junit.jupiter.api.Test;

import static io.portredirect.balancer.testing.Fixtures.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The destination MAC check that holds when the kernel capture filter is not applied. */
class DestinationMacTest {
    private static final byte[] OTHER_HOST = Bytes.fromHex("02:00:00:00:99:99");

    static byte[] to(byte[] mac, byte[] frame) {
        System.arraycopy(mac, 0, frame, 0, 6);
        return frame;
    }

    @Test
    void theReaderAdmitsOurMacAndGroupsAndCountsTheRest() {
        ForwardingTables t = tables(VERDICT_YAML);
        BalancerCounters c = new BalancerCounters();
        PacketProcessor p = new PacketProcessor(() -> t, c);
        assertTrue(p.admits(arp(), 0, 42), "broadcast ARP");
        byte[] ns = to(Bytes.fromHex("33:33:ff:00:00:10"), tcp(CLIENT6, 1, VIP6, 10001, 0, null));
        assertTrue(p.admits(ns, 0, ns.length), "IPv6 multicast");
        byte[] ours = tcp(CLIENT4, 1, VIP4, 10001, 0, null);
        assertTrue(p.admits(ours, 0, ours.length));
        assertEquals(0, c.totalDrops());

        byte[] arpToOther = to(OTHER_HOST, arp());
        assertFalse(p.admits(arpToOther, 0, arpToOther.length), "unicast ARP for another host");
        assertEquals(DropReason.NOT_OUR_MAC, DropReason.of(p.lastDropReason()));
        assertEquals(1, c.drops(DropReason.NOT_OUR_MAC));
    }

    @Test
    void aPlaceholderMacChecksNothingSoOfflineReplayStillDecides() throws Exception {
        ForwardingTables t = ForwardingTables.build(config(VERDICT_YAML), InterfaceMacs.placeholder());
        assertFalse(t.checksDestinationMac());
        PacketProcessor p = new PacketProcessor(() -> t, new BalancerCounters());
        byte[] f = to(OTHER_HOST, tcp(CLIENT4, 40000, VIP4, 10001, 0, null));
        assertTrue(p.admits(f, 0, f.length));
        assertEquals("a", t.serverName(p.fromNetwork(f, 0, f.length)));

        ForwardingTables real = ForwardingTables.build(config(VERDICT_YAML), iface -> NET_MAC.clone());
        assertTrue(real.checksDestinationMac());
    }
}
