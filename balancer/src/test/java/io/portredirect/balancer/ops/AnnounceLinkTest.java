package io.portredirect.balancer.ops;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The announce link follows the health, goes for good on stop, and waits the withdraw delay once. */
class AnnounceLinkTest {
    /** Records opens and closes; fails the next opens while {@code refuse} is set. */
    private static final class FakeLink implements AnnounceLink.Link {
        final List<String> calls = new ArrayList<>();
        boolean refuse;

        @Override
        public void open() throws IOException {
            if (refuse) {
                calls.add("open-failed");
                throw new IOException("errno 16 (EBUSY: another process holds it)");
            }
            calls.add("open");
        }

        @Override
        public void close() {
            calls.add("close");
        }
    }

    @Test
    void followsHealthAndStaysDownAfterStop() {
        AtomicBoolean healthy = new AtomicBoolean(true);
        FakeLink link = new FakeLink();
        AnnounceLink a = new AnnounceLink("pr-announce", Duration.ZERO, healthy::get, link);
        a.check();
        assertTrue(a.announced());
        assertEquals(List.of("open"), link.calls, "healthy: created once");
        a.check();
        assertEquals(List.of("open"), link.calls, "no change, no call");

        healthy.set(false);
        a.check();
        assertFalse(a.announced());
        assertEquals(List.of("open", "close"), link.calls, "unhealthy: removed");
        a.check();
        assertEquals(2, link.calls.size());

        healthy.set(true);
        a.check();
        assertTrue(a.announced(), "healthy again: created again");

        a.close();
        assertFalse(a.announced());
        healthy.set(true);
        a.check();
        assertEquals(List.of("open", "close", "open", "close"), link.calls, "after stop it never comes back");
    }

    @Test
    void failedRecreateIsRetried() {
        AtomicBoolean healthy = new AtomicBoolean(false);
        FakeLink link = new FakeLink();
        AnnounceLink a = new AnnounceLink("pr-announce", Duration.ZERO, healthy::get, link);
        healthy.set(true);
        link.refuse = true;
        a.check();
        a.check();
        assertFalse(a.announced());
        link.refuse = false;
        a.check();
        assertTrue(a.announced());
        assertEquals(List.of("open-failed", "open-failed", "open"), link.calls);
    }

    @Test
    void stopWaitsTheWithdrawDelayOnceCountedFromTheWithdraw() {
        AtomicBoolean healthy = new AtomicBoolean(true);
        AnnounceLink a = new AnnounceLink("pr-announce", Duration.ofMillis(200), healthy::get, new FakeLink());
        a.check();
        long t0 = System.nanoTime();
        a.close();
        long waited = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(waited >= 190, "waited " + waited + " ms");

        // the stop seen as unhealthy first: the wait still counts from that withdraw, not again in full
        AnnounceLink b = new AnnounceLink("pr-announce", Duration.ofMillis(200), healthy::get, new FakeLink());
        b.check();
        healthy.set(false);
        b.check();
        long t1 = System.nanoTime();
        b.close();
        long waited2 = (System.nanoTime() - t1) / 1_000_000;
        assertTrue(waited2 >= 150 && waited2 < 400, "waited " + waited2 + " ms");

        // withdrawn from the signal handler, then closed by the main thread: one wait, from the withdraw
        healthy.set(true);
        FakeLink fake = new FakeLink();
        AnnounceLink d = new AnnounceLink("pr-announce", Duration.ofMillis(200), healthy::get, fake);
        d.check();
        d.withdraw();
        assertFalse(d.announced());
        d.check();
        assertFalse(d.announced(), "a withdraw is for good even while healthy");
        long t3 = System.nanoTime();
        d.close();
        long waited3 = (System.nanoTime() - t3) / 1_000_000;
        assertTrue(waited3 >= 150 && waited3 < 400, "waited " + waited3 + " ms");
        assertEquals(List.of("open", "close"), fake.calls);

        // never announced: nothing to wait for
        AnnounceLink c = new AnnounceLink("pr-announce", Duration.ofSeconds(5), () -> false, new FakeLink());
        long t2 = System.nanoTime();
        c.close();
        assertTrue((System.nanoTime() - t2) / 1_000_000 < 1000);
    }

    @Test
    void namesAreInterfaceNames() {
        assertNull(AnnounceLink.badName("pr-announce"));
        assertNull(AnnounceLink.badName("a23456789012345"));
        assertEquals("longer than 15 characters", AnnounceLink.badName("a234567890123456"));
        assertEquals("empty", AnnounceLink.badName(""));
        assertEquals("only letters, digits, '_', '.' and '-'", AnnounceLink.badName("pr/announce"));
        assertEquals("only letters, digits, '_', '.' and '-'", AnnounceLink.badName("pr announce"));
    }

    @Test
    void ifreqHasTheNameThenTheFlags() {
        byte[] req = TapDevice.ifreq("pr-announce", (short) 0x1002);
        assertEquals(40, req.length);
        assertEquals("pr-announce", new String(req, 0, 11, java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(0, req[11]);
        assertEquals(0x1002, java.nio.ByteBuffer.wrap(req).order(java.nio.ByteOrder.nativeOrder()).getShort(16));
    }
}
