package io.portredirect.clientagent.negotiate;

import io.portredirect.protocol.config.PortRange;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ProbeRoutesTest {
    static final InetAddress VIP = InetAddress.getLoopbackAddress();

    @Test
    void remembersTheLastAnswerPerSourcePortAndTarget() {
        ProbeRoutes r = new ProbeRoutes(new PortRange(61000, 61009));
        r.learn(VIP, 80, 61003, 20001);
        assertEquals(20001, r.servicePort(VIP, 80, 61003));
        assertEquals(0, r.servicePort(VIP, 81, 61003), "another redirect port hashes differently");
        assertEquals(0, r.servicePort(VIP, 80, 61004));
        r.learn(VIP, 80, 61003, 20002);
        assertEquals(20002, r.servicePort(VIP, 80, 61003));
        r.learn(VIP, 80, 61003, 0);
        assertEquals(0, r.servicePort(VIP, 80, 61003));
        r.learn(VIP, 80, 7, 20001);
        assertEquals(0, r.servicePort(VIP, 80, 7), "not a probe port");
    }

    @Test
    void startsOverPastItsBound() {
        ProbeRoutes r = new ProbeRoutes(new PortRange(61000, 61001));
        for (int port = 1; port <= ProbeRoutes.MAX_TARGETS; port++) {
            r.learn(VIP, port, 61000, 20001);
        }
        assertEquals(20001, r.servicePort(VIP, 1, 61000));
        r.learn(VIP, 10_000, 61000, 20001);
        assertEquals(0, r.servicePort(VIP, 1, 61000));
        assertEquals(20001, r.servicePort(VIP, 10_000, 61000));
    }
}
