package io.portredirect.protocol.wire;

/**
 * Walks the option list of a UDP surplus area (RFC 9868 section 8), starting after the OCS:
 * EOL ends the list, NOP is one byte, every other kind has a length byte; length 255 announces a
 * 16-bit extended length that follows, and the option's data then starts 4 bytes after its kind
 * (the visitor is told the header length). Never reads outside the area and never throws.
 */
public final class UdpOptionWalker {
    private UdpOptionWalker() {
    }

    /** @return null when well formed (or the visitor stopped), else why not */
    public static MalformedReason walk(byte[] b, int offset, int length, OptionVisitor visitor) {
        int end = offset + length;
        int p = offset;
        while (p < end) {
            int kind = b[p] & 0xFF;
            if (kind == RedirectWire.UDP_EOL) {
                visitor.option(b, p, kind, 1, 1);
                return null;
            }
            if (kind == RedirectWire.UDP_NOP) {
                if (!visitor.option(b, p, kind, 1, 1)) {
                    return null;
                }
                p++;
                continue;
            }
            if (p + 1 >= end) {
                return MalformedReason.TRUNCATED_OPTION;
            }
            int len = b[p + 1] & 0xFF;
            int header = RedirectWire.OPTION_HEADER_LENGTH;
            if (len == RedirectWire.UDP_EXTENDED_LENGTH) {
                header = RedirectWire.UDP_EXTENDED_HEADER_LENGTH;
                if (p + 3 >= end) {
                    return MalformedReason.TRUNCATED_OPTION;
                }
                len = ((b[p + 2] & 0xFF) << 8) | (b[p + 3] & 0xFF);
                if (len < RedirectWire.UDP_EXTENDED_HEADER_LENGTH) {
                    return MalformedReason.OPTION_LENGTH_TOO_SMALL;
                }
            } else if (len < 2) {
                return MalformedReason.OPTION_LENGTH_TOO_SMALL;
            }
            if (p + len > end) {
                return MalformedReason.OPTION_PAST_END;
            }
            if (!visitor.option(b, p, kind, len, header)) {
                return null;
            }
            p += len;
        }
        return null;
    }

    /** A short name for a UDP option kind (RFC 9868 registry). */
    public static String kindName(int kind) {
        return switch (kind) {
            case RedirectWire.UDP_EOL -> "EOL";
            case RedirectWire.UDP_NOP -> "NOP";
            case 2 -> "APC";
            case 3 -> "FRAG";
            case 4 -> "MDS";
            case 5 -> "MRDS";
            case 6 -> "REQ";
            case 7 -> "RES";
            case 8 -> "TIME";
            case 9 -> "AUTH";
            case RedirectWire.UDP_OPTION_KIND -> "EXP";
            case 192 -> "UCMP";
            case RedirectWire.UDP_EXPERIMENT_UNSAFE -> "UEXP";
            default -> "kind" + kind;
        };
    }
}
