package io.portredirect.clientagent.relay;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which sources a UDP session hands to the application: VIP:Y, and VIP:X until Y has spoken. */
class UdpSourceTest {
    static final InetAddress VIP = addr("198.18.53.10");
    static final int X = 53;
    static final int Y = 20053;
    static final int NEGOTIATING = -1;

    static InetAddress addr(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static InetSocketAddress from(String a, int port) {
        return new InetSocketAddress(addr(a), port);
    }

    @Test
    void table() {
        assertTrue(UdpRelay.fromService(VIP, X, NEGOTIATING, false, from("198.18.53.10", X)), "negotiating: the answer from X");
        assertFalse(UdpRelay.fromService(VIP, X, NEGOTIATING, false, from("198.18.53.10", Y)), "negotiating: no Y known yet");
        assertTrue(UdpRelay.fromService(VIP, X, Y, false, from("198.18.53.10", Y)), "negotiated: from Y");
        assertTrue(UdpRelay.fromService(VIP, X, Y, false, from("198.18.53.10", X)), "negotiated, Y not heard yet: the first answer from X");
        assertFalse(UdpRelay.fromService(VIP, X, Y, true, from("198.18.53.10", X)), "Y has spoken: X no more");
        assertFalse(UdpRelay.fromService(VIP, X, Y, true, from("198.18.52.2", Y)), "another host, right port");
        assertFalse(UdpRelay.fromService(VIP, X, Y, true, from("198.18.53.10", 20054)), "the VIP, another port");
        assertTrue(UdpRelay.fromService(VIP, X, X, false, from("198.18.53.10", X)), "fallback: X is the service");
        assertFalse(UdpRelay.fromService(VIP, X, Y, false, null));
    }
}
