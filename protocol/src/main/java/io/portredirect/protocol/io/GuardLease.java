package io.portredirect.protocol.io;

import io.portredirect.protocol.log.EventLog;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Keeps an nft lease (an element with a timeout that keeps rules alive, e.g. the server agent's
 * {@code agent_alive}) renewed from a scheduler thread, off
 * the packet path, and tells what the kernel did meanwhile. Clock and renewal are injected, so the
 * bookkeeping is unit-tested without nft.
 *
 * <pre>
 *   installed (element added with the table)      -> HELD, expires at install + timeout
 *   HELD,    renew ok                              -> HELD, expires at now + timeout
 *   HELD,    renew fails, now &lt; expiry           -> HELD (event=guard_refresh_failed once per streak)
 *   HELD,    renew fails or comes late, now &ge; expiry -> LAPSED (event=guard_expired: the kernel may
 *                                                     have answered REDIRECT SYNs in the agent's place)
 *   LAPSED,  renew ok                              -> HELD (event=guard_restored, with the gap)
 * </pre>
 * A stalled agent (long GC pause, stopped process) lapses like a dead one; clients then fall back
 * for a moment, which is the point. Thread-safe for one renewing thread and any number of readers.
 */
public final class GuardLease {
    /** One renewal of the element in the kernel. */
    @FunctionalInterface
    public interface Renewal {
        void renew() throws IOException;
    }

    private final Renewal renewal;
    private final LongSupplier clock;
    private final long timeoutNanos;
    private volatile long expiresAt;
    private volatile boolean lapsed;
    private volatile long renewals;
    private volatile long failures;
    private boolean failing;

    /** @param installedAt when the table (with its element) was loaded, on {@code clock} */
    public GuardLease(Renewal renewal, LongSupplier nanoClock, long timeoutMillis, long installedAt) {
        this.renewal = renewal;
        this.clock = nanoClock;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        this.expiresAt = installedAt + timeoutNanos;
    }

    /** Renews once; call every quarter of the timeout. */
    public void renew() {
        long before = clock.getAsLong();
        boolean wasHeld = !lapsed && before - expiresAt < 0;
        if (!wasHeld && !lapsed) {
            lapse(before);
        }
        try {
            renewal.renew();
        } catch (IOException | RuntimeException e) {
            failures++;
            if (!failing) {
                failing = true;
                EventLog.info("guard_refresh_failed", "error", e.getMessage());
            }
            return;
        }
        failing = false;
        renewals++;
        // counted from before the call: the element's timeout started no later than that
        expiresAt = before + timeoutNanos;
        if (lapsed) {
            lapsed = false;
            EventLog.info("guard_restored");
        }
    }

    private void lapse(long now) {
        lapsed = true;
        EventLog.info("guard_expired", "late_ms", TimeUnit.NANOSECONDS.toMillis(now - expiresAt));
    }

    /** True while the element is in the kernel as far as the agent knows (its last renewal has not run out). */
    public boolean held() {
        return !lapsed && clock.getAsLong() - expiresAt < 0;
    }

    /** Renewals that succeeded. */
    public long renewals() {
        return renewals;
    }

    /** Renewals that failed. */
    public long failures() {
        return failures;
    }
}
