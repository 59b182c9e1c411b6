package io.portredirect.clientagent.negotiate;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The negative cache's states (see its Javadoc) against a fake clock. */
class NegativeCacheTest {
    static final InetAddress VIP = InetAddress.getLoopbackAddress();
    long now;

    NegativeCache cache(int capacity) {
        return new NegativeCache(Duration.ofSeconds(1), Duration.ofSeconds(30), capacity, () -> now);
    }

    void at(long millis) {
        now = TimeUnit.MILLISECONDS.toNanos(millis);
    }

    @Test
    void failedForInitialThenCooling() {
        NegativeCache c = cache(8);
        assertFalse(c.isFailed(VIP, 20001));
        assertEquals(1000, c.fail(VIP, 20001));
        at(999);
        assertTrue(c.isFailed(VIP, 20001));
        assertFalse(c.isFailed(VIP, 20002), "another server is not affected");
        at(1000);
        assertFalse(c.isFailed(VIP, 20001), "cooling: usable again");
        assertEquals(1, c.failures(VIP, 20001), "but remembered");
    }

    @Test
    void relapsesDoubleUpToMax() {
        NegativeCache c = cache(8);
        long t = 0;
        long[] expected = {1000, 2000, 4000, 8000, 16000, 30000, 30000};
        for (long want : expected) {
            at(t);
            assertEquals(want, c.fail(VIP, 20001));
            t += want;
        }
    }

    @Test
    void aFailureWhileFailedDoesNotDouble() {
        NegativeCache c = cache(8);
        c.fail(VIP, 20001);
        at(300);
        assertEquals(700, c.fail(VIP, 20001), "the probes in flight when it failed report it again");
        assertEquals(1, c.failures(VIP, 20001));
    }

    @Test
    void forgottenAfterMaxOfCoolingAndOnSuccess() {
        NegativeCache c = cache(8);
        c.fail(VIP, 20001);
        at(1000 + 30000);
        assertEquals(0, c.failures(VIP, 20001));
        assertEquals(0, c.size());
        c.fail(VIP, 20002);
        c.succeeded(VIP, 20002);
        assertFalse(c.isFailed(VIP, 20002));
        assertEquals(0, c.size());
    }

    @Test
    void boundedByEvictingTheOldest() {
        NegativeCache c = cache(2);
        c.fail(VIP, 1);
        c.fail(VIP, 2);
        c.fail(VIP, 3);
        assertEquals(2, c.size());
        assertFalse(c.isFailed(VIP, 1));
        assertTrue(c.isFailed(VIP, 2) && c.isFailed(VIP, 3));
    }

    @Test
    void disabledHoldsNothing() {
        NegativeCache c = NegativeCache.disabled();
        assertEquals(0, c.fail(VIP, 20001));
        assertFalse(c.isFailed(VIP, 20001));
    }
}
