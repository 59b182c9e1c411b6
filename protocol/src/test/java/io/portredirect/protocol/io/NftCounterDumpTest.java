package io.portredirect.protocol.io;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The netlink request and reply layouts of the counter dump, byte for byte (the live dump runs in the balancer's NftLoadLabTest). */
class NftCounterDumpTest {
    @Test
    void requestIsAGetobjDumpFilteredByTableAndCounterType() {
        byte[] r = NftCounterDump.request(NftNetlink.NFPROTO_NETDEV, "portredirect", 7);
        ByteBuffer b = ByteBuffer.wrap(r).order(ByteOrder.nativeOrder());
        assertEquals(r.length, b.getInt(0));
        assertEquals(10 << 8 | 19, b.getShort(4) & 0xFFFF, "NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETOBJ");
        assertEquals(0x301, b.getShort(6) & 0xFFFF, "NLM_F_REQUEST | NLM_F_DUMP");
        assertEquals(7, b.getInt(8));
        assertEquals(5, r[16], "NFPROTO_NETDEV");
        assertEquals(4 + 13, b.getShort(20), "NFTA_OBJ_TABLE length: \"portredirect\\0\"");
        assertEquals(1, b.getShort(22));
        assertEquals("portredirect\0", new String(r, 24, 13, StandardCharsets.US_ASCII));
        int type = 24 + 16; // 13 bytes padded to 16
        assertEquals(8, b.getShort(type));
        assertEquals(3, b.getShort(type + 2), "NFTA_OBJ_TYPE");
        assertEquals(1, ByteBuffer.wrap(r, type + 4, 4).order(ByteOrder.BIG_ENDIAN).getInt(), "NFT_OBJECT_COUNTER, big-endian");
        assertEquals(type + 8, r.length);
    }

    @Test
    void repliesGiveNamePacketsAndBytesUntilDone() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(512).order(ByteOrder.nativeOrder());
        object(b, "fwd_s1", 42, 4200);
        object(b, "rule_return", 1L << 40, 7);
        Map<String, NftNetlink.Counter> out = new TreeMap<>();
        assertFalse(NftCounterDump.parse(ByteBuffer.wrap(b.array()), b.position(), 1, out), "no NLMSG_DONE yet");
        assertEquals(Map.of("fwd_s1", new NftNetlink.Counter(42, 4200), "rule_return", new NftNetlink.Counter(1L << 40, 7)), out);
        ByteBuffer done = ByteBuffer.allocate(20).order(ByteOrder.nativeOrder());
        done.putInt(20).putShort((short) 3).putShort((short) 2).putInt(1).putInt(0).putInt(0);
        assertTrue(NftCounterDump.parse(ByteBuffer.wrap(done.array()), 20, 1, out));
    }

    @Test
    void messagesOfAnAbandonedDumpAreSkipped() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(512).order(ByteOrder.nativeOrder());
        object(b, "stale", 1, 1); // numbered 1, as object() numbers them
        b.putInt(20).putShort((short) 3).putShort((short) 2).putInt(1).putInt(0).putInt(0); // its NLMSG_DONE
        int fresh = b.position();
        object(b, "fresh", 5, 50);
        b.putInt(fresh + 8, 2); // this dump is numbered 2
        Map<String, NftNetlink.Counter> out = new TreeMap<>();
        assertFalse(NftCounterDump.parse(ByteBuffer.wrap(b.array()), b.position(), 2, out), "the stale NLMSG_DONE does not end this dump");
        assertEquals(Map.of("fresh", new NftNetlink.Counter(5, 50)), out);
    }

    @Test
    void kernelErrorIsReported() {
        ByteBuffer e = ByteBuffer.allocate(36).order(ByteOrder.nativeOrder());
        e.putInt(36).putShort((short) 2).putShort((short) 0).putInt(1).putInt(0).putInt(-2);
        IOException x = assertThrows(IOException.class, () -> NftCounterDump.parse(ByteBuffer.wrap(e.array()), 36, 1, new TreeMap<>()));
        assertTrue(x.getMessage().contains("no such table"), x.getMessage());
    }

    /** One reply (the kernel answers a GETOBJ dump with NEWOBJ messages) as the kernel sends it (table, name, type, data {bytes, packets}). */
    private static void object(ByteBuffer b, String name, long packets, long bytes) {
        int start = b.position();
        b.putInt(0).putShort((short) (10 << 8 | 18)).putShort((short) 2).putInt(1).putInt(0); // NFT_MSG_NEWOBJ
        b.put((byte) 5).put((byte) 0).putShort((short) 0);
        attrString(b, 1, "portredirect");
        attrString(b, 2, name);
        b.putShort((short) 8).putShort((short) 3);
        b.order(ByteOrder.BIG_ENDIAN).putInt(1).order(ByteOrder.nativeOrder());
        b.putShort((short) (4 + 12 + 12)).putShort((short) (0x8000 | 4));
        b.putShort((short) 12).putShort((short) 1).order(ByteOrder.BIG_ENDIAN).putLong(bytes).order(ByteOrder.nativeOrder());
        b.putShort((short) 12).putShort((short) 2).order(ByteOrder.BIG_ENDIAN).putLong(packets).order(ByteOrder.nativeOrder());
        b.putInt(start, b.position() - start);
    }

    private static void attrString(ByteBuffer b, int type, String s) {
        byte[] v = (s + '\0').getBytes(StandardCharsets.US_ASCII);
        b.putShort((short) (4 + v.length)).putShort((short) type).put(v);
        b.position(b.position() + ((4 - (v.length & 3)) & 3));
    }
}
