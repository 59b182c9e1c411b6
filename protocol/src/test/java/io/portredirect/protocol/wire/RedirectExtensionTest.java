package io.portredirect.protocol.wire;

import io.portredirect.protocol.packet.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** RedirectExtension encode/decode, one line per case: flags | port | TCP bytes | UDP bytes | names. */
class RedirectExtensionTest {
    @ParameterizedTest(name = "flags {0} port {1}")
    @CsvSource(delimiter = '|', textBlock = """
        0x01 | 0     | fd05524401     | 7f05524401     | REDIRECT
        0x02 | 8001  | fd075244021f41 | 7f075244021f41 | REDIRECT_CONFIRM
        0x01 | 8002  | fd075244011f42 | 7f075244011f42 | REDIRECT
        0x03 | 65535 | fd07524403ffff | 7f07524403ffff | 'REDIRECT|REDIRECT_CONFIRM'
        0x00 | 1     | fd075244000001 | 7f075244000001 | none
        0x80 | 0     | fd05524480     | 7f05524480     | 0x80
        0xff | 443   | fd075244ff01bb | 7f075244ff01bb | 'REDIRECT|REDIRECT_CONFIRM|0xfc'
        """)
    void encodesAndDecodes(String flagsHex, int port, String tcpHex, String udpHex, String names) {
        int flags = Integer.decode(flagsHex);
        RedirectExtension e = RedirectExtension.of(flags, port);
        assertEquals(tcpHex.length() / 2, e.encodedLength());
        byte[] tcp = new byte[e.encodedLength() + 2];
        assertEquals(e.encodedLength(), e.encodeTcp(tcp, 1));
        assertEquals(tcpHex, Bytes.hex(tcp, 1, e.encodedLength()));
        assertEquals(0, tcp[0]);
        assertEquals(0, tcp[tcp.length - 1]);
        assertEquals(tcpHex, Bytes.hex(e.toTcpOptionBytes(), 0, e.encodedLength()));
        byte[] udp = new byte[e.encodedLength()];
        e.encodeUdp(udp, 0);
        assertEquals(udpHex, Bytes.hex(udp, 0, udp.length));
        assertEquals(names, RedirectExtension.flagNames(flags));

        RedirectOptionScan scan = new RedirectOptionScan().scanTcp(tcp, 1, e.encodedLength());
        assertEquals(e, scan.toExtension());
        assertEquals((flags & RedirectWire.FLAG_REDIRECT) != 0, scan.isRedirect());
        assertEquals((flags & RedirectWire.FLAG_CONFIRM) != 0, scan.isConfirm());
        assertEquals(e, RedirectOptionScan.forUdp().scanUdpOptions(udp, 0, udp.length).toExtension());
        // a TCP scan does not take the UDP kind, nor the other way round
        assertEquals(RedirectOptionScan.Status.ABSENT, new RedirectOptionScan().scanTcp(udp, 0, udp.length).status());
        assertEquals(RedirectOptionScan.Status.ABSENT, RedirectOptionScan.forUdp().scanUdpOptions(tcp, 1, e.encodedLength()).status());
    }

    @Test
    void factories() {
        assertEquals(RedirectExtension.of(RedirectWire.FLAG_REDIRECT, 0), RedirectExtension.redirect());
        assertEquals(RedirectExtension.of(RedirectWire.FLAG_CONFIRM, 9000), RedirectExtension.confirm(9000));
        assertEquals(RedirectExtension.of(RedirectWire.FLAG_REDIRECT, 9000), RedirectExtension.redirectTo(9000));
        assertEquals(false, RedirectExtension.redirect().hasPort());
        assertEquals(true, RedirectExtension.confirm(1).hasPort());
        assertNotEquals(RedirectExtension.confirm(1), RedirectExtension.confirm(2));
        assertEquals(RedirectExtension.confirm(1).hashCode(), RedirectExtension.confirm(1).hashCode());
        assertEquals("RedirectExtension{flags=REDIRECT_CONFIRM, port=8001}", RedirectExtension.confirm(8001).toString());
    }

    @ParameterizedTest
    @CsvSource({"256, 0", "-1, 0", "1, 65536", "1, -1"})
    void rejectsOutOfRange(int flags, int port) {
        assertThrows(IllegalArgumentException.class, () -> RedirectExtension.of(flags, port));
    }
}
