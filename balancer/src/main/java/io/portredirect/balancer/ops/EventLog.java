package io.portredirect.balancer.ops;

import java.io.PrintStream;
import java.time.Instant;

/**
 * Structured log: one line per event on standard error, {@code key=value} pairs after a
 * timestamp, level and event name, e.g.
 * {@code ts=2024-05-01T10:00:00.123Z level=info event=reload result=ok generation=2}.
 * Values with spaces, quotes or '=' are quoted. Never called per packet.
 */
public final class EventLog {
    private static volatile PrintStream out = System.err;
    private static volatile boolean debug;

    private EventLog() {
    }

    /** Redirects the log (tests) — the stream is used as is, one println per event. */
    public static void to(PrintStream stream) {
        out = stream;
    }

    public static void debug(boolean on) {
        debug = on;
    }

    public static void info(String event, Object... kv) {
        write("info", event, kv);
    }

    public static void warn(String event, Object... kv) {
        write("warn", event, kv);
    }

    public static void error(String event, Object... kv) {
        write("error", event, kv);
    }

    public static void debug(String event, Object... kv) {
        if (debug) {
            write("debug", event, kv);
        }
    }

    /** Formats one line (without writing it). */
    public static String format(String level, String event, Object... kv) {
        StringBuilder sb = new StringBuilder(96);
        sb.append("ts=").append(Instant.now()).append(" level=").append(level).append(" event=").append(event);
        for (int i = 0; i + 1 < kv.length; i += 2) {
            sb.append(' ').append(kv[i]).append('=');
            appendValue(sb, String.valueOf(kv[i + 1]));
        }
        if (kv.length % 2 == 1) {
            sb.append(" extra=");
            appendValue(sb, String.valueOf(kv[kv.length - 1]));
        }
        return sb.toString();
    }

    private static void write(String level, String event, Object... kv) {
        String line = format(level, event, kv);
        PrintStream o = out;
        synchronized (o) {
            o.println(line);
            o.flush();
        }
    }

    private static void appendValue(StringBuilder sb, String v) {
        boolean quote = v.isEmpty();
        for (int i = 0; i < v.length() && !quote; i++) {
            char c = v.charAt(i);
            quote = c <= ' ' || c == '"' || c == '=' || c == '\\';
        }
        if (!quote) {
            sb.append(v);
            return;
        }
        sb.append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> sb.append(c);
            }
        }
        sb.append('"');
    }
}
