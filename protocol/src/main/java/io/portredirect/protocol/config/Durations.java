package io.portredirect.protocol.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as every config writes them: a whole number and a unit, {@code 250ms}, {@code 1s}, {@code 2m}, {@code 1h}. */
public final class Durations {
    /** What a duration looks like, for messages. */
    public static final String FORM = "a number and a unit: 250ms, 1s, 2m or 1h";

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h)");

    private Durations() {
    }

    /** Parses {@code 250ms}, {@code 2s}, {@code 5m}, {@code 1h}; a bare number is an error (which unit?). */
    public static Duration parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        Matcher m = DURATION.matcher(t);
        if (!m.matches()) {
            if (t.matches("\\d+")) {
                throw new IllegalArgumentException("'" + text.trim() + "' has no unit; write " + FORM);
            }
            throw new IllegalArgumentException("'" + text.trim() + "' is not a duration; write " + FORM);
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    /** The shortest exact spelling: {@code 250ms}, {@code 1s}, {@code 2m}. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0s";
        }
        if (ms % 3_600_000 == 0 && ms > 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms > 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0 && ms > 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
