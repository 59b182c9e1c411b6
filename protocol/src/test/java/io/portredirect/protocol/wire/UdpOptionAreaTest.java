package io.portredirect.protocol.wire;

import io.portredirect.protocol.packet.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * UdpOptionArea over a table of UDP datagrams, one line each: the UDP header + user data in hex |
 * the surplus area in hex ("ocs" is replaced by the correct option checksum) | the scan.
 */
class UdpOptionAreaTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
        no surplus                       | 9c40 0035 000c 0000 01020304 | -                                | absent
        REDIRECT, even length            | 9c40 0035 000c 0000 01020304 | ocs 7f 05 5244 01                | REDIRECT
        CONFIRM + port                   | 9c40 0035 000c 0000 01020304 | ocs 7f 07 5244 02 1f41           | REDIRECT_CONFIRM port=8001
        odd UDP length, pad then OCS     | 9c40 0035 000b 0000 010203   | 00 ocs 7f 07 5244 02 1f41        | REDIRECT_CONFIRM port=8001
        NOPs and EOL around the option   | 9c40 0035 0008 0000          | ocs 01 01 7f 05 5244 01 00 00    | REDIRECT
        OCS zero means not computed      | 9c40 0035 000c 0000 01020304 | 0000 7f 05 5244 01               | REDIRECT
        OCS wrong                        | 9c40 0035 000c 0000 01020304 | 1234 7f 05 5244 01               | malformed (UDP option checksum mismatch)
        surplus of one byte              | 9c40 0035 000c 0000 01020304 | 7f                               | malformed (surplus area too short for the option checksum)
        odd length, pad only             | 9c40 0035 000b 0000 010203   | 00                               | malformed (surplus area too short for the option checksum)
        OCS only                         | 9c40 0035 000c 0000 01020304 | ocs                              | absent
        other EXP experiment             | 9c40 0035 000c 0000 01020304 | ocs 7f 06 1234 aabb              | absent
        extended length, REDIRECT        | 9c40 0035 000c 0000 01020304 | ocs 7f ff 0007 5244 01           | REDIRECT
        extended length, CONFIRM + port  | 9c40 0035 000c 0000 01020304 | ocs 7f ff 0009 5244 02 1f41      | REDIRECT_CONFIRM port=8001
        extended length after NOPs       | 9c40 0035 0008 0000          | ocs 01 01 7f ff 0009 5244 01 1f93 00 | REDIRECT port=8083
        extended length, data 4          | 9c40 0035 000c 0000 01020304 | ocs 7f ff 0008 5244 01 02        | malformed (redirect option length not 5 or 7)
        extended length, ExID only       | 9c40 0035 000c 0000 01020304 | ocs 7f ff 0006 5244              | malformed (redirect option length not 5 or 7)
        extended length, data 6          | 9c40 0035 000c 0000 01020304 | ocs 7f ff 000a 5244 02 1f41 00   | malformed (redirect option length not 5 or 7)
        extended length, port 0          | 9c40 0035 000c 0000 01020304 | ocs 7f ff 0009 5244 02 0000      | malformed (redirect option port 0)
        extended length, other ExID      | 9c40 0035 000c 0000 01020304 | ocs 7f ff 0007 1234 01           | absent
        extended length, no data         | 9c40 0035 000c 0000 01020304 | ocs 7f ff 0004                   | absent
        extended length, one data byte   | 9c40 0035 000c 0000 01020304 | ocs 7f ff 0005 52                | absent
        compact and extended duplicate   | 9c40 0035 0008 0000          | ocs 7f 05 5244 01 7f ff 0007 5244 02 | malformed (more than one redirect option)
        port 0                           | 9c40 0035 000c 0000 01020304 | ocs 7f 07 5244 02 0000           | malformed (redirect option port 0)
        option runs past the end         | 9c40 0035 000c 0000 01020304 | ocs 7f 07 5244 02                | malformed (option runs past the end of the option area)
        duplicate                        | 9c40 0035 0008 0000          | ocs 7f 05 5244 01 01 7f 05 5244 02 | malformed (more than one redirect option)
        TCP kind 253 is not the UDP kind | 9c40 0035 000c 0000 01020304 | ocs fd 05 5244 01                | absent
        """)
    void scans(String name, String udp, String surplus, String expected) {
        byte[] head = Bytes.fromHex(udp);
        byte[] tail = surplus == null ? new byte[0] : Bytes.fromHex(surplus.replace("ocs", "0000"));
        byte[] b = new byte[head.length + tail.length];
        System.arraycopy(head, 0, b, 0, head.length);
        System.arraycopy(tail, 0, b, head.length, tail.length);
        int udpLength = Bytes.u16(b, 4);
        if (surplus != null && surplus.contains("ocs")) {
            int ocs = UdpOptionArea.ocsOffset(0, udpLength);
            Bytes.put16(b, ocs, UdpOptionArea.computeOcs(b, ocs, b.length));
        }
        assertEquals(expected, UdpOptionArea.scan(b, 0, udpLength, b.length, RedirectOptionScan.forUdp()).toString(), name);
    }

    @ParameterizedTest(name = "udp length {0}, {1}")
    @CsvSource(delimiter = '|', textBlock = """
        12 | REDIRECT           | 7
        12 | CONFIRM 8001       | 9
        11 | REDIRECT           | 8
        11 | CONFIRM 8001       | 10
        8  | REDIRECT 65535     | 9
        """)
    void writeThenScan(int udpLength, String ext, int surplusLength) {
        RedirectExtension e = ext.startsWith("CONFIRM") ? RedirectExtension.confirm(Integer.parseInt(ext.split(" ")[1]))
                : ext.contains(" ") ? RedirectExtension.redirectTo(Integer.parseInt(ext.split(" ")[1])) : RedirectExtension.redirect();
        byte[] b = new byte[3 + udpLength + surplusLength + 5];
        java.util.Arrays.fill(b, (byte) 0x77);
        int udp = 3;
        assertEquals(surplusLength, UdpOptionArea.encodedLength(udpLength, e));
        assertEquals(surplusLength, UdpOptionArea.write(b, udp, udpLength, e));
        int end = udp + udpLength + surplusLength;
        if ((udpLength & 1) != 0) {
            assertEquals(0, b[udp + udpLength], "pad byte before the OCS");
        }
        assertEquals(true, UdpOptionArea.ocsValid(b, UdpOptionArea.ocsOffset(udp, udpLength), end));
        RedirectOptionScan scan = UdpOptionArea.scan(b, udp, udpLength, end, RedirectOptionScan.forUdp());
        assertEquals(e, scan.toExtension());
        assertEquals(0x77, b[end] & 0xFF, "nothing written past the area");
    }

    @Test
    void ocsCoversTheAreaLength() {
        // the same option bytes with one more trailing NOP: the OCS must differ, and only verify for its own length
        byte[] a = Bytes.fromHex("0000 7f 05 5244 01 01");
        int ocs5 = UdpOptionArea.computeOcs(a, 0, a.length - 1);
        int ocs6 = UdpOptionArea.computeOcs(a, 0, a.length);
        Bytes.put16(a, 0, ocs6);
        assertEquals(true, UdpOptionArea.ocsValid(a, 0, a.length));
        assertEquals(false, UdpOptionArea.ocsValid(a, 0, a.length - 1));
        assertEquals(false, ocs5 == ocs6);
    }

    @Test
    void extendedFormReportsWhereTheOptionIs() {
        byte[] area = Bytes.fromHex("01 7f ff 0009 5244 02 1f41");
        RedirectOptionScan scan = RedirectOptionScan.forUdp().scanUdpOptions(area, 0, area.length);
        assertEquals(RedirectExtension.confirm(8001), scan.toExtension());
        assertEquals(1, scan.optionOffset());
        assertEquals(9, scan.optionLength());
        assertEquals(RedirectWire.UDP_EXTENDED_HEADER_LENGTH, scan.optionHeaderLength());
        byte[] compact = Bytes.fromHex("7f 07 5244 02 1f41");
        scan.scanUdpOptions(compact, 0, compact.length);
        assertEquals(RedirectWire.OPTION_HEADER_LENGTH, scan.optionHeaderLength());
    }

    @Test
    void udpWalkerHandlesExtendedLength() {
        byte[] area = Bytes.fromHex("01 7f ff 0008 5244 0102 00");
        List<String> seen = new ArrayList<>();
        MalformedReason why = UdpOptionWalker.walk(area, 0, area.length, (b, off, kind, len) -> {
            seen.add(UdpOptionWalker.kindName(kind) + "/" + len);
            return true;
        });
        assertEquals(null, why);
        assertEquals(List.of("NOP/1", "EXP/8", "EOL/1"), seen);
        List<Integer> headers = new ArrayList<>();
        byte[] mixed = Bytes.fromHex("01 7f ff 0008 5244 0102 7f 04 1234 00");
        UdpOptionWalker.walk(mixed, 0, mixed.length, new OptionVisitor() {
            @Override
            public boolean option(byte[] b, int off, int kind, int len) {
                throw new AssertionError("the UDP walker tells the header length");
            }

            @Override
            public boolean option(byte[] b, int off, int kind, int len, int headerLength) {
                headers.add(headerLength);
                return true;
            }
        });
        assertEquals(List.of(1, 4, 2, 1), headers, "NOP, extended, compact, EOL");
        byte[] shortExt = Bytes.fromHex("7f ff 0003 00");
        assertEquals(MalformedReason.OPTION_LENGTH_TOO_SMALL, UdpOptionWalker.walk(shortExt, 0, shortExt.length, (b, o, k, l) -> true));
        byte[] cut = Bytes.fromHex("7f ff 00");
        assertEquals(MalformedReason.TRUNCATED_OPTION, UdpOptionWalker.walk(cut, 0, cut.length, (b, o, k, l) -> true));
    }
}
