package io.portredirect.balancer.nft;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads the named counters of one nftables table straight from the kernel: one
 * {@code NFT_MSG_GETOBJ} dump over a netfilter netlink socket, filtered by the kernel to the table
 * and to counter objects. Microseconds, whatever the size of the table's maps; {@code nft list
 * counters} instead fetches the whole ruleset first (about half a second with 64K-slot maps).
 *
 * <pre>
 * request:  nlmsghdr (len, type = NFNL_SUBSYS_NFTABLES &lt;&lt; 8 | NFT_MSG_GETOBJ, flags = REQUEST | DUMP)
 *           nfgenmsg (family, version 0, res_id 0)
 *           NFTA_OBJ_TABLE "name\0", NFTA_OBJ_TYPE be32 NFT_OBJECT_COUNTER
 * reply:    one NFT_MSG_NEWOBJ message per counter: NFTA_OBJ_NAME, NFTA_OBJ_DATA { NFTA_COUNTER_BYTES be64,
 *           NFTA_COUNTER_PACKETS be64 }; then NLMSG_DONE
 * </pre>
 * Netlink headers are in host byte order, attribute payloads in network byte order.
 */
public final class NftObjectDump {
    /** Address families of nfgenmsg (linux/netfilter.h). */
    public static final int NFPROTO_NETDEV = 5;

    private static final int AF_NETLINK = 16;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int NETLINK_NETFILTER = 12;
    private static final int NFNL_SUBSYS_NFTABLES = 10;
    private static final int NFT_MSG_NEWOBJ = 18;
    private static final int NFT_MSG_GETOBJ = 19;
    private static final int NLM_F_REQUEST = 0x1;
    private static final int NLM_F_DUMP = 0x300;
    private static final int NLMSG_ERROR = 2;
    private static final int NLMSG_DONE = 3;
    private static final int NFTA_OBJ_TABLE = 1;
    private static final int NFTA_OBJ_NAME = 2;
    private static final int NFTA_OBJ_TYPE = 3;
    private static final int NFTA_OBJ_DATA = 4;
    private static final int NFT_OBJECT_COUNTER = 1;
    private static final int NFTA_COUNTER_BYTES = 1;
    private static final int NFTA_COUNTER_PACKETS = 2;
    private static final int NLA_TYPE_MASK = 0x3fff;
    private static final int HEADER = 16;
    private static final int RECEIVE_BUFFER = 1 << 16;

    interface LibC extends Library {
        int socket(int domain, int type, int protocol) throws LastErrorException;

        NativeLong send(int fd, byte[] buf, NativeLong len, int flags) throws LastErrorException;

        NativeLong recv(int fd, byte[] buf, NativeLong len, int flags) throws LastErrorException;

        int close(int fd);
    }

    private static final class Holder {
        static final LibC C = Native.load("c", LibC.class);
    }

    private NftObjectDump() {
    }

    /**
     * Packets and bytes of every named counter of {@code table}, by name.
     *
     * @throws IOException the table does not exist (ENOENT), or the socket cannot be used
     */
    public static Map<String, NftCounters.Value> counters(int family, String table) throws IOException {
        LibC c = Holder.C;
        int fd;
        try {
            fd = c.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
        } catch (LastErrorException e) {
            throw new IOException("netlink socket: " + e.getMessage(), e);
        }
        try {
            byte[] req = request(family, table, 1);
            c.send(fd, req, new NativeLong(req.length), 0);
            Map<String, NftCounters.Value> out = new TreeMap<>();
            byte[] buf = new byte[RECEIVE_BUFFER];
            while (true) {
                int n = c.recv(fd, buf, new NativeLong(buf.length), 0).intValue();
                if (n <= 0) {
                    throw new IOException("netlink: connection closed before the end of the dump");
                }
                if (parse(buf, n, out)) {
                    return out;
                }
            }
        } catch (LastErrorException e) {
            throw new IOException("netlink: " + e.getMessage(), e);
        } finally {
            c.close(fd);
        }
    }

    /** The dump request. */
    static byte[] request(int family, String table, int seq) {
        byte[] name = (table + '\0').getBytes(StandardCharsets.US_ASCII);
        int len = HEADER + 4 + attrLength(name.length) + attrLength(4);
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.nativeOrder());
        b.putInt(len).putShort((short) (NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETOBJ))
                .putShort((short) (NLM_F_REQUEST | NLM_F_DUMP)).putInt(seq).putInt(0);
        b.put((byte) family).put((byte) 0).putShort((short) 0);
        b.putShort((short) (4 + name.length)).putShort((short) NFTA_OBJ_TABLE).put(name);
        b.position(b.position() + pad(name.length));
        b.putShort((short) 8).putShort((short) NFTA_OBJ_TYPE);
        b.order(ByteOrder.BIG_ENDIAN).putInt(NFT_OBJECT_COUNTER);
        return b.array();
    }

    /**
     * Adds the counters in {@code n} bytes of replies to {@code out}.
     *
     * @return true at the end of the dump
     * @throws IOException the kernel answered with an error
     */
    static boolean parse(byte[] buf, int n, Map<String, NftCounters.Value> out) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(buf, 0, n).order(ByteOrder.nativeOrder());
        int at = 0;
        while (at + HEADER <= n) {
            int len = b.getInt(at);
            int type = b.getShort(at + 4) & 0xFFFF;
            if (len < HEADER || at + len > n) {
                throw new IOException("netlink: bad message length " + len);
            }
            if (type == NLMSG_DONE) {
                return true;
            }
            if (type == NLMSG_ERROR) {
                int errno = -b.getInt(at + HEADER);
                if (errno != 0) {
                    throw new IOException("netlink: error " + errno + (errno == 2 ? " (no such table)" : ""));
                }
            } else if (type == (NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWOBJ)) {
                object(b, at + HEADER + 4, at + len, out);
            }
            at += align(len);
        }
        return false;
    }

    private static void object(ByteBuffer b, int from, int to, Map<String, NftCounters.Value> out) {
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
                    d += align(dlen);
                }
            }
            a += align(alen);
        }
        if (name != null && packets >= 0 && bytes >= 0) {
            out.put(name, new NftCounters.Value(packets, bytes));
        }
    }

    private static int attrLength(int payload) {
        return 4 + payload + pad(payload);
    }

    private static int pad(int len) {
        return (4 - (len & 3)) & 3;
    }

    private static int align(int len) {
        return (len + 3) & ~3;
    }
}
