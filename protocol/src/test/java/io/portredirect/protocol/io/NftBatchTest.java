package io.portredirect.protocol.io;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The batch's bytes against values derived by hand from nfnetlink.h / nf_tables.h and the dump of
 * {@code nft --debug=mnl -f} (nft 1.0.6) for the same element; little-endian hosts (x86, arm64).
 */
class NftBatchTest {
    private static final HexFormat HEX = HexFormat.of();

    private static String hex(NftBatch b, int from, int to) {
        ByteBuffer buf = b.buffer();
        byte[] out = new byte[to - from];
        buf.get(from, out);
        return HEX.formatHex(out);
    }

    @Test
    void addElementWithConcatenatedKeyTimeoutAndDataHasTheKernelsLayout() throws Exception {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "expected bytes are written for a little-endian host");
        InetAddress vip = InetAddress.getByName("198.18.0.10");
        byte[] key = NftBatch.concat(NftBatch.address(vip), NftBatch.port(8080), NftBatch.hostU32(3));
        byte[] data = NftBatch.concat(NftBatch.address(vip), NftBatch.port(40001));
        NftBatch b = new NftBatch().begin(100).add("prnl_t", "m4").element(key, 1500, data).end();

        String expected =
                // batch begin: nlmsghdr len 20, type 0x10 NFNL_MSG_BATCH_BEGIN, flags 0x1 REQUEST, seq 100, pid 0
                "14000000" + "1000" + "0100" + "64000000" + "00000000"
                // nfgenmsg: family AF_UNSPEC, version 0, res_id = NFNL_SUBSYS_NFTABLES (10) big endian
                + "00" + "00" + "000a"
                // NEWSETELEM: len 96, type 10 << 8 | 12 = 0x0a0c, flags REQUEST|ACK|CREATE = 0x405, seq 101
                + "60000000" + "0c0a" + "0504" + "65000000" + "00000000"
                // nfgenmsg: family NFPROTO_INET (1)
                + "01" + "00" + "0000"
                // NFTA_SET_ELEM_LIST_TABLE (1): len 4 + "prnl_t\0" = 11, padded to 12
                + "0b00" + "0100" + "70726e6c5f7400" + "00"
                // NFTA_SET_ELEM_LIST_SET (2): len 4 + "m4\0" = 7, padded to 8
                + "0700" + "0200" + "6d3400" + "00"
                // NFTA_SET_ELEM_LIST_ELEMENTS (3 | NLA_F_NESTED): len 56
                + "3800" + "0380"
                // NFTA_LIST_ELEM (1 | nested): len 52
                + "3400" + "0180"
                // NFTA_SET_ELEM_TIMEOUT (4): u64 big endian 1500 ms
                + "0c00" + "0400" + "00000000000005dc"
                // NFTA_SET_ELEM_KEY (1 | nested) len 20 { NFTA_DATA_VALUE (1) len 16: ip daddr . tcp dport . numgen }
                + "1400" + "0180" + "1000" + "0100"
                // 198.18.0.10 | 8080 = 0x1f90 in a 4-byte slot | 3 in host order (numgen is a host-order u32)
                + "c612000a" + "1f900000" + "03000000"
                // NFTA_SET_ELEM_DATA (2 | nested) len 16 { NFTA_DATA_VALUE len 12: ip daddr . tcp dport }
                + "1000" + "0280" + "0c00" + "0100" + "c612000a" + "9c410000"
                // batch end: len 20, type 0x11, REQUEST, seq 102, res_id 10
                + "14000000" + "1100" + "0100" + "66000000" + "00000000" + "0000000a";
        assertEquals(expected, hex(b, 0, b.length()));
        assertEquals(1, b.acked(), "only the element message asks for an ack");
        assertEquals("add element inet prnl_t m4", b.describe(101));
        assertNull(b.describe(103));
    }

    @Test
    void flushHasNoElementListAndDeleteCarriesKeysOnly() {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "expected bytes are written for a little-endian host");
        NftBatch b = new NftBatch().begin(1).flush("t", "s").delete("t", "s").element(new byte[] {6}, 0, null).end();
        // flush: nlmsghdr len 36 = 16 + nfgenmsg 4 + "t\0" 8 + "s\0" 8, type 0x0a0e DELSETELEM, REQUEST|ACK, seq 2
        String flush = "24000000" + "0e0a" + "0500" + "02000000" + "00000000" + "01000000"
                + "0600" + "0100" + "7400" + "0000"
                + "0600" + "0200" + "7300" + "0000";
        assertEquals(flush, hex(b, 20, 56));
        // delete: same head (type 0x0a0e, REQUEST|ACK), then ELEMENTS { LIST_ELEM { KEY { VALUE 1 byte: tcp, padded } } }
        String delete = "38000000" + "0e0a" + "0500" + "03000000" + "00000000" + "01000000"
                + "0600" + "0100" + "7400" + "0000"
                + "0600" + "0200" + "7300" + "0000"
                + "1400" + "0380" + "1000" + "0180" + "0c00" + "0180" + "0500" + "0100" + "06000000";
        assertEquals(delete, hex(b, 56, 56 + 56));
        assertEquals("flush set inet t s", b.describe(2));
        assertEquals("delete element inet t s", b.describe(3));
    }

    @Test
    void aLongElementListIsSplitIntoMessagesTheKernelCanParse() {
        NftBatch b = new NftBatch(256).begin(1).add("t", "m");
        for (int i = 0; i < 2000; i++) {
            b.element(NftBatch.concat(new byte[16], NftBatch.port(i), NftBatch.hostU32(i)), 1000, NftBatch.concat(new byte[16], NftBatch.port(i)));
        }
        b.end();
        ByteBuffer buf = b.buffer();
        int messages = 0;
        for (int at = 0; at < buf.limit(); ) {
            int len = buf.getInt(at);
            messages++;
            if ((buf.getShort(at + 4) & 0xFFFF) == (10 << 8 | 12)) {
                int elementsLen = buf.getShort(at + 20 + 8 + 8) & 0xFFFF;
                assertEquals(len - 36, elementsLen, "the element list fills the rest of its message");
            }
            at += len;
        }
        assertEquals(b.nextSeq() - 1, messages);
        assertEquals(messages - 2, b.acked());
        assertEquals(5, messages, "2000 IPv6-sized elements (76 bytes each) need 3 messages of at most 60000 bytes, plus begin and end");
    }

    @Test
    void concatenationPadsEveryFieldToARegister() {
        assertArrayEquals(new byte[] {1, 2, 3, 4, 0x1f, (byte) 0x90, 0, 0}, NftBatch.concat(new byte[] {1, 2, 3, 4}, NftBatch.port(8080)));
    }

    @Test
    void misuseIsRefused() {
        assertThrows(IllegalStateException.class, () -> new NftBatch().add("t", "s"));
        assertThrows(IllegalArgumentException.class, () -> new NftBatch().begin(1).add("t; flush ruleset", "s"));
        assertThrows(IllegalStateException.class, () -> new NftBatch().begin(1).flush("t", "s").element(new byte[1], 0, null));
    }
}
