package io.portredirect.balancer.table;

import io.portredirect.protocol.packet.Bytes;

import java.nio.charset.StandardCharsets;

/**
 * Fixed-seed hashes for what only Java computes: the server-name hashes behind every Maglev
 * permutation, interface placeholder MACs and {@code icmp-echo: balance}. Redirect flows (rules 2
 * and 4) are placed by {@link FlowIndex}, nft's jhash. Every replica and every restart must get
 * the same values, so the seeds are constants, never random: changing one reshuffles the tables
 * (moving negotiations) or pings. The mixing steps are MurmurHash3's x64 block mix and finalizer.
 */
public final class FlowHash {
    /** Seed of the flow hash ("portredi" in ASCII). */
    public static final long FLOW_SEED = 0x706f727472656469L;
    /** Seeds of the two server-name hashes that give a server its Maglev offset and skip. */
    public static final long OFFSET_SEED = 0x6d61676c65762d6fL;
    public static final long SKIP_SEED = 0x6d61676c65762d73L;

    private static final long C1 = 0x87c37b91114253d5L;
    private static final long C2 = 0x4cf5ad432745937fL;

    private FlowHash() {
    }

    /**
     * Hash of (client address, client port, VIP, destination port D, protocol P); rule 5's echo
     * balance uses it with ports 0. Reads the addresses straight from the packet (no allocation).
     *
     * @param b          packet bytes
     * @param clientAddr offset of the client's address (4 or 16 bytes)
     * @param vipAddr    offset of the VIP
     * @param addrLength 4 or 16
     */
    public static long flow(byte[] b, int clientAddr, int vipAddr, int addrLength, int clientPort, int dstPort, int protocol) {
        long h = FLOW_SEED;
        for (int i = 0; i < addrLength; i += 4) {
            h = mix(h, Bytes.i32(b, clientAddr + i) & 0xFFFFFFFFL);
        }
        for (int i = 0; i < addrLength; i += 4) {
            h = mix(h, Bytes.i32(b, vipAddr + i) & 0xFFFFFFFFL);
        }
        h = mix(h, ((long) (clientPort & 0xFFFF) << 32) | ((long) (dstPort & 0xFFFF) << 16) | (protocol & 0xFF));
        return fmix64(h ^ addrLength);
    }

    /** Seeded hash of a server name (UTF-8). */
    public static long name(String name, long seed) {
        long h = seed;
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i++) {
            h = mix(h, b[i] & 0xFFL | ((long) i << 8));
        }
        return fmix64(h ^ b.length);
    }

    /** Maps a hash uniformly onto {@code [0, size)} without division (Lemire's multiply-shift). */
    public static int index(long hash, int size) {
        return (int) (((hash >>> 32) * size) >>> 32);
    }

    private static long mix(long h, long v) {
        long k = v * C1;
        k = Long.rotateLeft(k, 31) * C2;
        h ^= k;
        return Long.rotateLeft(h, 27) * 5 + 0x52dce729;
    }

    private static long fmix64(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }
}
