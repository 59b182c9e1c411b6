package io.portredirect.balancer.lab;

import io.portredirect.protocol.lab.LabSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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
class IcmpLabTest {
    private static final String CLIENT = BalancerLab.CLIENT_IP_BEHIND_ROUTER;
    private static final String CLIENT6 = "2001:2:0:2::2";
    private static BalancerLab lab;

    @BeforeAll
    static void up() throws Exception {
        LabSupport.assumeLab();
        lab = BalancerLab.up("prbi", true);
        lab.startBalancer(lab.labConfig());
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.close();
        }
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
        String route = sendUntilMtuLearned("-4", BalancerLab.VIP4, CLIENT);
        assertTrue(route.contains("mtu 1280"), "s1 learned the path MTU from the router's ICMP: " + route);
        String m = lab.metrics();
        assertTrue(BalancerLab.metric(m, "portredirect_balancer_decisions_total{rule=\"icmp_error_service_port\"") >= 1, m);
    }

    @Test
    void packetTooBigFromTheRouterReachesTheServer() throws Exception {
        String route = sendUntilMtuLearned("-6", BalancerLab.VIP6, CLIENT6);
        assertTrue(route.contains("mtu 1280"), "s1 learned the IPv6 path MTU from the router's ICMPv6: " + route);
    }

    /**
     * Sends a 1400-byte DF datagram from VIP:5201 on s1 and waits for s1's kernel to learn PMTU 1280;
     * up to 3 datagrams, since the first one right after the lab comes up can meet neighbour
     * resolution on its way (router to VIP) and a lost ICMP error is never repeated by the router.
     */
    private static String sendUntilMtuLearned(String family, String src, String dst) throws InterruptedException {
        String route = "";
        for (int attempt = 0; attempt < 3 && !route.contains("mtu 1280"); attempt++) {
            BalancerLab.Result r = lab.probe("s1", 30, "udp-send", src, "5201", dst, "9", "1400");
            assertEquals(0, r.exit(), r.output());
            route = waitForMtu(family, dst, src);
        }
        return route;
    }

    private static String waitForMtu(String family, String dst, String src) throws InterruptedException {
        String route = "";
        for (int i = 0; i < 30; i++) {
            route = lab.exec("s1", "ip", family, "route", "get", dst, "from", src);
            if (route.contains("mtu 1280")) {
                break;
            }
            Thread.sleep(100);
        }
        return route;
    }
}
