package io.portredirect.protocol.packet;

import io.portredirect.protocol.lab.LabSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bytes: field access, hex, and address text as tshark prints it (RFC 5952 for IPv6). */
class BytesTest {
    /** Address bytes in hex | text (RFC 5952 section 4 rules and its examples). */
    static final String[][] ADDRESSES = {
        {"c612000a", "198.18.0.10"},
        {"ffffffff", "255.255.255.255"},
        {"00000000", "0.0.0.0"},
        {"20010002000000000000000000000001", "2001:2::1"},
        {"20010db8000000000000000000000001", "2001:db8::1"},
        {"20010db8000000000001000000000001", "2001:db8::1:0:0:1"},
        {"20010db8000000010001000100010001", "2001:db8:0:1:1:1:1:1"},
        {"20010db8000000000001000000000000", "2001:db8:0:0:1::"},
        {"20010db800000000000100000000000a", "2001:db8::1:0:0:a"},
        {"20010db8aaaabbbbccccddddeeeeffff", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff"},
        {"20010db8000a0000000000000000000b", "2001:db8:a::b"},
        {"00000000000000000000000000000000", "::"},
        {"00000000000000000000000000000001", "::1"},
        {"fe800000000000000000000000000000", "fe80::"},
        {"00010000000000000000000000000000", "1::"},
        {"00000001000000000000000000000000", "0:1::"},
        {"00000000000000000000ffffc6120001", "::ffff:198.18.0.1"},
        {"0000000000000000000000000000ffff", "::ffff"},
        {"20010db8000000010000000000000001", "2001:db8:0:1::1"},
        {"00000000000100000000000000000000", "0:0:1::"},
        {"ff020000000000000000000000000001", "ff02::1"},
    };

    @Test
    void formatsAddressesPerRfc5952() {
        for (String[] row : ADDRESSES) {
            byte[] b = Bytes.fromHex(row[0]);
            assertEquals(row[1], Bytes.ip(b, 0, b.length), row[0]);
            byte[] shifted = new byte[b.length + 3];
            System.arraycopy(b, 0, shifted, 3, b.length);
            assertEquals(row[1], Bytes.ip(shifted, 3, b.length), row[0] + " at an offset");
        }
        assertEquals("0102", Bytes.ip(new byte[] {1, 2}, 0, 2), "other lengths print as hex");
    }

    /** The same addresses written into a pcap and printed by tshark: our text must be tshark's. */
    @Test
    void agreesWithTshark() throws IOException, InterruptedException {
        LabSupport.assumeTool("tshark");
        List<String> ours = new ArrayList<>();
        List<byte[]> packets = new ArrayList<>();
        for (String[] row : ADDRESSES) {
            byte[] a = Bytes.fromHex(row[0]);
            if (a.length != 16) {
                continue;
            }
            byte[] p = new byte[40];
            p[0] = 0x60;
            p[6] = 59; // no next header
            p[7] = 64;
            System.arraycopy(a, 0, p, 8, 16);
            System.arraycopy(a, 0, p, 24, 16);
            packets.add(p);
            ours.add(Bytes.ip(a, 0, 16));
        }
        Path pcap = Files.createTempFile("bytes-ip", ".pcap");
        try {
            Files.write(pcap, rawPcap(packets));
            Process proc = new ProcessBuilder("tshark", "-n", "-r", pcap.toString(), "-T", "fields", "-e", "ipv6.src")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(proc.waitFor(60, TimeUnit.SECONDS), "tshark finished");
            assertEquals(String.join("\n", ours), out.strip());
        } finally {
            Files.deleteIfExists(pcap);
        }
    }

    /** A classic pcap file with LINKTYPE_RAW (101): every record a bare IP packet. */
    static byte[] rawPcap(List<byte[]> packets) {
        int size = 24;
        for (byte[] p : packets) {
            size += 16 + p.length;
        }
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocate(size).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        bb.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(101);
        for (byte[] p : packets) {
            bb.putInt(1).putInt(0).putInt(p.length).putInt(p.length).put(p);
        }
        return bb.array();
    }

    @ParameterizedTest
    @CsvSource({"'0x0a0b', 0a0b", "'0a 0b:0c', 0a0b0c", "'', ''", "'FF', ff"})
    void hexRoundTrip(String in, String out) {
        byte[] b = Bytes.fromHex(in);
        assertEquals(out == null ? "" : out, Bytes.hex(b, 0, b.length));
    }

    @Test
    void badHex() {
        assertThrows(IllegalArgumentException.class, () -> Bytes.fromHex("abc"));
        assertThrows(IllegalArgumentException.class, () -> Bytes.fromHex("zz"));
    }

    @Test
    void fieldAccess() {
        byte[] b = new byte[8];
        Bytes.put16(b, 0, 0xfffe);
        Bytes.put32(b, 2, 0xfedcba98L);
        Bytes.put8(b, 6, 0x1ff);
        assertArrayEquals(Bytes.fromHex("fffe fedcba98 ff 00"), b);
        assertEquals(0xfffe, Bytes.u16(b, 0));
        assertEquals(0xfedcba98L, Bytes.u32(b, 2));
        assertEquals(0xfedcba98, Bytes.i32(b, 2));
        assertEquals(0xff, Bytes.u8(b, 6));
        assertEquals("02:00:00:00:00:0a", Bytes.mac(TestPackets.MAC_A, 0));
        assertTrue(Bytes.equal(b, 2, Bytes.fromHex("00fedcba98"), 1, 4));
    }
}
