package io.portredirect.protocol.packet;

/**
 * Internet checksum helpers (RFC 1071) and incremental update (RFC 1624), all on raw bytes.
 * Sums are kept as unfolded {@code int}s (32 bits hold 65535 16-bit words without overflow).
 */
public final class Checksum {
    private Checksum() {
    }

    /** Adds the big-endian 16-bit words of {@code [offset, offset+length)} to {@code sum}; an odd tail is padded with 0. */
    public static int add(int sum, byte[] b, int offset, int length) {
        int end = offset + length;
        int p = offset;
        // long accumulator: an IP packet has at most 32768 words, but callers chain sums
        long s = sum & 0xFFFFFFFFL;
        for (; p + 1 < end; p += 2) {
            s += ((b[p] & 0xFF) << 8) | (b[p + 1] & 0xFF);
        }
        if (p < end) {
            s += (b[p] & 0xFF) << 8;
        }
        while ((s >>> 32) != 0) {
            s = (s & 0xFFFFFFFFL) + (s >>> 32);
        }
        return (int) s;
    }

    /** Folds a 32-bit sum to 16 bits (end-around carry). */
    public static int fold(int sum) {
        long s = sum & 0xFFFFFFFFL;
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) s;
    }

    /** The checksum field value for a sum: ones' complement of the folded sum. */
    public static int finish(int sum) {
        return ~fold(sum) & 0xFFFF;
    }

    /** Checksum of a byte range, e.g. an IPv4 header with its checksum field zeroed. */
    public static int compute(byte[] b, int offset, int length) {
        return finish(add(0, b, offset, length));
    }

    /** True when a range that includes its own checksum field sums to 0xFFFF. */
    public static boolean verifies(int sum) {
        return fold(sum) == 0xFFFF;
    }

    /**
     * Sum of the TCP/UDP/ICMPv6 pseudo-header: source and destination address (4 or 16 bytes each,
     * at the given offsets), upper-layer length and protocol number.
     */
    public static int pseudoHeader(byte[] b, int srcAddrOffset, int dstAddrOffset, int addrLength, int protocol, int l4Length) {
        int s = fold(add(0, b, srcAddrOffset, addrLength));
        s = fold(add(s, b, dstAddrOffset, addrLength));
        return s + protocol + (l4Length >>> 16) + (l4Length & 0xFFFF);
    }

    /** Reads the 16-bit field at {@code offset}. */
    public static int field(byte[] b, int offset) {
        return ((b[offset] & 0xFF) << 8) | (b[offset + 1] & 0xFF);
    }

    /** Writes the 16-bit field at {@code offset}. */
    public static void putField(byte[] b, int offset, int value) {
        b[offset] = (byte) (value >>> 8);
        b[offset + 1] = (byte) value;
    }

    /**
     * RFC 1624 eqn. 3: the new checksum after one 16-bit word of the covered data changed from
     * {@code oldWord} to {@code newWord}: HC' = ~(~HC + ~m + m').
     */
    public static int update16(int checksum, int oldWord, int newWord) {
        int s = (~checksum & 0xFFFF) + (~oldWord & 0xFFFF) + (newWord & 0xFFFF);
        return ~fold(s) & 0xFFFF;
    }

    /** Incremental update for a 32-bit value (e.g. an IPv4 address) that changed. */
    public static int update32(int checksum, int oldValue, int newValue) {
        int c = update16(checksum, oldValue >>> 16, newValue >>> 16);
        return update16(c, oldValue & 0xFFFF, newValue & 0xFFFF);
    }

    /**
     * Incremental update of the checksum field at {@code checksumOffset} for {@code length} bytes
     * (even) that change from the bytes at {@code oldOffset} in {@code oldBytes} to those at
     * {@code newOffset} in {@code newBytes}. Used when rewriting an address in place: pass the old
     * address bytes (copied before the write) and the new.
     */
    public static void updateField(byte[] b, int checksumOffset, byte[] oldBytes, int oldOffset, byte[] newBytes, int newOffset, int length) {
        int c = field(b, checksumOffset);
        for (int i = 0; i < length; i += 2) {
            c = update16(c, field(oldBytes, oldOffset + i), field(newBytes, newOffset + i));
        }
        putField(b, checksumOffset, c);
    }
}
