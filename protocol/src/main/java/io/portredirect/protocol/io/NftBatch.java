package io.portredirect.protocol.io;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Encodes one nf_tables transaction on set elements of family {@code inet}: a netlink batch
 * {@code NFNL_MSG_BATCH_BEGIN, NFT_MSG_{NEW,DEL}SETELEM..., NFNL_MSG_BATCH_END} that the kernel
 * applies all or nothing, into one reused direct buffer ({@link NftNetlink} sends it). Layout from
 * include/uapi/linux/netfilter/{nfnetlink,nf_tables}.h, checked against what
 * {@code nft --debug=mnl} 1.0.6 sends for the same elements:
 *
 * <pre>
 *   nlmsghdr  len u32, type u16, flags u16, seq u32, pid u32     (host order)
 *   nfgenmsg  family u8, version u8 (0), res_id u16 (big endian)
 *     BATCH_BEGIN/END: type 0x10/0x11, family AF_UNSPEC, res_id NFNL_SUBSYS_NFTABLES (10)
 *     set element msg: type 10 &lt;&lt; 8 | NEWSETELEM (12) / DELSETELEM (14), family NFPROTO_INET (1)
 *   nlattr    len u16, type u16 (host order), value, padded to 4 bytes with zeros
 *     NFTA_SET_ELEM_LIST_TABLE (1)    string, NUL-terminated
 *     NFTA_SET_ELEM_LIST_SET (2)      string, NUL-terminated
 *     NFTA_SET_ELEM_LIST_ELEMENTS (3) nested; absent in a DELSETELEM = flush the whole set
 *       NFTA_LIST_ELEM (1)            nested, one per element
 *         NFTA_SET_ELEM_TIMEOUT (4)   u64 big endian, milliseconds (absent: the set's default)
 *         NFTA_SET_ELEM_KEY (1)       nested { NFTA_DATA_VALUE (1) key bytes }
 *         NFTA_SET_ELEM_DATA (2)      nested { NFTA_DATA_VALUE (1) data bytes } (maps only)
 * </pre>
 * Keys and data are register bytes as nft builds them: a concatenation puts each field in its own
 * 4-byte-aligned slot ({@link #concat}); addresses and ports are big endian, {@code numgen} and
 * other host-order integers native ({@link #hostU32}). Every message asks for an ack
 * (NLM_F_ACK), so success and failure both come back. Not thread-safe.
 */
public final class NftBatch {
    static final int NLMSG_HDRLEN = Netlink.NLMSG_HDRLEN;
    static final int NFGENMSG_LEN = 4;
    static final int NLA_HDRLEN = 4;
    static final int NLA_F_NESTED = 0x8000;
    static final int NLM_F_REQUEST = Netlink.NLM_F_REQUEST;
    static final int NLM_F_ACK = 0x4;
    static final int NLM_F_CREATE = 0x400;
    static final int NFNL_MSG_BATCH_BEGIN = 0x10;
    static final int NFNL_MSG_BATCH_END = 0x11;
    static final int NFNL_SUBSYS_NFTABLES = 10;
    static final int NFT_MSG_NEWSETELEM = 12;
    static final int NFT_MSG_DELSETELEM = 14;
    static final int NFPROTO_INET = 1;
    static final int NFTA_SET_ELEM_LIST_TABLE = 1;
    static final int NFTA_SET_ELEM_LIST_SET = 2;
    static final int NFTA_SET_ELEM_LIST_ELEMENTS = 3;
    static final int NFTA_LIST_ELEM = 1;
    static final int NFTA_SET_ELEM_KEY = 1;
    static final int NFTA_SET_ELEM_DATA = 2;
    static final int NFTA_SET_ELEM_TIMEOUT = 4;
    static final int NFTA_DATA_VALUE = 1;
    /** An nlattr's length is 16 bits: a longer element list goes on in another message of the batch. */
    private static final int MAX_ELEMENTS_NEST = 60_000;

    /** What one message of the batch does, for error messages. */
    enum Op {
        ADD("add element"), DELETE("delete element"), FLUSH("flush set"), BATCH("batch");

        final String text;

        Op(String text) {
            this.text = text;
        }
    }

    private ByteBuffer buf;
    private int firstSeq;
    private int seq;
    private int msgStart = -1;
    private int elementsStart = -1;
    private Op[] ops = new Op[16];
    private String[] tables = new String[16];
    private String[] sets = new String[16];
    private int[] counts = new int[16];
    private boolean begun;
    private boolean finished;

    public NftBatch() {
        this(1 << 16);
    }

    NftBatch(int capacity) {
        buf = ByteBuffer.allocateDirect(capacity).order(ByteOrder.nativeOrder());
    }

    /** Starts a new transaction (dropping anything not sent) whose messages are numbered from {@code firstSeq}. */
    public NftBatch begin(int firstSeq) {
        buf.clear();
        this.firstSeq = firstSeq;
        this.seq = firstSeq;
        msgStart = -1;
        elementsStart = -1;
        finished = false;
        begun = true;
        header(NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, 0, Op.BATCH, null, null);
        putBigEndianShort(buf.position() - 2, NFNL_SUBSYS_NFTABLES);
        closeMessage();
        return this;
    }

    /** Removes every element of {@code set} (NFT_MSG_DELSETELEM without an element list, as {@code nft flush set}). */
    public NftBatch flush(String table, String set) {
        open(NFT_MSG_DELSETELEM, NLM_F_REQUEST | NLM_F_ACK, Op.FLUSH, table, set);
        closeMessage();
        return this;
    }

    /** Opens an add of elements to {@code set}; follow with {@link #element} calls. */
    public NftBatch add(String table, String set) {
        open(NFT_MSG_NEWSETELEM, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_ACK, Op.ADD, table, set);
        return this;
    }

    /** Opens a delete of elements of {@code set}; follow with {@link #element} calls (key only). */
    public NftBatch delete(String table, String set) {
        open(NFT_MSG_DELSETELEM, NLM_F_REQUEST | NLM_F_ACK, Op.DELETE, table, set);
        return this;
    }

    /**
     * One element of the open add or delete.
     *
     * @param timeoutMillis the element's own timeout; 0 for none (the set's default timeout applies)
     * @param data          the map's value for the key; null for a set (and in a delete)
     */
    public NftBatch element(byte[] key, long timeoutMillis, byte[] data) {
        int open = seq - 1 - firstSeq;
        if (msgStart < 0 || ops[open] == Op.FLUSH) {
            throw new IllegalStateException("element() needs an open add() or delete()");
        }
        int size = NLA_HDRLEN + (timeoutMillis > 0 ? NLA_HDRLEN + 8 : 0) + 2 * NLA_HDRLEN + align(key.length)
                + (data == null ? 0 : 2 * NLA_HDRLEN + align(data.length));
        if (elementsStart >= 0 && buf.position() + size - elementsStart > MAX_ELEMENTS_NEST) {
            Op op = ops[open];
            String table = tables[open];
            String set = sets[open];
            closeMessage();
            open(op == Op.ADD ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
                    NLM_F_REQUEST | NLM_F_ACK | (op == Op.ADD ? NLM_F_CREATE : 0), op, table, set);
        }
        if (elementsStart < 0) {
            elementsStart = startNest(NFTA_SET_ELEM_LIST_ELEMENTS);
        }
        ensure(size);
        int el = startNest(NFTA_LIST_ELEM);
        if (timeoutMillis > 0) {
            buf.putShort((short) (NLA_HDRLEN + 8)).putShort((short) NFTA_SET_ELEM_TIMEOUT);
            putBigEndianLong(timeoutMillis);
        }
        int k = startNest(NFTA_SET_ELEM_KEY);
        bytes(NFTA_DATA_VALUE, key);
        endNest(k);
        if (data != null) {
            int d = startNest(NFTA_SET_ELEM_DATA);
            bytes(NFTA_DATA_VALUE, data);
            endNest(d);
        }
        endNest(el);
        counts[seq - 1 - firstSeq]++;
        return this;
    }

    /** Closes the transaction with NFNL_MSG_BATCH_END; the bytes to send are {@link #buffer()}. */
    public NftBatch end() {
        if (finished) {
            throw new IllegalStateException("batch already ended");
        }
        closeMessage();
        header(NFNL_MSG_BATCH_END, NLM_F_REQUEST, 0, Op.BATCH, null, null);
        putBigEndianShort(buf.position() - 2, NFNL_SUBSYS_NFTABLES);
        closeMessage();
        finished = true;
        return this;
    }

    /** The encoded batch, from 0 to its length (a view: do not keep it across {@link #begin}). */
    public ByteBuffer buffer() {
        ByteBuffer b = buf.duplicate().order(ByteOrder.nativeOrder());
        b.flip();
        return b;
    }

    /** Bytes encoded so far. */
    public int length() {
        return buf.position();
    }

    ByteBuffer raw() {
        return buf;
    }

    int firstSeq() {
        return firstSeq;
    }

    /** Sequence number the next message would take: one past the batch end once ended. */
    int nextSeq() {
        return seq;
    }

    /** Messages that ask for an ack (every one but the batch begin and end). */
    int acked() {
        return seq - firstSeq - 2;
    }

    /** "add element inet T S" for the message numbered {@code s}; null when not in this batch. */
    String describe(int s) {
        int i = s - firstSeq;
        if (i < 0 || i >= seq - firstSeq) {
            return null;
        }
        return ops[i] == Op.BATCH ? "nf_tables batch" : ops[i].text + " inet " + tables[i] + " " + sets[i];
    }

    /** The messages so far, e.g. {@code flush set inet t s; add element inet t s (2 elements)}. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i < seq - firstSeq; i++) {
            if (ops[i] == Op.BATCH) {
                continue;
            }
            if (b.length() > 0) {
                b.append("; ");
            }
            b.append(describe(firstSeq + i));
            if (ops[i] != Op.FLUSH) {
                b.append(" (").append(counts[i]).append(counts[i] == 1 ? " element)" : " elements)");
            }
        }
        return b.toString();
    }

    /** A concatenated key or value: each field in its own 4-byte register slot, zero-padded (as nft does). */
    public static byte[] concat(byte[]... fields) {
        int n = 0;
        for (byte[] f : fields) {
            n += align(f.length);
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] f : fields) {
            System.arraycopy(f, 0, out, at, f.length);
            at += align(f.length);
        }
        return out;
    }

    /** A port ({@code tcp dport}, {@code inet_service}): 2 bytes, big endian. */
    public static byte[] port(int port) {
        return new byte[] {(byte) (port >>> 8), (byte) port};
    }

    /** An address ({@code ip daddr} 4 bytes, {@code ip6 daddr} 16), network order. */
    public static byte[] address(InetAddress a) {
        return a.getAddress();
    }

    /** A host-order 32-bit integer, e.g. the value of {@code numgen random mod N}. */
    public static byte[] hostU32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
    }

    private void open(int msgType, int flags, Op op, String table, String set) {
        if (finished || !begun) {
            throw new IllegalStateException("call begin() first");
        }
        checkName(table);
        checkName(set);
        closeMessage();
        header(NFNL_SUBSYS_NFTABLES << 8 | msgType, flags, NFPROTO_INET, op, table, set);
        string(NFTA_SET_ELEM_LIST_TABLE, table);
        string(NFTA_SET_ELEM_LIST_SET, set);
    }

    private void header(int type, int flags, int family, Op op, String table, String set) {
        ensure(NLMSG_HDRLEN + NFGENMSG_LEN);
        int i = seq - firstSeq;
        if (i >= ops.length) {
            ops = Arrays.copyOf(ops, i * 2);
            tables = Arrays.copyOf(tables, i * 2);
            sets = Arrays.copyOf(sets, i * 2);
            counts = Arrays.copyOf(counts, i * 2);
        }
        counts[i] = 0;
        ops[i] = op;
        tables[i] = table;
        sets[i] = set;
        msgStart = buf.position();
        buf.putInt(0).putShort((short) type).putShort((short) flags).putInt(seq++).putInt(0);
        buf.put((byte) family).put((byte) 0).putShort((short) 0);
    }

    private void closeMessage() {
        if (msgStart < 0) {
            return;
        }
        if (elementsStart >= 0) {
            endNest(elementsStart);
            elementsStart = -1;
        }
        buf.putInt(msgStart, buf.position() - msgStart);
        msgStart = -1;
    }

    private int startNest(int type) {
        ensure(NLA_HDRLEN);
        int at = buf.position();
        buf.putShort((short) 0).putShort((short) (type | NLA_F_NESTED));
        return at;
    }

    private void endNest(int at) {
        buf.putShort(at, (short) (buf.position() - at));
    }

    private void string(int type, String s) {
        int len = NLA_HDRLEN + s.length() + 1;
        ensure(align(len));
        buf.putShort((short) len).putShort((short) type);
        for (int i = 0; i < s.length(); i++) {
            buf.put((byte) s.charAt(i));
        }
        buf.put((byte) 0);
        pad(len);
    }

    private void bytes(int type, byte[] v) {
        int len = NLA_HDRLEN + v.length;
        ensure(align(len));
        buf.putShort((short) len).putShort((short) type).put(v);
        pad(len);
    }

    private void pad(int len) {
        for (int i = len; i < align(len); i++) {
            buf.put((byte) 0);
        }
    }

    private void putBigEndianShort(int at, int v) {
        buf.put(at, (byte) (v >>> 8)).put(at + 1, (byte) v);
    }

    private void putBigEndianLong(long v) {
        for (int shift = 56; shift >= 0; shift -= 8) {
            buf.put((byte) (v >>> shift));
        }
    }

    private void ensure(int more) {
        if (buf.remaining() >= more) {
            return;
        }
        ByteBuffer bigger = ByteBuffer.allocateDirect(Math.max(buf.capacity() * 2, buf.position() + more)).order(ByteOrder.nativeOrder());
        buf.flip();
        bigger.put(buf);
        buf = bigger;
    }

    static int align(int len) {
        return Netlink.align(len);
    }

    private static void checkName(String name) {
        // by hand, not with a Matcher: this runs for every message of every renewal
        boolean ok = name != null && !name.isEmpty() && name.length() <= 64 && Character.isLetter(name.charAt(0));
        for (int i = 0; ok && i < name.length(); i++) {
            char c = name.charAt(i);
            ok = c < 128 && (Character.isLetterOrDigit(c) || c == '_');
        }
        if (!ok) {
            throw new IllegalArgumentException("nft table/set name must match [A-Za-z][A-Za-z0-9_]{0,63}: " + name);
        }
    }
}
