package io.portredirect.clientagent.negotiate;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The receive-window test a mid-connection redirect must pass, one case per line. */
class ReceiveWindowTest {
    static final long SLACK = 1 << 20;

    @Test
    void verdicts() {
        ReceiveWindow w = new ReceiveWindow();
        assertEquals(ReceiveWindow.Verdict.NO_HANDSHAKE, w.check(1, SLACK), "no SYN-ACK seen: nothing to check against");
        w.handshake(1000);
        assertEquals(1001, w.next(), "RCV.NXT = irs + 1");
        w.received(500);
        assertEquals(1501, w.next());
        assertEquals(ReceiveWindow.Verdict.IN_WINDOW, w.check(1501, SLACK), "exactly RCV.NXT (the server agent's drain segment)");
        assertEquals(ReceiveWindow.Verdict.IN_WINDOW, w.check(1501 + SLACK, SLACK), "data the relay has not read yet");
        assertEquals(ReceiveWindow.Verdict.IN_WINDOW, w.check(1501 - 1000, SLACK), "sent before the relay read more");
        assertEquals(ReceiveWindow.Verdict.OUT_OF_WINDOW, w.check(1501 + 2 * SLACK, SLACK));
        assertEquals(ReceiveWindow.Verdict.OUT_OF_WINDOW, w.check(1501 - SLACK - 1, SLACK));
        assertEquals(ReceiveWindow.Verdict.OUT_OF_WINDOW, w.check(1501 + 0x80000000L, SLACK), "half the sequence space away");
    }

    @Test
    void wrapsAround() {
        ReceiveWindow w = new ReceiveWindow();
        w.handshake(0xFFFFFF00L);
        w.received(0x200);
        assertEquals(0x101, w.next());
        assertTrue(ReceiveWindow.inWindow(w.next(), 0xFFFFFFF0L, SLACK), "just before the wrap");
        assertTrue(ReceiveWindow.inWindow(w.next(), 0x1000, SLACK), "after the wrap");
        assertFalse(ReceiveWindow.inWindow(w.next(), 0x7FFFFFFFL, SLACK));
    }

    @Test
    void aHandshakeSeenBeforeTheFlowIsRegisteredIsPickedUp() throws Exception {
        FlowRegistry r = new FlowRegistry();
        InetAddress vip = InetAddress.getByName("198.18.53.10");
        r.handshake(40000, vip, 20001, 77);
        assertEquals(1, r.memoSize());
        FlowRegistry.Flow f = new FlowRegistry.Flow(io.portredirect.protocol.config.TransportProtocol.TCP, vip, 80, 20001);
        r.register(40000, f);
        assertEquals(78, f.window().next());
        assertEquals(0, r.memoSize());
        r.handshake(40000, vip, 20001, 99); // a later one (a reused port) updates the registered flow
        assertEquals(100, f.window().next());
        r.unregister(40000, f);
        assertEquals(0, r.size());
    }

    @Test
    void theMemoIsBounded() throws Exception {
        FlowRegistry r = new FlowRegistry();
        InetAddress vip = InetAddress.getByName("198.18.53.10");
        for (int i = 0; i < FlowRegistry.MEMO_LIMIT + 10; i++) {
            r.handshake(i & 0xFFFF, vip, 20000 + (i >> 16), i);
        }
        assertTrue(r.memoSize() <= FlowRegistry.MEMO_LIMIT);
        assertNotNull(r);
    }
}
