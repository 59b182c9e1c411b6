package io.portredirect.serveragent.reply;

import java.security.SecureRandom;

/**
 * The initial sequence number of an answering SYN-ACK, derived from the SYN alone (a keyed hash
 * of addresses, ports and the client's sequence number, like a SYN cookie) so the agent keeps no
 * per-connection state. Nothing validates it later: the client resets the probe and reopens with
 * its kernel. A retransmitted SYN gets the same number.
 */
public final class SynCookie {
    private final long key;

    public SynCookie(long key) {
        this.key = key;
    }

    /** A cookie with a fresh random key. */
    public static SynCookie random() {
        return new SynCookie(new SecureRandom().nextLong());
    }

    /** The 32-bit sequence number for a SYN from {@code src:sport} to {@code dst:dport}. */
    public long value(byte[] b, int srcOff, int dstOff, int addrLen, int sport, int dport, long clientSeq) {
        long h = key;
        h = absorb(h, b, srcOff, addrLen);
        h = absorb(h, b, dstOff, addrLen);
        h = mix(h ^ (((long) sport << 16 | dport) << 32 | (clientSeq & 0xFFFFFFFFL)));
        return (h ^ (h >>> 32)) & 0xFFFFFFFFL;
    }

    private static long absorb(long h, byte[] b, int off, int len) {
        long acc = 0;
        for (int i = 0; i < len; i++) {
            acc = (acc << 8) | (b[off + i] & 0xFF);
            if ((i & 7) == 7) {
                h = mix(h ^ acc);
                acc = 0;
            }
        }
        return mix(h ^ acc ^ len);
    }

    /** splitmix64's finaliser: every input bit affects every output bit. */
    private static long mix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
