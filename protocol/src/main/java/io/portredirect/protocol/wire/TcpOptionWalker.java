package io.portredirect.protocol.wire;

/**
 * Walks a TCP option area (RFC 9293 section 3.1): EOL ends the list, NOP is one byte, every other
 * kind carries a length byte covering kind and length. Bounds are checked at every step; a walk
 * never reads outside {@code [offset, offset + length)} and never throws on bad bytes.
 */
public final class TcpOptionWalker {
    private TcpOptionWalker() {
    }

    /**
     * Walks the options and hands each to the visitor.
     *
     * @return null when the area is well formed (or the visitor stopped early), else why not
     */
    public static MalformedReason walk(byte[] b, int offset, int length, OptionVisitor visitor) {
        int end = offset + length;
        int p = offset;
        while (p < end) {
            int kind = b[p] & 0xFF;
            if (kind == RedirectWire.TCP_EOL) {
                visitor.option(b, p, kind, 1);
                return null;
            }
            if (kind == RedirectWire.TCP_NOP) {
                if (!visitor.option(b, p, kind, 1)) {
                    return null;
                }
                p++;
                continue;
            }
            if (p + 1 >= end) {
                return MalformedReason.TRUNCATED_OPTION;
            }
            int len = b[p + 1] & 0xFF;
            if (len < 2) {
                return MalformedReason.OPTION_LENGTH_TOO_SMALL;
            }
            if (p + len > end) {
                return MalformedReason.OPTION_PAST_END;
            }
            int expected = expectedLength(kind);
            if (expected > 0 && len != expected) {
                return MalformedReason.BAD_KNOWN_OPTION_LENGTH;
            }
            if (kind == RedirectWire.TCP_SACK && (len - 2) % 8 != 0) {
                return MalformedReason.BAD_KNOWN_OPTION_LENGTH;
            }
            if (!visitor.option(b, p, kind, len)) {
                return null;
            }
            p += len;
        }
        return null;
    }

    /** Fixed length of a well-known option kind, or 0 when variable or unknown. */
    public static int expectedLength(int kind) {
        return switch (kind) {
            case RedirectWire.TCP_MSS -> 4;
            case RedirectWire.TCP_WINDOW_SCALE -> 3;
            case RedirectWire.TCP_SACK_PERMITTED -> 2;
            case RedirectWire.TCP_TIMESTAMPS -> 10;
            default -> 0;
        };
    }

    /** A short name for an option kind, as tools print it. */
    public static String kindName(int kind) {
        return switch (kind) {
            case RedirectWire.TCP_EOL -> "EOL";
            case RedirectWire.TCP_NOP -> "NOP";
            case RedirectWire.TCP_MSS -> "MSS";
            case RedirectWire.TCP_WINDOW_SCALE -> "WS";
            case RedirectWire.TCP_SACK_PERMITTED -> "SACK_PERM";
            case RedirectWire.TCP_SACK -> "SACK";
            case RedirectWire.TCP_TIMESTAMPS -> "TS";
            case RedirectWire.TCP_OPTION_KIND -> "EXP1";
            case RedirectWire.TCP_EXPERIMENT_2 -> "EXP2";
            default -> "kind" + kind;
        };
    }
}
