package io.portredirect.serveragent.select;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SsSocketLoadReaderTest {
    @Test
    void readsAcceptQueueAndBacklogFromListenLinesAndCountsEstablished() {
        String out = """
                LISTEN 2      1        0.0.0.0:8001   0.0.0.0:*
                LISTEN 0      4096         [::]:8002      [::]:*
                ESTAB  0      0      198.18.0.10:8002 198.18.1.2:40000
                ESTAB  0      0      [::ffff:198.18.0.10]:8002 [::ffff:198.18.1.2]:40001
                SYN-RECV 0    0      198.18.0.10:8001 198.18.1.2:40002
                ESTAB  0      0      198.18.0.10:9999 198.18.1.2:40003
                """;
        SocketLoad s = SsSocketLoadReader.parse(out, List.of(8001, 8002));
        assertTrue(s.valid());
        assertTrue(s.acceptQueueFull(8001));
        assertEquals(2, s.listeners().get(8001).acceptQueue());
        assertFalse(s.acceptQueueFull(8002));
        assertTrue(s.listening(8002));
        assertEquals(2, s.establishedOn(8002));
        assertEquals(0, s.establishedOn(8001));
        assertFalse(s.listening(9999));
    }
}
