package io.portredirect.protocol.io;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.TreeMap;

/**
 * The programs' one nf_tables netlink client, with no process started: one
 * {@code socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER)} opened once. It changes set elements,
 * one batch per {@link #commit} ({@link NftBatch}), which the kernel applies whole or not at all,
 * replacing forks of {@code nft -f -} for periodic updates (a lease renewal every 250 ms, the
 * negotiated maps); and it reads a table's named counters ({@link #counters}, one dump, for the
 * balancer's {@code /metrics}). Tables themselves are still loaded from text by
 * {@link Nft#install}. The socket belongs to the network namespace of the thread that
 * {@link #open}s it. Needs CAP_NET_ADMIN. Not thread-safe: one thread at a time.
 */
public final class NftNetlink implements AutoCloseable {
    private static final int SOL_NETLINK = 270;
    private static final int NETLINK_CAP_ACK = 10;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int EAGAIN = 11;
    /** A renewed or flushed element: one key byte, IPPROTO_TCP, for an {@code inet_proto} set. */
    public static final byte[] INET_PROTO_TCP = {6};
    /** The {@code netdev} address family of nfgenmsg (linux/netfilter.h), the balancer's table's. */
    public static final int NFPROTO_NETDEV = 5;

    /** Packets and bytes of one named counter. */
    public record Counter(long packets, long bytes) {
        /** Both counts added. */
        public Counter plus(Counter o) {
            return new Counter(packets + o.packets, bytes + o.bytes);
        }
    }

    private final Netlink.LibC c;
    private final int fd;
    private final NftBatch batch = new NftBatch();
    // with NETLINK_CAP_ACK an ack is 36 bytes, so this holds the answers to ~1800 messages per read
    private final ByteBuffer in = ByteBuffer.allocateDirect(1 << 16).order(ByteOrder.nativeOrder());
    private final Pointer inAddress = Native.getDirectBufferPointer(in);
    private final NativeLong inLength = new NativeLong(in.capacity());
    private ByteBuffer out;
    private Pointer outAddress;
    private int seq = 1;
    private boolean closed;

    private NftNetlink(Netlink.LibC c, int fd) {
        this.c = c;
        this.fd = fd;
    }

    /**
     * Opens the socket in the calling thread's network namespace.
     *
     * @throws IOException when no netlink socket can be had (no nf_tables, no JNA, not permitted)
     */
    public static NftNetlink open() throws IOException {
        int fd = Netlink.open(Netlink.NETLINK_NETFILTER, 2, "nf_tables netlink");
        Netlink.LibC c = Netlink.libc("nf_tables netlink");
        try {
            // errors quote only the failed message's header, not the whole batch back
            c.setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(1).array(), 4);
        } catch (LastErrorException e) {
            c.close(fd);
            throw new IOException("nf_tables netlink setsockopt: " + c.strerror(e.getErrorCode()), e);
        }
        return new NftNetlink(c, fd);
    }

    /** Starts a transaction in the one reused batch; fill it, then {@link #commit}. */
    public NftBatch begin() {
        int first = seq;
        // room for any batch: sequence numbers only need to differ from the last few batches'
        seq = seq > 1 << 30 ? 1 : seq + (1 << 16);
        return batch.begin(first);
    }

    /**
     * Sends the batch from {@link #begin} and waits for every message's ack. Each ack is a socket
     * buffer of its own in the receive queue (~300 fit the default rmem): keep a batch to a few
     * hundred messages (elements are many per message, so that is thousands of elements).
     *
     * @throws IOException naming the failed operation, table, set and the kernel's errno text; the
     *                     kernel then applied nothing of the batch
     */
    public void commit() throws IOException {
        if (closed) {
            throw new IOException("nf_tables netlink socket is closed");
        }
        batch.end();
        if (batch.raw() != out) {
            // the batch grew into a new buffer
            out = batch.raw();
            outAddress = Native.getDirectBufferPointer(out);
        }
        try {
            c.send(fd, outAddress, new NativeLong(out.position()), 0);
        } catch (LastErrorException e) {
            throw new IOException("nf_tables netlink send: " + c.strerror(e.getErrorCode()) + " (errno " + e.getErrorCode() + ")", e);
        }
        int expected = batch.acked();
        int acks = 0;
        String failure = null;
        while (acks < expected || failure != null) {
            int n;
            try {
                // after a failure the rest is already queued (the batch runs inside send()): drain it
                n = c.recv(fd, inAddress, inLength, failure != null ? MSG_DONTWAIT : 0).intValue();
            } catch (LastErrorException e) {
                if (failure != null && e.getErrorCode() == EAGAIN) {
                    break;
                }
                throw new IOException("nf_tables netlink: no answer to the batch (" + acks + " of " + expected + " acks): "
                        + c.strerror(e.getErrorCode()), e);
            }
            for (int at = 0; at + Netlink.NLMSG_HDRLEN <= n; ) {
                int len = in.getInt(at);
                int type = in.getShort(at + 4) & 0xFFFF;
                if (len < Netlink.NLMSG_HDRLEN || at + len > n) {
                    break;
                }
                if (type == Netlink.NLMSG_ERROR && len >= Netlink.NLMSG_HDRLEN + 4 + Netlink.NLMSG_HDRLEN) {
                    int errno = -in.getInt(at + Netlink.NLMSG_HDRLEN);
                    int origSeq = in.getInt(at + Netlink.NLMSG_HDRLEN + 4 + 8);
                    String what = batch.describe(origSeq);
                    if (what != null) {
                        // answers to an earlier, abandoned batch have other numbers and are skipped
                        acks++;
                        if (errno != 0 && failure == null) {
                            failure = what + ": " + c.strerror(errno) + " (errno " + errno + ")";
                        }
                    }
                }
                at += Netlink.align(len);
            }
        }
        if (failure != null) {
            throw new IOException(failure);
        }
    }

    /**
     * Renews a lease element in one transaction: add, delete, add (the same as
     * {@link Nft#renewalScript}; the last add starts the set's timeout afresh).
     */
    public void renew(String table, String set, byte[] key) throws IOException {
        begin().add(table, set).element(key, 0, null)
                .delete(table, set).element(key, 0, null)
                .add(table, set).element(key, 0, null);
        commit();
    }

    /**
     * Packets and bytes of every named counter of {@code table}, by name: one
     * {@code NFT_MSG_GETOBJ} dump filtered by the kernel to the table and to counter objects.
     * Microseconds whatever the size of the table's maps ({@code nft list counters} fetches the
     * whole ruleset first: about half a second with 64K-slot maps).
     *
     * @param family the table's address family, e.g. {@link #NFPROTO_NETDEV}
     * @throws IOException no such table (ENOENT), or the socket failed
     */
    public Map<String, Counter> counters(int family, String table) throws IOException {
        if (closed) {
            throw new IOException("nf_tables netlink socket is closed");
        }
        int mySeq = seq;
        seq = seq > 1 << 30 ? 1 : seq + 1;
        byte[] req = NftCounterDump.request(family, table, mySeq);
        try {
            c.send(fd, req, new NativeLong(req.length), 0);
        } catch (LastErrorException e) {
            throw new IOException("nf_tables netlink send: " + c.strerror(e.getErrorCode()), e);
        }
        Map<String, Counter> out = new TreeMap<>();
        while (true) {
            int n;
            try {
                n = c.recv(fd, inAddress, inLength, 0).intValue();
            } catch (LastErrorException e) {
                throw new IOException("nf_tables netlink: no answer to the counter dump: " + c.strerror(e.getErrorCode()), e);
            }
            if (n <= 0) {
                throw new IOException("nf_tables netlink: connection closed before the end of the dump");
            }
            if (NftCounterDump.parse(in, n, mySeq, out)) {
                return out;
            }
        }
    }

    /** Closes the socket. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            c.close(fd);
        }
    }
}
