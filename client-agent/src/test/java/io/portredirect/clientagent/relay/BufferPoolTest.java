package io.portredirect.clientagent.relay;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BufferPoolTest {
    @Test
    void reusesGivenBuffersAndKeepsAtMostKeep() {
        BufferPool p = new BufferPool(1024, 2);
        ByteBuffer a = p.take();
        ByteBuffer b = p.take();
        ByteBuffer c = p.take();
        assertEquals(3, p.inUse());
        a.put((byte) 1);
        p.give(a);
        p.give(b);
        p.give(c); // beyond keep: dropped
        assertEquals(0, p.inUse());
        assertEquals(2, p.idle());
        ByteBuffer again = p.take();
        assertTrue(again == a || again == b);
        assertEquals(0, again.position(), "cleared");
        assertEquals(1024, again.capacity());
        assertEquals(3, p.allocated());
    }

    @Test
    void aTakeAfterAGiveAllocatesNothing() {
        BufferPool p = new BufferPool(64 * 1024, 4);
        ByteBuffer a = p.take();
        p.give(a);
        for (int i = 0; i < 1000; i++) {
            ByteBuffer b = p.take();
            assertSame(a, b);
            p.give(b);
        }
        assertEquals(1, p.allocated());
    }

    @Test
    void refusesBuffersAbove64KiB() {
        assertThrows(IllegalArgumentException.class, () -> new BufferPool(64 * 1024 + 1, 1));
    }
}
