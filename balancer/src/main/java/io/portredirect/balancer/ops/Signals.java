package io.portredirect.balancer.ops;

import io.portredirect.protocol.log.EventLog;

/**
 * POSIX signal handlers through {@code sun.misc.Signal} (jdk.unsupported): the JDK has no public
 * API for SIGHUP, and handling SIGTERM here instead of in a shutdown hook lets {@code run} exit 0.
 * The one place that touches the internal API.
 */
public final class Signals {
    private Signals() {
    }

    /**
     * Runs {@code action} on the JVM's signal thread when signal {@code name} (e.g. "HUP") arrives.
     * Returns false, with a logged reason, where the signal cannot be handled.
     */
    public static boolean handle(String name, Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> action.run());
            return true;
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            EventLog.warn("signal_unavailable", "name", "SIG" + name, "error", e.getMessage());
            return false;
        }
    }
}
