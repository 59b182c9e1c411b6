package io.portredirect.clientagent.host;

import io.portredirect.protocol.io.Neighbors;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Next hops over rtnetlink: the real kernel for routes (no root needed), crafted dumps for neighbours. */
class KernelNextHopsTest {
    @Test
    void loopbackIsLocalOnLo() throws Exception {
        Neighbors.NextHop h = KernelNextHops.route(InetAddress.getByName("127.0.0.1"));
        assertTrue(h.local());
        assertEquals("lo", h.device());
        assertEquals(InetAddress.getByName("127.0.0.1"), h.source());
        Neighbors.NextHop viaLookup = KernelNextHops.lookup(InetAddress.getByName("127.0.0.1"), Duration.ofMillis(100));
        assertArrayEquals(new byte[6], viaLookup.mac(), "lo: all-zero MAC");
    }

    @Test
    void theCacheIsBoundedAndServesWithoutAskingAgain() throws Exception {
        KernelNextHops n = new KernelNextHops(Duration.ofMinutes(1), 2);
        Neighbors.NextHop a = n.resolve(InetAddress.getByName("127.0.0.1"), Duration.ofMillis(100));
        assertSame(a, n.resolve(InetAddress.getByName("127.0.0.1"), Duration.ofMillis(100)));
        n.resolve(InetAddress.getByName("127.0.0.2"), Duration.ofMillis(100));
        n.resolve(InetAddress.getByName("127.0.0.3"), Duration.ofMillis(100));
        assertEquals(2, n.size());
        assertNull(n.cached(InetAddress.getByName("127.0.0.1")), "least recently used went first");
    }

    static byte[] neigh(int ifindex, int state, byte[] dst, byte[] mac) {
        int len = 16 + 12 + 4 + dst.length + (mac == null ? 0 : 4 + 8);
        ByteBuffer b = ByteBuffer.allocate(len + 16).order(ByteOrder.nativeOrder());
        b.putInt(len).putShort((short) 28).putShort((short) 2).putInt(2).putInt(0);
        b.put((byte) (dst.length == 4 ? 2 : 10)).put((byte) 0).putShort((short) 0).putInt(ifindex).putShort((short) state)
                .put((byte) 0).put((byte) 1);
        b.putShort((short) (4 + dst.length)).putShort((short) 1).put(dst);
        if (mac != null) {
            b.putShort((short) 10).putShort((short) 2).put(mac).putShort((short) 0);
        }
        b.putInt(16).putShort((short) 3).putShort((short) 2).putInt(2).putInt(0); // NLMSG_DONE
        return b.array();
    }

    @Test
    void findsTheNeighbourOnItsInterfaceOnly() throws Exception {
        byte[] dst = InetAddress.getByName("198.18.52.2").getAddress();
        byte[] mac = {2, 0, 0, 0, 0, 9};
        InetAddress a = InetAddress.getByName("198.18.52.2");
        byte[] reach = neigh(5, 0x02, dst, mac);
        assertArrayEquals(mac, KernelNextHops.parseNeighbor(a, 5, reach, reach.length));
        assertNull(KernelNextHops.parseNeighbor(a, 6, reach, reach.length), "another interface");
        byte[] failed = neigh(5, 0x20, dst, mac);
        assertNull(KernelNextHops.parseNeighbor(a, 5, failed, failed.length), "FAILED");
        byte[] incomplete = neigh(5, 0x01, dst, null);
        assertNull(KernelNextHops.parseNeighbor(a, 5, incomplete, incomplete.length), "INCOMPLETE, no lladdr");
        assertNull(KernelNextHops.parseNeighbor(InetAddress.getByName("198.18.52.3"), 5, reach, reach.length), "another address");
    }

    @Test
    void anErrorAnswerIsNoRoute() {
        ByteBuffer b = ByteBuffer.allocate(36).order(ByteOrder.nativeOrder());
        b.putInt(36).putShort((short) 2).putShort((short) 0).putInt(1).putInt(0).putInt(-101);
        IOException e = assertThrows(IOException.class,
                () -> KernelNextHops.parseRoute(InetAddress.getByName("198.18.99.1"), b.array(), 36));
        assertTrue(e.getMessage().contains("no route"), e.getMessage());
    }
}
