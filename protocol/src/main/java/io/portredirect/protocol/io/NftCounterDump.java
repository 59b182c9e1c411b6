package io.portredirect.protocol.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The wire layout of {@link NftNetlink#counters}: a {@code NFT_MSG_GETOBJ} dump of one table's
 * counter objects, and the replies it brings. Pure encoding, no socket.
 *
 * <pre>
 * request:  nlmsghdr (len, type = NFNL_SUBSYS_NFTABLES &lt;&lt; 8 | NFT_MSG_GETOBJ, flags = REQUEST | DUMP, seq)
 *           nfgenmsg (family, version 0, res_id 0)
 *           NFTA_OBJ_TABLE "name\0", NFTA_OBJ_TYPE be32 NFT_OBJECT_COUNTER
 * reply:    one NFT_MSG_NEWOBJ message per counter: NFTA_OBJ_NAME, NFTA_OBJ_DATA { NFTA_COUNTER_BYTES be64,
 *           NFTA_COUNTER_PACKETS be64 }; then NLMSG_DONE
 * </pre>
 * Netlink headers are in host byte order, attribute payloads in network byte order.
 */
final class NftCounterDump {
    private static final int NFT_MSG_NEWOBJ = 18;
    private static final int NFT_MSG_GETOBJ = 19;
    private static final int NFTA_OBJ_TABLE = 1;
    private static final int NFTA_OBJ_NAME = 2;
    private static final int NFTA_OBJ_TYPE = 3;
    private static final int NFTA_OBJ_DATA = 4;
    private static final int NFT_OBJECT_COUNTER = 1;
    private static final int NFTA_COUNTER_BYTES = 1;
    private static final int NFTA_COUNTER_PACKETS = 2;
    private static final int NLA_TYPE_MASK = 0x3fff;
    private static final int HEADER = Netlink.NLMSG_HDRLEN;
    private static final int NLA_HDRLEN = NftBatch.NLA_HDRLEN;

    private NftCounterDump() {
    }

    /** The dump request, numbered {@code seq}. */
    static byte[] request(int family, String table, int seq) {
        byte[] name = (table + '\0').getBytes(StandardCharsets.US_ASCII);
        int len = HEADER + 4 + Netlink.align(NLA_HDRLEN + name.length) + Netlink.align(NLA_HDRLEN + 4);
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.nativeOrder());
        b.putInt(len).putShort((short) (NftBatch.NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETOBJ))
                .putShort((short) (Netlink.NLM_F_REQUEST | Netlink.NLM_F_DUMP)).putInt(seq).putInt(0);
        b.put((byte) family).put((byte) 0).putShort((short) 0);
        b.putShort((short) (4 + name.length)).putShort((short) NFTA_OBJ_TABLE).put(name);
        b.position(b.position() + Netlink.align(name.length) - name.length);
        b.putShort((short) 8).putShort((short) NFTA_OBJ_TYPE);
        b.order(ByteOrder.BIG_ENDIAN).putInt(NFT_OBJECT_COUNTER);
        return b.array();
    }

    /**
     * Adds the counters in the first {@code n} bytes of {@code in} (native byte order) to
     * {@code out}. Messages numbered other than {@code seq} (the rest of an abandoned exchange)
     * are skipped.
     *
     * @return true at the end of the dump
     * @throws IOException the kernel answered with an error
     */
    static boolean parse(ByteBuffer in, int n, int seq, Map<String, NftNetlink.Counter> out) throws IOException {
        ByteBuffer b = in.duplicate().order(ByteOrder.nativeOrder());
        int at = 0;
        while (at + HEADER <= n) {
            int len = b.getInt(at);
            int type = b.getShort(at + 4) & 0xFFFF;
            if (len < HEADER || at + len > n) {
                throw new IOException("netlink: bad message length " + len);
            }
            if (b.getInt(at + 8) == seq) {
                if (type == Netlink.NLMSG_DONE) {
                    return true;
                }
                if (type == Netlink.NLMSG_ERROR) {
                    int errno = -b.getInt(at + HEADER);
                    if (errno != 0) {
                        throw new IOException("netlink: error " + errno + (errno == 2 ? " (no such table)" : ""));
                    }
                } else if (type == (NftBatch.NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWOBJ)) {
                    object(b, at + HEADER + 4, at + len, out);
                }
            }
            at += Netlink.align(len);
        }
        return false;
    }

    private static void object(ByteBuffer b, int from, int to, Map<String, NftNetlink.Counter> out) {
        String name = null;
        long packets = -1;
        long bytes = -1;
        for (int a = from; a + 4 <= to; ) {
            int alen = b.getShort(a) & 0xFFFF;
            int atype = b.getShort(a + 2) & NLA_TYPE_MASK;
            if (alen < 4 || a + alen > to) {
                return;
            }
            if (atype == NFTA_OBJ_NAME) {
                int end = a + 4;
                while (end < a + alen && b.get(end) != 0) {
                    end++;
                }
                byte[] s = new byte[end - a - 4];
                b.get(a + 4, s);
                name = new String(s, StandardCharsets.US_ASCII);
            } else if (atype == NFTA_OBJ_DATA) {
                for (int d = a + 4; d + 4 <= a + alen; ) {
                    int dlen = b.getShort(d) & 0xFFFF;
                    int dtype = b.getShort(d + 2) & NLA_TYPE_MASK;
                    if (dlen < 4) {
                        break;
                    }
                    if (dlen >= 12 && (dtype == NFTA_COUNTER_BYTES || dtype == NFTA_COUNTER_PACKETS)) {
                        // 64-bit attributes are padded to 8 (NFTA_COUNTER_PAD); the value is big-endian
                        long v = b.duplicate().order(ByteOrder.BIG_ENDIAN).getLong(d + 4);
                        if (dtype == NFTA_COUNTER_BYTES) {
                            bytes = v;
                        } else {
                            packets = v;
                        }
                    }
                    d += Netlink.align(dlen);
                }
            }
            a += Netlink.align(alen);
        }
        if (name != null && packets >= 0 && bytes >= 0) {
            out.put(name, new NftNetlink.Counter(packets, bytes));
        }
    }
}
