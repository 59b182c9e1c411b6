package io.portredirect.protocol.log;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

import java.util.Locale;

/** {@code %lowerLevel}: the level as the event lines write it ({@code level=info}). */
public final class LowerCaseLevelConverter extends ClassicConverter {
    @Override
    public String convert(ILoggingEvent event) {
        return event.getLevel().toString().toLowerCase(Locale.ROOT);
    }
}
