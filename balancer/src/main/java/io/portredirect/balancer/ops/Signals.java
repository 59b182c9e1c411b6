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
            sun.misc.Signal sig = new sun.misc.Signal(name);
            sun.misc.SignalHandler old = sun.misc.Signal.handle(sig, s -> action.run());
            if (old == sun.misc.SignalHandler.SIG_IGN) {
                // Ignored when we were started (nohup, some supervisors): the JVM then leaves the
                // signal ignored and our handler is never called, so a SIGHUP reload would be lost
                // without a word. Take it back: the handler does not end the process either.
                // Only SIGHUP: an ignored SIGINT is how a shell keeps Ctrl-C away from a background job.
                if (!"HUP".equals(name) || !Libc.defaultAction(sig.getNumber())) {
                    EventLog.warn("signal_ignored", "name", "SIG" + name, "reason", "ignored by the parent process");
                    return false;
                }
                sun.misc.Signal.handle(sig, s -> action.run());
                EventLog.info("signal_reclaimed", "name", "SIG" + name, "reason", "was ignored by the parent process (nohup?)");
            }
            return true;
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            EventLog.warn("signal_unavailable", "name", "SIG" + name, "error", e.getMessage());
            return false;
        }
    }

    /** signal(2), to reset an inherited SIG_IGN; JNA comes with pcap4j. */
    private static final class Libc {
        interface C extends com.sun.jna.Library {
            com.sun.jna.Pointer signal(int signum, com.sun.jna.Pointer handler);
        }

        static boolean defaultAction(int signum) {
            try {
                C c = com.sun.jna.Native.load("c", C.class);
                // SIG_DFL is the null handler; SIG_ERR is -1
                com.sun.jna.Pointer previous = c.signal(signum, com.sun.jna.Pointer.NULL);
                return previous == null || com.sun.jna.Pointer.nativeValue(previous) != -1;
            } catch (RuntimeException | LinkageError e) {
                return false;
            }
        }
    }
}
