package io.portredirect.protocol.log;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * {@code %kvMessage}: an {@link EventLog} message as is; any other message (free text from a
 * library or an older call site) as {@code event=log logger=NAME msg="..."}, so every line keeps
 * the key=value shape.
 */
public final class KeyValueMessageConverter extends ClassicConverter {
    @Override
    public String convert(ILoggingEvent event) {
        String m = event.getFormattedMessage();
        if (m != null && m.startsWith("event=")) {
            return m;
        }
        String logger = event.getLoggerName();
        StringBuilder sb = new StringBuilder(64 + (m == null ? 0 : m.length()));
        sb.append("event=log logger=").append(logger.substring(logger.lastIndexOf('.') + 1)).append(" msg=");
        KeyValues.appendValue(sb, String.valueOf(m));
        return sb.toString();
    }
}
