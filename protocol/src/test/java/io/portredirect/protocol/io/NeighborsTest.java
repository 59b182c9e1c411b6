package io.portredirect.protocol.io;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NeighborsTest {
    @Test
    void parsesRoutesAsIproute2PrintsThem() throws Exception {
        InetAddress d = InetAddress.getByName("198.18.0.10");
        Neighbors.NextHop via = Neighbors.parseRoute(d, "198.18.0.10 via 198.18.1.1 dev prs-c0 src 198.18.1.2 uid 0 \n    cache \n");
        assertEquals("prs-c0", via.device());
        assertEquals(InetAddress.getByName("198.18.1.1"), via.nextHop());
        assertEquals(InetAddress.getByName("198.18.1.2"), via.source());
        Neighbors.NextHop direct = Neighbors.parseRoute(d, "198.18.0.10 dev eth0 src 198.18.0.1 uid 0\n    cache");
        assertEquals(d, direct.nextHop());
        assertTrue(Neighbors.parseRoute(d, "local 198.18.0.10 dev lo src 198.18.0.10 uid 0").local());
        InetAddress v6 = InetAddress.getByName("2001:2::10");
        Neighbors.NextHop r6 = Neighbors.parseRoute(v6, "2001:2::10 from :: via 2001:2:1::1 dev c0 proto static src 2001:2:1::2 metric 1024 pref medium");
        assertEquals(InetAddress.getByName("2001:2:1::1"), r6.gateway());
        assertThrows(java.io.IOException.class, () -> Neighbors.parseRoute(d, "unreachable 198.18.0.10"));
    }

    @Test
    void parsesNeighbourEntriesAndIgnoresUnresolvedOnes() {
        assertArrayEquals(new byte[] {(byte) 0xaa, (byte) 0xbb, 0, 1, 2, 3},
                Neighbors.parseNeighbor("198.18.1.1 lladdr aa:bb:00:01:02:03 STALE\n"));
        assertNull(Neighbors.parseNeighbor("198.18.1.1 INCOMPLETE\n"));
        assertNull(Neighbors.parseNeighbor("198.18.1.1 lladdr aa:bb:00:01:02:03 FAILED\n"));
        assertNull(Neighbors.parseNeighbor(""));
    }
}
