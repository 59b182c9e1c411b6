package io.portredirect.clientagent.negotiate;

import io.portredirect.protocol.config.TransportProtocol;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TTL and chain bookkeeping with a hand-driven clock. */
class RedirectCacheTest {
    final AtomicLong now = new AtomicLong(1_000_000_000L);
    final RedirectCache.Key key = new RedirectCache.Key(TransportProtocol.TCP, InetAddress.getLoopbackAddress(), 80);

    @Test
    void freshUntilTheTtlRunsOut() {
        RedirectCache c = new RedirectCache(Duration.ofSeconds(10), now::get);
        c.put(key, 20001, RedirectCache.Kind.NEGOTIATED, 0);
        assertEquals(20001, c.lookup(key).target());
        now.addAndGet(Duration.ofMillis(9_999).toNanos());
        assertNotNull(c.lookup(key));
        now.addAndGet(Duration.ofMillis(1).toNanos());
        assertNull(c.lookup(key), "stale exactly at the TTL");
        assertEquals(0, c.size(), "a stale entry is dropped when looked up");
    }

    @Test
    void keysAreSeparateByProtocolAndPort() {
        RedirectCache c = new RedirectCache(Duration.ofSeconds(10), now::get);
        c.put(key, 20001, RedirectCache.Kind.NEGOTIATED, 0);
        assertNull(c.lookup(new RedirectCache.Key(TransportProtocol.UDP, key.vip(), 80)));
        assertNull(c.lookup(new RedirectCache.Key(TransportProtocol.TCP, key.vip(), 81)));
    }

    @Test
    void zeroTtlCachesNothing() {
        RedirectCache c = new RedirectCache(Duration.ZERO, now::get);
        c.put(key, 20001, RedirectCache.Kind.NEGOTIATED, 0);
        assertNull(c.lookup(key));
    }

    @Test
    void putRefreshesTheTtl() {
        RedirectCache c = new RedirectCache(Duration.ofSeconds(10), now::get);
        c.put(key, 20001, RedirectCache.Kind.NEGOTIATED, 0);
        now.addAndGet(Duration.ofSeconds(8).toNanos());
        c.put(key, 20002, RedirectCache.Kind.NEGOTIATED, 0);
        now.addAndGet(Duration.ofSeconds(8).toNanos());
        assertEquals(20002, c.lookup(key).target());
    }

    @Test
    void movesAreBoundedByMaxChain() {
        RedirectCache c = new RedirectCache(Duration.ofSeconds(10), now::get);
        c.put(key, 20001, RedirectCache.Kind.NEGOTIATED, 0);
        assertTrue(c.move(key, 20002, 2));
        assertEquals(1, c.lookup(key).chain());
        assertTrue(c.move(key, 20003, 2));
        assertEquals(20003, c.lookup(key).target());
        assertFalse(c.move(key, 20004, 2), "a third move exceeds max-chain 2");
        assertNull(c.lookup(key), "the key is forgotten so the next connection probes afresh");
    }

    @Test
    void aMoveWithoutAnEntryStartsAChain() {
        RedirectCache c = new RedirectCache(Duration.ofSeconds(10), now::get);
        assertTrue(c.move(key, 20005, 1));
        assertEquals(20005, c.lookup(key).target());
        assertEquals(1, c.lookup(key).chain());
    }

    @Test
    void aNewProbeAnswerResetsTheChain() {
        RedirectCache c = new RedirectCache(Duration.ofSeconds(10), now::get);
        c.move(key, 20002, 1);
        c.put(key, 20001, RedirectCache.Kind.NEGOTIATED, 0);
        assertTrue(c.move(key, 20003, 1));
    }
}
