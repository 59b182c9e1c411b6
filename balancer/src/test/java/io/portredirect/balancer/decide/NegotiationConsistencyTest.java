package io.portredirect.balancer.decide;

import io.portredirect.balancer.metrics.BalancerCounters;
import io.portredirect.balancer.table.ForwardingTables;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.wire.RedirectExtension;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.HashSet;
import java.util.Set;

import static io.portredirect.balancer.testing.Fixtures.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every packet of one negotiation lands on the same server: the SYN and the client's RST (both
 * carry REDIRECT), and an ICMP error about the server's SYN-ACK (routed by its quote); a second,
 * independently built processor (a replica, or the balancer after a restart) agrees.
 */
class NegotiationConsistencyTest {
    private static final InetAddress ROUTER4 = ip("198.19.200.1");
    private static final InetAddress ROUTER6 = ip("2001:2:0:200::1");

    @Test
    void tcpNegotiationPacketsAndTheirIcmpErrorsAgreeOnEveryReplica() {
        check(CLIENT4, VIP4, ROUTER4, 3, true);
        check(CLIENT6, VIP6, ROUTER6, 1, true);
    }

    @Test
    void udpNegotiationDatagramsAndTheirIcmpErrorsAgree() {
        check(CLIENT4, VIP4, ROUTER4, 3, false);
        check(CLIENT6, VIP6, ROUTER6, 1, false);
    }

    private static void check(InetAddress client, InetAddress vip, InetAddress router, int unreachable, boolean tcp) {
        ForwardingTables t = tables(VERDICT_YAML);
        PacketProcessor p = new PacketProcessor(() -> t, new BalancerCounters());
        ForwardingTables replicaTables = tables(VERDICT_YAML);
        PacketProcessor replica = new PacketProcessor(() -> replicaTables, new BalancerCounters());
        int port = tcp ? 8080 : 5000;
        Set<String> seen = new HashSet<>();
        for (int clientPort = 32768; clientPort < 32768 + 2000; clientPort++) {
            byte[] first = tcp ? syn(client, clientPort, vip, port) : udp(client, clientPort, vip, port, RedirectExtension.redirect());
            byte[] second = tcp ? tcp(client, clientPort, vip, port, TcpView.RST, RedirectExtension.redirect())
                    : udp(client, clientPort, vip, port, RedirectExtension.redirect());
            byte[] error = icmpError(router, vip, unreachable, 4, serverPacket(vip, port, client, clientPort, tcp, -1));
            int s = p.fromNetwork(first, 0, first.length);
            assertTrue(s >= 0, () -> "negotiation dropped: " + DropReason.of(p.lastDropReason()));
            assertEquals(s, p.fromNetwork(second, 0, second.length), "second packet of the negotiation, port " + clientPort);
            assertEquals(s, p.fromNetwork(error, 0, error.length), "ICMP error about the server's answer, port " + clientPort);
            byte[] again = tcp ? syn(client, clientPort, vip, port) : udp(client, clientPort, vip, port, RedirectExtension.redirect());
            assertEquals(s, replica.fromNetwork(again, 0, again.length), "replica, port " + clientPort);
            seen.add(t.serverName(s));
        }
        assertEquals(tcp ? Set.of("a", "b", "c") : Set.of("b", "c"), seen, "every group member gets negotiations");
    }
}
