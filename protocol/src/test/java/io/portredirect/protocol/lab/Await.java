package io.portredirect.protocol.lab;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The one deadline loop of the tests: polls a condition until it holds or the time is up. The
 * condition is checked once more at the deadline, so a slow last poll does not turn a pass into a
 * failure.
 */
public final class Await {
    private Await() {
    }

    /**
     * Polls {@code condition} every {@code poll} until it holds; after {@code timeout} throws an
     * {@link AssertionError} with {@code failureMessage} (computed then, so it can show the state
     * at the deadline).
     */
    public static void until(Duration timeout, Duration poll, BooleanSupplier condition, Supplier<String> failureMessage)
            throws InterruptedException {
        if (!holdsWithin(timeout, poll, condition)) {
            throw new AssertionError(failureMessage.get());
        }
    }

    /** Polls {@code condition} every {@code poll} for at most {@code timeout}; whether it came to hold. */
    public static boolean holdsWithin(Duration timeout, Duration poll, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(poll.toMillis());
        }
        return condition.getAsBoolean();
    }
}
