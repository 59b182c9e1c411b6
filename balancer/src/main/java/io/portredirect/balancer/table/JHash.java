package io.portredirect.balancer.table;

/**
 * Bit-exact port of the Linux kernel's {@code jhash()} (include/linux/jhash.h, Bob Jenkins'
 * lookup3 as modified for the kernel) and of nft's {@code jhash} expression
 * (net/netfilter/nft_hash.c), so that a replica deciding in Java and one deciding in an nft
 * ruleset put every flow on the same slot. Allocation-free; all values are u32 held in an int.
 *
 * <p>The kernel reads the key's 4-byte words with {@code get_unaligned_cpu32}, i.e. in the CPU's
 * byte order: this port reproduces little-endian hosts (x86, arm64), the only ones the dataplane
 * runs on. A big-endian kernel hashes the same key to different values.
 */
public final class JHash {
    /** The kernel's {@code JHASH_INITVAL}, added to the length and the seed to start the state. */
    public static final int INITVAL = 0xdeadbeef;

    private JHash() {
    }

    /**
     * {@code jhash(key, length, initval)}: the kernel's hash of {@code length} bytes.
     *
     * @param initval the seed (nft's {@code seed}), unsigned
     */
    public static int jhash(byte[] k, int offset, int length, int initval) {
        int a = INITVAL + length + initval;
        int b = a;
        int c = a;
        int p = offset;
        int n = length;
        // "> 12", not ">= 12": a last full block goes through the tail and the final mix
        while (n > 12) {
            a += le32(k, p);
            b += le32(k, p + 4);
            c += le32(k, p + 8);
            // __jhash_mix
            a -= c; a ^= Integer.rotateLeft(c, 4);  c += b;
            b -= a; b ^= Integer.rotateLeft(a, 6);  a += c;
            c -= b; c ^= Integer.rotateLeft(b, 8);  b += a;
            a -= c; a ^= Integer.rotateLeft(c, 16); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 19); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 4);  b += a;
            n -= 12;
            p += 12;
        }
        if (n == 0) {
            return c; // the kernel's "case 0": no final mix at all
        }
        // the tail switch adds the last 1..12 bytes little-endian, missing bytes counting as zero
        a += tail(k, p, n, 0);
        b += tail(k, p, n, 4);
        c += tail(k, p, n, 8);
        // __jhash_final
        c ^= b; c -= Integer.rotateLeft(b, 14);
        a ^= c; a -= Integer.rotateLeft(c, 11);
        b ^= a; b -= Integer.rotateLeft(a, 25);
        c ^= b; c -= Integer.rotateLeft(b, 16);
        a ^= c; a -= Integer.rotateLeft(c, 4);
        b ^= a; b -= Integer.rotateLeft(a, 14);
        c ^= b; c -= Integer.rotateLeft(b, 24);
        return c;
    }

    /** The kernel's {@code reciprocal_scale(val, n)}: {@code (u32)(((u64) val * n) >> 32)}, both unsigned. */
    public static int reciprocalScale(int val, int n) {
        return (int) (((val & 0xFFFFFFFFL) * (n & 0xFFFFFFFFL)) >>> 32);
    }

    /**
     * What nft's {@code jhash <key> mod modulus seed seed offset offset} leaves in its destination
     * register: {@code reciprocal_scale(jhash(key, len, seed), modulus) + offset}. Note that the
     * kernel scales (multiply-shift), it does not take the remainder, despite nft's "mod".
     *
     * @param key      the concatenation as it sits in nft's registers ({@link NftFlowKey})
     * @param modulus  unsigned, at least 2 (the kernel rejects 0 and 1)
     * @return a value in {@code [offset, offset + modulus)}, unsigned
     */
    public static int nft(byte[] key, int off, int len, int seed, int modulus, int offset) {
        return reciprocalScale(jhash(key, off, len, seed), modulus) + offset;
    }

    private static int le32(byte[] k, int p) {
        return (k[p] & 0xFF) | (k[p + 1] & 0xFF) << 8 | (k[p + 2] & 0xFF) << 16 | (k[p + 3] & 0xFF) << 24;
    }

    /** Bytes {@code [from, from + 4)} of the last block as a little-endian word, those at or past {@code n} zero. */
    private static int tail(byte[] k, int p, int n, int from) {
        int v = 0;
        for (int i = Math.min(n, from + 4) - 1; i >= from; i--) {
            v = v << 8 | (k[p + i] & 0xFF);
        }
        return v;
    }
}
