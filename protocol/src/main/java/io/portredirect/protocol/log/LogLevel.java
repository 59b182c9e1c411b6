package io.portredirect.protocol.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/** Switches debug events on from a command-line flag (the backend has no such switch in SLF4J's API). */
public final class LogLevel {
    private LogLevel() {
    }

    /** Debug (true) or info (false) for the program's own loggers; no effect without logback. */
    public static void debug(boolean on) {
        if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext) {
            ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(on ? Level.DEBUG : Level.INFO);
        }
    }
}
