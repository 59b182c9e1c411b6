package io.portredirect.protocol.log;

/**
 * The message of an event line: {@code event=NAME key=value ...}. Values with spaces, quotes,
 * backslashes or '=' are quoted and escaped, so a line splits on spaces outside quotes.
 */
public final class KeyValues {
    private KeyValues() {
    }

    /** {@code event=NAME} then the pairs of {@code kv} (name, value, ...); an odd last item becomes {@code extra=}. */
    public static String message(String event, Object... kv) {
        StringBuilder sb = new StringBuilder(96);
        sb.append("event=").append(event);
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

    /** Appends {@code v}, quoted when it would not read back as one value. */
    public static void appendValue(StringBuilder sb, String v) {
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
