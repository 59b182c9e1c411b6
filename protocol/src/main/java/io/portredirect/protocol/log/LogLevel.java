package io.portredirect.protocol.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/** Switches debug events on from a command-line flag (SLF4J's API has no level setter). */
public final class LogLevel {
    private LogLevel() {
    }

    /** Debug (true) or info (false) for the program's loggers; no effect when the backend is not logback. */
    public static void debug(boolean on) {
        // compared by name: logback is optional here, and loading its classes without it would fail
        if (LoggerFactory.getILoggerFactory().getClass().getName().equals("ch.qos.logback.classic.LoggerContext")) {
            Logback.setRoot(on);
        }
    }

    /** Touches logback classes only when called. */
    private static final class Logback {
        static void setRoot(boolean debug) {
            ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(debug ? Level.DEBUG : Level.INFO);
        }
    }
}
