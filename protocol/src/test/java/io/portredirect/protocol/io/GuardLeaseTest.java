package io.portredirect.protocol.io;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The lease's bookkeeping against a fake clock and a scripted renewal (no nft). */
class GuardLeaseTest {
    private long now;
    private boolean fail;
    private int calls;

    private GuardLease lease() {
        return new GuardLease(() -> {
            calls++;
            if (fail) {
                throw new IOException("nft: No such file or directory");
            }
        }, () -> now, 1000, 0);
    }

    private void at(long millis) {
        now = TimeUnit.MILLISECONDS.toNanos(millis);
    }

    @Test
    void heldFromInstallUntilTheTimeoutWithoutRenewals() {
        GuardLease l = lease();
        at(999);
        assertTrue(l.held());
        at(1000);
        assertFalse(l.held(), "the kernel dropped the element: so must the agent's view");
    }

    @Test
    void eachRenewalExtendsFromItsStart() {
        GuardLease l = lease();
        for (int t = 250; t <= 2000; t += 250) {
            at(t);
            l.renew();
        }
        assertEquals(8, l.renewals());
        at(2999);
        assertTrue(l.held());
        at(3000);
        assertFalse(l.held());
    }

    @Test
    void failedRenewalsAreCountedAndTheLeaseRunsOut() {
        GuardLease l = lease();
        fail = true;
        at(250);
        l.renew();
        at(500);
        l.renew();
        assertEquals(2, l.failures());
        assertEquals(0, l.renewals());
        assertTrue(l.held(), "the installed element still has 500 ms");
        at(1250);
        l.renew();
        assertFalse(l.held());
        fail = false;
        at(1500);
        l.renew();
        assertTrue(l.held(), "a renewal after a lapse restores the guard");
        assertEquals(4, calls);
    }

    @Test
    void aLateRenewalMarksTheGapButRestores() {
        GuardLease l = lease();
        at(5000);
        l.renew();
        assertTrue(l.held());
        assertEquals(1, l.renewals());
    }
}
