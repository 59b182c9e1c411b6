package io.portredirect.balancer.lab;

import io.portredirect.protocol.lab.LabExtension;
import io.portredirect.protocol.lab.LabTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ICMP errors made by real kernels reach the server whose packet caused them. The lab has a
 * router namespace between client and gw whose client-side link has MTU 1280.
 * <ul>
 *   <li>A server sends UDP from VIP:service-port to a closed port of the client over a connected
 *       socket; the client's kernel answers port unreachable to the VIP; the balancer routes it by
 *       the quoted source port; the server's socket reports PortUnreachableException.</li>
 *   <li>A server sends a 1400-byte datagram (DF) to the client; the router answers
 *       fragmentation needed / packet too big to the VIP; the server's kernel learns PMTU 1280.</li>
 * </ul>
 */
@LabTest
class IcmpLabTest {
    @RegisterExtension
    static final LabExtension<BalancerLab> LAB = LabExtension.of(() -> BalancerLab.up("prbi", true));
    private static final String CLIENT = BalancerLab.CLIENT_IP_BEHIND_ROUTER;
    private static final String CLIENT6 = "2001:2:0:2::2";
    private static BalancerLab lab;

    @BeforeAll
    static void up(BalancerLab fixture) throws Exception {
        lab = fixture;
        lab.startBalancer(lab.labConfig());
    }

    @Test
    void portUnreachableFromTheClientKernelReachesTheL2Server() {
        BalancerLab.Result r = lab.probe("s2", 30, "udp-unreachable", BalancerLab.VIP4, "5202", CLIENT, "33434");
        assertEquals(0, r.exit(), "s2's connected socket must see the client's port unreachable: " + r.output());
        String m = lab.metrics();
        assertTrue(BalancerLab.metric(m, "portredirect_balancer_decisions_total{rule=\"icmp_error_service_port\"") >= 1, m);
    }

    @Test
    void portUnreachableReachesTheL3ServerWithItsOwnAddressBack() {
        // s3 sends from its own address; the balancer returns it as the VIP and must undo that on the ICMP
        BalancerLab.Result r = lab.probe("s3", 30, "udp-unreachable", "198.18.13.2", "5203", CLIENT, "33435");
        assertEquals(0, r.exit(), "s3's connected socket must see the client's port unreachable: " + r.output());
    }

    @Test
    void fragmentationNeededFromTheRouterReachesTheServer() throws Exception {
        String routed = "portredirect_balancer_decisions_total{rule=\"icmp_error_service_port\"";
        long before = BalancerLab.metric(lab.metrics(), routed);
        String route = sendAndReadRoute("-4", BalancerLab.VIP4, CLIENT);
        assertTrue(route.contains("mtu 1280"), "s1 learned the path MTU from the router's ICMP: " + route);
        String m = lab.metrics();
        assertEquals(before + 1, BalancerLab.metric(m, routed), "the router's one frag-needed, routed by its quoted port: " + m);
    }

    @Test
    void packetTooBigFromTheRouterReachesTheServer() throws Exception {
        String route = sendAndReadRoute("-6", BalancerLab.VIP6, CLIENT6);
        assertTrue(route.contains("mtu 1280"), "s1 learned the IPv6 path MTU from the router's ICMPv6: " + route);
    }

    /**
     * Sends one 1400-byte DF datagram from SRC:5201 on s1 and returns s1's route to DST afterwards.
     * The sending socket stays open for 2 s: Linux applies a fragmentation-needed / packet-too-big
     * to the path MTU only in the UDP error handler of a socket matching the quoted ports
     * ({@code __udp4_lib_err} / {@code __udp6_lib_err}); a socket closed right after the send makes
     * the kernel count the error in Icmp(6)InErrors and learn nothing. One datagram, no resend: a
     * lost error is a forwarding bug.
     */
    private static String sendAndReadRoute(String family, String src, String dst) {
        BalancerLab.Result r = lab.probe("s1", 30, "udp-send", src, "5201", dst, "9", "1400", "2000");
        assertEquals(0, r.exit(), r.output());
        return lab.exec("s1", "ip", family, "route", "get", dst, "from", src);
    }
}
