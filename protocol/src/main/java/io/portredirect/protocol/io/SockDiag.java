package io.portredirect.protocol.io;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.IntFunction;

/**
 * Dumps the kernel's TCP sockets over {@code NETLINK_SOCK_DIAG} (inet_diag, what {@code ss} uses),
 * with no process started: one {@code socket(AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG)} opened once.
 * Needs no privilege (every socket of the network namespace is listed, as by {@code ss}). The
 * socket belongs to the network namespace of the thread that {@link #open}s it. Not thread-safe:
 * one thread at a time.
 *
 * <p>A dump is one {@code TCPDIAG_GETSOCK} request (the original inet_diag message, which the
 * kernel answers for both address families in one pass), else, where the kernel refuses that, one
 * {@code SOCK_DIAG_BY_FAMILY} request per family. One pass matters: listing established sockets
 * walks the kernel's whole established hash table (262,144 buckets on a 24 GB host: about 1.4 ms
 * of system CPU per pass even with no connection), and the per-family requests walk it twice.
 *
 * <p>Wire layout ({@code linux/sock_diag.h}, {@code linux/inet_diag.h}); netlink headers are host
 * byte order, ports and addresses network order:
 * <pre>
 * nlmsghdr            u32 len, u16 type, u16 flags, u32 seq, u32 pid                  16 bytes
 * inet_diag_req_v2    u8 family, u8 protocol, u8 ext, u8 pad, u32 states, sockid        56 bytes
 * inet_diag_req       u8 family, u8 src_len, u8 dst_len, u8 ext, sockid, u32 states, u32 dbs  60
 * inet_diag_sockid    be16 sport, be16 dport, be32 src[4], be32 dst[4], u32 if, u32 cookie[2]  48
 * inet_diag_msg       u8 family, state, timer, retrans, sockid, u32 expires, rqueue, wqueue,
 *                     uid, inode (then attributes)                                     72 bytes
 * </pre>
 */
public final class SockDiag implements AutoCloseable {
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    /** {@code TCP_ESTABLISHED}; a state's bit in {@link #dumpTcp}'s mask is {@code 1 << state}. */
    public static final int TCP_ESTABLISHED = 1;
    public static final int TCP_LISTEN = 10;

    static final int NLMSG_HDRLEN = Netlink.NLMSG_HDRLEN;
    static final int NLMSG_ERROR = Netlink.NLMSG_ERROR;
    static final int NLMSG_DONE = Netlink.NLMSG_DONE;
    static final int SOCK_DIAG_BY_FAMILY = 20;
    static final int TCPDIAG_GETSOCK = 18;
    static final int NLM_F_REQUEST = Netlink.NLM_F_REQUEST;
    static final int NLM_F_DUMP = Netlink.NLM_F_DUMP;
    static final int IPPROTO_TCP = 6;
    static final int REQUEST_LEN = NLMSG_HDRLEN + 56;
    static final int COMPAT_REQUEST_LEN = NLMSG_HDRLEN + 60;
    static final int MSG_LEN = 72;
    // offsets inside inet_diag_msg
    private static final int MSG_FAMILY = 0;
    private static final int MSG_STATE = 1;
    private static final int MSG_SPORT = 4;
    private static final int MSG_RQUEUE = 56;
    private static final int MSG_WQUEUE = 60;

    /** One TCP socket of a dump; ports are host numbers. Called once per socket. */
    @FunctionalInterface
    public interface Visitor {
        void socket(int family, int state, int localPort, int rqueue, int wqueue);
    }

    private final Netlink.LibC c;
    private final int fd;
    // a dump's messages come in skbs of at most 32 KiB (the kernel's cap for a dump part): one always fits
    private final ByteBuffer in = ByteBuffer.allocateDirect(1 << 16).order(ByteOrder.nativeOrder());
    private final Pointer inAddress = Native.getDirectBufferPointer(in);
    private final NativeLong inLength = new NativeLong(in.capacity());
    private final ByteBuffer out = ByteBuffer.allocateDirect(COMPAT_REQUEST_LEN).order(ByteOrder.nativeOrder());
    private final Pointer outAddress = Native.getDirectBufferPointer(out);
    private int seq = 1;
    private boolean onePass = true;
    private boolean closed;

    private SockDiag(Netlink.LibC c, int fd) {
        this.c = c;
        this.fd = fd;
    }

    /**
     * Opens the socket in the calling thread's network namespace.
     *
     * @throws IOException when no sock_diag socket can be had (not Linux, no JNA, not permitted)
     */
    public static SockDiag open() throws IOException {
        int fd = Netlink.open(Netlink.NETLINK_SOCK_DIAG, 1, "sock_diag netlink");
        return new SockDiag(Netlink.libc("sock_diag netlink"), fd);
    }

    /**
     * Dumps the TCP sockets of both address families whose state is in {@code stateMask}
     * ({@code 1 << TCP_LISTEN | 1 << TCP_ESTABLISHED}, ...). The kernel filters by state only.
     *
     * @throws IOException with the kernel's errno text, or when no answer came within a second;
     *                     the socket may then hold a stale answer: close it and open another
     */
    public void dumpTcp(int stateMask, Visitor v) throws IOException {
        if (onePass) {
            try {
                dump(-1, stateMask, v);
                return;
            } catch (Refused e) {
                // a kernel without the original request: one pass per family from now on
                onePass = false;
            }
        }
        dump(AF_INET, stateMask, v);
        dump(AF_INET6, stateMask, v);
    }

    /** Whether dumps take one pass over the kernel's tables (false after the kernel refused it). */
    public boolean onePass() {
        return onePass;
    }

    /** Family -1: both in one TCPDIAG_GETSOCK request. */
    void dump(int family, int stateMask, Visitor v) throws IOException {
        if (closed) {
            throw new IOException("sock_diag netlink socket is closed");
        }
        int s = seq;
        seq = seq == Integer.MAX_VALUE ? 1 : seq + 1;
        out.clear();
        if (family < 0) {
            compatRequest(out, stateMask, s);
        } else {
            request(out, family, stateMask, s);
        }
        try {
            c.send(fd, outAddress, new NativeLong(out.position()), 0);
        } catch (LastErrorException e) {
            throw new IOException("sock_diag netlink send: " + c.strerror(e.getErrorCode()) + " (errno " + e.getErrorCode() + ")", e);
        }
        boolean done = false;
        while (!done) {
            int n;
            try {
                n = c.recv(fd, inAddress, inLength, 0).intValue();
            } catch (LastErrorException e) {
                throw new IOException("sock_diag netlink: no answer to the dump: " + c.strerror(e.getErrorCode())
                        + " (errno " + e.getErrorCode() + ")", e);
            }
            if (n <= 0) {
                throw new IOException("sock_diag netlink: the dump ended without NLMSG_DONE");
            }
            done = parse(in, n, s, v, c::strerror);
        }
    }

    /**
     * Writes one dump request for both families (nlmsghdr + inet_diag_req, zero socket id) at the
     * buffer's position; the kernel ignores its family field and answers with messages of its type.
     */
    static void compatRequest(ByteBuffer b, int stateMask, int seq) {
        b.putInt(COMPAT_REQUEST_LEN).putShort((short) TCPDIAG_GETSOCK).putShort((short) (NLM_F_REQUEST | NLM_F_DUMP))
                .putInt(seq).putInt(0);
        b.put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0);
        for (int i = 0; i < 48; i++) {
            b.put((byte) 0);
        }
        b.putInt(stateMask).putInt(0);
    }

    /** Writes one dump request (nlmsghdr + inet_diag_req_v2, zero socket id) at the buffer's position. */
    static void request(ByteBuffer b, int family, int stateMask, int seq) {
        b.putInt(REQUEST_LEN).putShort((short) SOCK_DIAG_BY_FAMILY).putShort((short) (NLM_F_REQUEST | NLM_F_DUMP))
                .putInt(seq).putInt(0);
        b.put((byte) family).put((byte) IPPROTO_TCP).put((byte) 0).put((byte) 0).putInt(stateMask);
        for (int i = 0; i < 48; i++) {
            b.put((byte) 0);
        }
    }

    /**
     * Reads the messages in {@code b[0, len)} (host byte order), giving each socket of dump
     * {@code seq} to the visitor; messages of other sequence numbers (an abandoned dump) are skipped.
     *
     * @return true once NLMSG_DONE of the dump was read
     * @throws IOException for an NLMSG_ERROR of the dump, naming the errno text
     */
    static boolean parse(ByteBuffer b, int len, int seq, Visitor v, IntFunction<String> strerror) throws IOException {
        for (int at = 0; at + NLMSG_HDRLEN <= len; ) {
            int msgLen = b.getInt(at);
            int type = b.getShort(at + 4) & 0xFFFF;
            if (msgLen < NLMSG_HDRLEN || at + msgLen > len) {
                throw new IOException("sock_diag netlink: malformed message (length " + msgLen + " at " + at + " of " + len + ")");
            }
            if (b.getInt(at + 8) == seq) {
                int body = at + NLMSG_HDRLEN;
                if (type == NLMSG_DONE) {
                    return true;
                }
                if (type == NLMSG_ERROR) {
                    int errno = msgLen >= NLMSG_HDRLEN + 4 ? -b.getInt(body) : 0;
                    throw new Refused("sock_diag netlink dump: " + strerror.apply(errno) + " (errno " + errno + ")");
                }
                if ((type == SOCK_DIAG_BY_FAMILY || type == TCPDIAG_GETSOCK) && msgLen >= NLMSG_HDRLEN + MSG_LEN) {
                    v.socket(b.get(body + MSG_FAMILY) & 0xFF, b.get(body + MSG_STATE) & 0xFF,
                            (b.get(body + MSG_SPORT) & 0xFF) << 8 | b.get(body + MSG_SPORT + 1) & 0xFF,
                            b.getInt(body + MSG_RQUEUE), b.getInt(body + MSG_WQUEUE));
                }
            }
            at += Netlink.align(msgLen);
        }
        return false;
    }

    /** The kernel answered the dump with an error. */
    static final class Refused extends IOException {
        Refused(String message) {
            super(message);
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
