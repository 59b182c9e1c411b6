package io.portredirect.protocol.log;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Structured events through SLF4J, e.g. {@code EventLog.info("reload", "result", "ok")} gives
 * {@code ts=2024-05-01T10:00:00.123Z level=info event=reload result=ok}. Never called per packet.
 */
public final class EventLog {
    private static final Logger LOG = LoggerFactory.getLogger("portredirect");

    private EventLog() {
    }

    public static void info(String event, Object... kv) {
        if (LOG.isInfoEnabled()) {
            LOG.info(KeyValues.message(event, kv));
        }
    }

    /** An event whose pairs are already written as {@code key=value ...} (a component's own summary). */
    public static void infoPairs(String event, String pairs) {
        if (LOG.isInfoEnabled()) {
            LOG.info(pairs.isEmpty() ? "event=" + event : "event=" + event + " " + pairs);
        }
    }

    public static void warn(String event, Object... kv) {
        if (LOG.isWarnEnabled()) {
            LOG.warn(KeyValues.message(event, kv));
        }
    }

    public static void error(String event, Object... kv) {
        if (LOG.isErrorEnabled()) {
            LOG.error(KeyValues.message(event, kv));
        }
    }

    public static void debug(String event, Object... kv) {
        if (LOG.isDebugEnabled()) {
            LOG.debug(KeyValues.message(event, kv));
        }
    }
}
