package io.portredirect.protocol.packet;

import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RFC 1071 sums and RFC 1624 incremental updates: published vectors, then properties against full recomputation. */
class ChecksumTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        RFC 1071 section 3 example        | 0001 f203 f4f5 f6f7                                  | 220d
        IPv4 header (checksum zeroed)     | 4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7    | b861
        odd tail padded with zero         | 0102 03                                              | fbfd
        all zero                          | 0000 0000                                            | ffff
        all ones                          | ffff ffff                                            | 0000
        """)
    void compute(String name, String hex, String expected) {
        byte[] b = Bytes.fromHex(hex);
        assertEquals(Integer.parseInt(expected, 16), Checksum.compute(b, 0, b.length), name);
    }

    @ParameterizedTest(name = "HC={0} m={1} m'={2}")
    @CsvSource({
        // RFC 1624 section 4: eqn. 3 gives 0x0000 where the faulty eqn. 2 gave 0xFFFF
        "dd2f, 5555, 3285, 0000",
        "b861, c0a8, c0a9, b860",
        "0000, 0000, 0000, 0000",
        "1234, abcd, abcd, 1234",
    })
    void update16(String hc, String m, String m2, String expected) {
        assertEquals(Integer.parseInt(expected, 16),
                Checksum.update16(Integer.parseInt(hc, 16), Integer.parseInt(m, 16), Integer.parseInt(m2, 16)));
    }

    @Test
    void verifiesAHeaderThatCarriesItsChecksum() {
        byte[] h = Bytes.fromHex("4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7");
        assertTrue(Checksum.verifies(Checksum.add(0, h, 0, h.length)));
        h[3] ^= 1;
        assertEquals(false, Checksum.verifies(Checksum.add(0, h, 0, h.length)));
    }

    @Test
    void pseudoHeaderSumsAddressesProtocolAndLength() {
        byte[] b = Bytes.fromHex("c6120001 c612000a");
        // 0xc612 + 0x0001 + 0xc612 + 0x000a + 6 + 20
        int expected = Checksum.fold(0xc612 + 0x0001 + 0xc612 + 0x000a) + 6 + 20;
        assertEquals(expected, Checksum.pseudoHeader(b, 0, 4, 4, 6, 20));
        // a length above 65535 (IPv6 jumbogram) folds both halves in
        assertEquals(Checksum.fold(0xc612 + 0x0001 + 0xc612 + 0x000a) + 6 + 1 + 0x0002, Checksum.pseudoHeader(b, 0, 4, 4, 6, 0x10002));
    }

    @Test
    void longRangesDoNotOverflow() {
        byte[] b = new byte[70000];
        java.util.Arrays.fill(b, (byte) 0xff);
        assertEquals(0, Checksum.compute(b, 0, b.length));
        b[1] = (byte) 0xfe;
        assertEquals(1, Checksum.compute(b, 0, b.length));
    }

    /** Ones' complement has two zeros; an incremental update may land on the other one only when the data sums to zero. */
    private static boolean allZero(byte[] b, int n) {
        for (int i = 0; i < n; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    @Property(tries = 2000)
    void update16EqualsFullRecompute(@ForAll @Size(min = 2, max = 120) byte[] data, @ForAll @IntRange(min = 0, max = 0xFFFF) int newWord,
                                     @ForAll @IntRange(min = 0, max = 1000) int where) {
        int n = data.length & ~1;
        int w = (where % (n / 2)) * 2;
        int before = Checksum.compute(data, 0, n);
        int oldWord = Bytes.u16(data, w);
        Bytes.put16(data, w, newWord);
        Assume.that(!allZero(data, n));
        assertEquals(Checksum.compute(data, 0, n), Checksum.update16(before, oldWord, newWord));
    }

    @Property(tries = 2000)
    void update32EqualsFullRecompute(@ForAll @Size(min = 8, max = 120) byte[] data, @ForAll int newValue,
                                     @ForAll @IntRange(min = 0, max = 1000) int where) {
        int n = data.length & ~1;
        int w = (where % (n / 2 - 1)) * 2;
        int before = Checksum.compute(data, 0, n);
        int oldValue = Bytes.i32(data, w);
        Bytes.put32(data, w, newValue & 0xFFFFFFFFL);
        Assume.that(!allZero(data, n));
        assertEquals(Checksum.compute(data, 0, n), Checksum.update32(before, oldValue, newValue));
    }

    /** A checksum field stored inside the data (as in IP/TCP) stays valid after an address rewrite via updateField. */
    @Property(tries = 2000)
    void updateFieldKeepsAnEmbeddedChecksumValid(@ForAll @Size(min = 40, max = 200) byte[] data, @ForAll @Size(16) byte[] newAddress) {
        data = java.util.Arrays.copyOf(data, data.length & ~1);
        int csumAt = 2;
        int addrAt = 8;
        Bytes.put16(data, csumAt, 0);
        Bytes.put16(data, csumAt, Checksum.compute(data, 0, data.length));
        Assume.that(Checksum.field(data, csumAt) != 0xFFFF); // only an all-zero range has this checksum
        byte[] old = java.util.Arrays.copyOfRange(data, addrAt, addrAt + 16);
        System.arraycopy(newAddress, 0, data, addrAt, 16);
        Checksum.updateField(data, csumAt, old, 0, newAddress, 0, 16);
        assertTrue(Checksum.verifies(Checksum.add(0, data, 0, data.length)));
        int incremental = Checksum.field(data, csumAt);
        Bytes.put16(data, csumAt, 0);
        assertEquals(Checksum.compute(data, 0, data.length), incremental);
    }
}
