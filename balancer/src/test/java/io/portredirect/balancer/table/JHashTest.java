package io.portredirect.balancer.table;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Assumptions;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link JHash} and {@link NftFlowKey} against what a real kernel computed for nft's jhash
 * expression (resources jhash/kernel-*.csv, written by testdata/lab/jhash-vectors.sh) and against
 * an independent C rendering of include/linux/jhash.h for keys of every length 0..64
 * (jhash/tail-vectors.csv, from testdata/jhash/jhash-ref.c).
 */
class JHashTest {

    /** The 5-tuple concatenation, laid out by NftFlowKey, hashes to the kernel's slot for every row. */
    @Test
    void flowKeysMatchTheKernel() throws IOException {
        List<String[]> rows = csv("jhash/kernel-vectors.csv");
        byte[] packet = new byte[32];
        byte[] key = new byte[NftFlowKey.MAX_LENGTH];
        Set<Long> moduli = new TreeSet<>();
        Set<Long> seeds = new TreeSet<>();
        int[] perFamily = new int[17];
        for (String[] r : rows) {
            int family = Integer.parseInt(r[0]);
            byte[] client = InetAddress.getByName(r[2]).getAddress(); // literals only: no DNS
            byte[] vip = InetAddress.getByName(r[4]).getAddress();
            assertEquals(family == 4 ? 4 : 16, client.length, String.join(",", r));
            System.arraycopy(client, 0, packet, 0, client.length);
            System.arraycopy(vip, 0, packet, 16, vip.length);
            int len = NftFlowKey.write(key, 0, packet, 0, 16, client.length,
                    Integer.parseInt(r[3]), Integer.parseInt(r[5]), Integer.parseInt(r[1]));
            assertEquals(family == 4 ? NftFlowKey.IPV4_LENGTH : NftFlowKey.IPV6_LENGTH, len);
            long modulus = Long.parseLong(r[6]);
            long seed = Long.decode(r[7]);
            int got = JHash.nft(key, 0, len, (int) seed, (int) modulus, Integer.parseInt(r[8]));
            assertEquals(Long.parseLong(r[9]), Integer.toUnsignedLong(got), () -> "row " + String.join(",", r));
            moduli.add(modulus);
            seeds.add(seed);
            perFamily[client.length]++;
        }
        // the file really covers what the dataplane will use: both families, 65537, several seeds
        assertTrue(perFamily[4] >= 500 && perFamily[16] >= 500, "rows per family");
        assertTrue(moduli.contains(65537L) && moduli.contains(4294967295L) && moduli.size() >= 4, moduli::toString);
        assertTrue(seeds.size() >= 4, seeds::toString);
    }

    /** Raw packet bytes of every length 1..24, 28, 32 ("jhash @th|nh,OFF,BITS"): the kernel's tail handling. */
    @Test
    void rawKeysMatchTheKernel() throws IOException {
        List<String[]> rows = csv("jhash/kernel-raw-vectors.csv");
        Set<Integer> lengths = new TreeSet<>();
        byte[] buffer = new byte[40];
        for (String[] r : rows) {
            byte[] key = HexFormat.of().parseHex(r[0]);
            // at an odd offset inside a larger buffer: offsets must be honoured, no alignment assumed
            System.arraycopy(key, 0, buffer, 3, key.length);
            int got = JHash.nft(buffer, 3, key.length, Long.decode(r[2]).intValue(),
                    (int) Long.parseLong(r[1]), Integer.parseInt(r[3]));
            assertEquals(Long.parseLong(r[4]), Integer.toUnsignedLong(got), () -> "row " + String.join(",", r));
            lengths.add(key.length);
        }
        for (int n = 1; n <= 24; n++) {
            assertTrue(lengths.contains(n), "length " + n + " covered");
        }
    }

    /** Bare jhash() for lengths 0..64 and five seeds, against the C reference (tail switch, multi-block, case 0). */
    @Test
    void jhashMatchesTheCReference() throws IOException {
        byte[] key = new byte[64];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) (i * 0x9d + 0x35); // the reference program's key
        }
        List<String[]> rows = csv("jhash/tail-vectors.csv");
        assertEquals(5 * 65, rows.size());
        for (String[] r : rows) {
            int len = Integer.parseInt(r[0]);
            int got = JHash.jhash(key, 0, len, Long.decode(r[1]).intValue());
            assertEquals(Long.decode(r[2]).longValue(), Integer.toUnsignedLong(got), () -> "row " + String.join(",", r));
        }
        // length 0: the kernel returns the initial state untouched
        assertEquals(JHash.INITVAL + 7, JHash.jhash(key, 0, 0, 7));
    }

    @Test
    void reciprocalScaleIsMultiplyShiftNotRemainder() {
        assertEquals(0, JHash.reciprocalScale(0xFFFFFFFF, 1));
        assertEquals(65536, JHash.reciprocalScale(0xFFFFFFFF, 65537));
        assertEquals(0x7FFFFFFF, JHash.reciprocalScale(0xFFFFFFFF, 0x80000000));
        assertEquals(0xFFFFFFFE, JHash.reciprocalScale(0xFFFFFFFF, 0xFFFFFFFF));
        assertEquals(3, JHash.reciprocalScale(0x80000000, 7)); // 7 / 2, where 0x80000000 % 7 would be 2
    }

    @Test
    void keyLayoutPadsEveryFieldToFourBytes() {
        byte[] packet = {(byte) 198, 18, 1, 2, (byte) 198, 19, 3, 4};
        byte[] key = new byte[24];
        key[0] = 0x55; // bytes before dstOff stay untouched
        assertEquals(20, NftFlowKey.write(key, 1, packet, 0, 4, 4, 0x1234, 443, 6));
        assertArrayEquals(HexFormat.of().parseHex("55" + "c6120102" + "12340000" + "c6130304" + "01bb0000" + "06000000" + "000000"), key);

        byte[] packet6 = new byte[32];
        packet6[0] = 0x20;
        packet6[15] = 1;
        packet6[16] = 0x20;
        packet6[31] = 2;
        byte[] key6 = new byte[NftFlowKey.MAX_LENGTH];
        assertEquals(44, NftFlowKey.write(key6, 0, packet6, 0, 16, 16, 65535, 1, 17));
        assertArrayEquals(HexFormat.of().parseHex("20" + "00".repeat(14) + "01" + "ffff0000"
                + "20" + "00".repeat(14) + "02" + "00010000" + "11000000"), key6);
    }

    /** After warm-up, hashing flows leaves the thread's allocated-bytes counter where it was. */
    @Test
    void allocatesNothing() {
        var mx = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(mx instanceof com.sun.management.ThreadMXBean, "no com.sun.management.ThreadMXBean");
        var threads = (com.sun.management.ThreadMXBean) mx;
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported(), "allocation counting unsupported");
        threads.setThreadAllocatedMemoryEnabled(true);
        byte[] packet = new byte[40];
        byte[] key = new byte[NftFlowKey.MAX_LENGTH];
        long sink = hashFlows(packet, key, 200_000);
        long allocated = Long.MAX_VALUE;
        for (int attempt = 0; attempt < 3 && allocated != 0; attempt++) {
            long a = threads.getCurrentThreadAllocatedBytes();
            long overhead = threads.getCurrentThreadAllocatedBytes() - a;
            long before = threads.getCurrentThreadAllocatedBytes();
            sink += hashFlows(packet, key, 1_000_000);
            allocated = threads.getCurrentThreadAllocatedBytes() - before - overhead;
        }
        assertEquals(0, allocated, "bytes allocated for 1,000,000 flows");
        assertTrue(sink != 0);
    }

    private static long hashFlows(byte[] packet, byte[] key, int n) {
        long sink = 0;
        for (int i = 0; i < n; i++) {
            packet[3] = (byte) i;
            packet[19] = (byte) (i >>> 8);
            int addr = (i & 1) == 0 ? 4 : 16;
            int len = NftFlowKey.write(key, 0, packet, 0, 20, addr, i & 0xFFFF, 443, 6);
            sink += JHash.nft(key, 0, len, 0x9e3779b9, 65537, 0);
        }
        return sink;
    }

    /** Rows of a CSV resource, without its '#' comment lines and its header line. */
    private static List<String[]> csv(String resource) throws IOException {
        List<String[]> rows = new ArrayList<>();
        try (InputStream in = JHashTest.class.getClassLoader().getResourceAsStream(resource)) {
            assertTrue(in != null, resource + " on the test class path");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            boolean header = true;
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                if (header) {
                    header = false;
                    continue;
                }
                rows.add(line.split(","));
            }
        }
        assertTrue(rows.size() > 100, resource + " has rows");
        return rows;
    }
}
