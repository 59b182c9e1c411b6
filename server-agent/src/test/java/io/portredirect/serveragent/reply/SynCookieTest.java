package io.portredirect.serveragent.reply;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SynCookieTest {
    @Test
    void deterministicPerKeyAndSensitiveToEveryInput() {
        byte[] b = {(byte) 198, 18, 1, 2, (byte) 198, 18, 0, 10};
        SynCookie c = new SynCookie(7);
        long v = c.value(b, 0, 4, 4, 40000, 8000, 1234);
        assertEquals(v, new SynCookie(7).value(b, 0, 4, 4, 40000, 8000, 1234));
        assertNotEquals(v, new SynCookie(8).value(b, 0, 4, 4, 40000, 8000, 1234));
        assertNotEquals(v, c.value(b, 0, 4, 4, 40001, 8000, 1234));
        assertNotEquals(v, c.value(b, 0, 4, 4, 40000, 8001, 1234));
        assertNotEquals(v, c.value(b, 0, 4, 4, 40000, 8000, 1235));
        assertNotEquals(v, c.value(b, 4, 0, 4, 40000, 8000, 1234));
        assertTrue(v >= 0 && v <= 0xFFFFFFFFL);
        Set<Long> seen = new HashSet<>();
        for (int port = 1; port <= 10_000; port++) {
            seen.add(c.value(b, 0, 4, 4, port, 8000, 1234));
        }
        assertTrue(seen.size() > 9_990, "32-bit values barely collide over 10k flows");
    }
}
