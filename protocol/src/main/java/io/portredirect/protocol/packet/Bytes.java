package io.portredirect.protocol.packet;

/** Big-endian field access on byte arrays, shared by every view. */
public final class Bytes {
    private Bytes() {
    }

    public static int u8(byte[] b, int off) {
        return b[off] & 0xFF;
    }

    public static int u16(byte[] b, int off) {
        return ((b[off] & 0xFF) << 8) | (b[off + 1] & 0xFF);
    }

    public static int i32(byte[] b, int off) {
        return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
    }

    public static long u32(byte[] b, int off) {
        return i32(b, off) & 0xFFFFFFFFL;
    }

    public static void put8(byte[] b, int off, int v) {
        b[off] = (byte) v;
    }

    public static void put16(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }

    public static void put32(byte[] b, int off, long v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    /** Lower-case hex of a range, for tools and toString. */
    public static String hex(byte[] b, int off, int len) {
        StringBuilder sb = new StringBuilder(len * 2);
        for (int i = 0; i < len; i++) {
            sb.append(Character.forDigit((b[off + i] >> 4) & 0xF, 16)).append(Character.forDigit(b[off + i] & 0xF, 16));
        }
        return sb.toString();
    }

    /** Parses hex, ignoring whitespace, colons and an optional 0x prefix. */
    public static byte[] fromHex(String s) {
        String t = s.replaceAll("(?i)0x|[\\s:]", "");
        if (t.length() % 2 != 0) {
            throw new IllegalArgumentException("odd number of hex digits");
        }
        byte[] out = new byte[t.length() / 2];
        for (int i = 0; i < out.length; i++) {
            int hi = Character.digit(t.charAt(2 * i), 16);
            int lo = Character.digit(t.charAt(2 * i + 1), 16);
            if (hi < 0 || lo < 0) {
                throw new IllegalArgumentException("not a hex digit near position " + (2 * i));
            }
            out[i] = (byte) ((hi << 4) | lo);
        }
        return out;
    }

    /** Formats a MAC address at the offset. */
    public static String mac(byte[] b, int off) {
        StringBuilder sb = new StringBuilder(17);
        for (int i = 0; i < 6; i++) {
            if (i > 0) {
                sb.append(':');
            }
            sb.append(Character.forDigit((b[off + i] >> 4) & 0xF, 16)).append(Character.forDigit(b[off + i] & 0xF, 16));
        }
        return sb.toString();
    }

    /**
     * Formats an IPv4 (4 bytes, dotted quad) or IPv6 (16 bytes) address at the offset. IPv6 follows
     * RFC 5952 as tshark and inet_ntop print it: lower-case hex without leading zeros, the longest
     * run of two or more zero groups (the first on a tie) as {@code ::}, IPv4-mapped addresses as
     * {@code ::ffff:a.b.c.d}. Any other length prints as hex.
     */
    public static String ip(byte[] b, int off, int len) {
        if (len == 4) {
            return ipv4(b, off);
        }
        if (len != 16) {
            return hex(b, off, len);
        }
        boolean mapped = u16(b, off + 10) == 0xFFFF;
        for (int i = 0; i < 10 && mapped; i++) {
            mapped = b[off + i] == 0;
        }
        if (mapped) {
            return "::ffff:" + ipv4(b, off + 12);
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int g = 0; g < 8; ) {
            if (u16(b, off + 2 * g) != 0) {
                g++;
                continue;
            }
            int s = g;
            while (g < 8 && u16(b, off + 2 * g) == 0) {
                g++;
            }
            if (g - s > bestLen) {
                bestStart = s;
                bestLen = g - s;
            }
        }
        StringBuilder sb = new StringBuilder(39);
        for (int g = 0; g < 8; g++) {
            if (g == bestStart) {
                sb.append("::");
                g += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(u16(b, off + 2 * g)));
        }
        return sb.toString();
    }

    private static String ipv4(byte[] b, int off) {
        return (b[off] & 0xFF) + "." + (b[off + 1] & 0xFF) + "." + (b[off + 2] & 0xFF) + "." + (b[off + 3] & 0xFF);
    }

    /** True when the two ranges hold the same bytes. */
    public static boolean equal(byte[] a, int aOff, byte[] b, int bOff, int len) {
        return java.util.Arrays.equals(a, aOff, aOff + len, b, bOff, bOff + len);
    }
}
