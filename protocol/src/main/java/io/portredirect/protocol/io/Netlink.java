package io.portredirect.protocol.io;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * What every netlink client of the programs shares ({@link NftNetlink} for nf_tables,
 * {@link SockDiag} for inet_diag, the client agent's rtnetlink next hops): the message header's
 * layout and flags, the libc binding, and the socket, opened the same way for all of them.
 *
 * <pre>
 * nlmsghdr   u32 len, u16 type, u16 flags, u32 seq, u32 pid      16 bytes, host byte order
 *            messages and attributes are padded to 4 bytes
 * </pre>
 */
public final class Netlink {
    /** {@code NETLINK_ROUTE}: routes, neighbours, links. */
    public static final int NETLINK_ROUTE = 0;
    /** {@code NETLINK_SOCK_DIAG}: the kernel's socket tables (what {@code ss} reads). */
    public static final int NETLINK_SOCK_DIAG = 4;
    /** {@code NETLINK_NETFILTER}: nf_tables among others. */
    public static final int NETLINK_NETFILTER = 12;
    public static final int NLMSG_HDRLEN = 16;
    public static final int NLMSG_ERROR = 2;
    public static final int NLMSG_DONE = 3;
    public static final int NLM_F_REQUEST = 0x1;
    public static final int NLM_F_DUMP = 0x300;

    private static final int AF_NETLINK = 16;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO = 20;

    /** The libc calls the netlink clients make (JNA maps overloads by name). */
    public interface LibC extends Library {
        int socket(int domain, int type, int protocol) throws LastErrorException;

        int setsockopt(int fd, int level, int name, byte[] value, int len) throws LastErrorException;

        NativeLong send(int fd, Pointer buf, NativeLong len, int flags) throws LastErrorException;

        NativeLong send(int fd, byte[] buf, NativeLong len, int flags) throws LastErrorException;

        NativeLong recv(int fd, Pointer buf, NativeLong len, int flags) throws LastErrorException;

        NativeLong recv(int fd, byte[] buf, NativeLong len, int flags) throws LastErrorException;

        int close(int fd);

        String strerror(int errnum);
    }

    private static final class Holder {
        static final LibC C = Native.load("c", LibC.class);
    }

    private Netlink() {
    }

    /**
     * The libc binding, loaded on first use.
     *
     * @throws IOException naming {@code what} when JNA cannot load libc
     */
    public static LibC libc(String what) throws IOException {
        try {
            return Holder.C;
        } catch (LinkageError e) {
            throw new IOException(what + ": cannot load libc through JNA: " + e, e);
        }
    }

    /**
     * Opens {@code socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol)} in the calling thread's
     * network namespace, with a receive timeout: the kernel answers at once, the timeout only keeps
     * a lost answer from hanging a thread.
     *
     * @param what names the socket in errors, e.g. "sock_diag netlink"
     * @return the descriptor; close it with {@code libc(what).close}
     * @throws IOException with the errno text when the socket cannot be had or set
     */
    public static int open(int protocol, int timeoutSeconds, String what) throws IOException {
        LibC c = libc(what);
        int fd;
        try {
            fd = c.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
        } catch (LastErrorException e) {
            throw new IOException(what + " socket: " + c.strerror(e.getErrorCode()) + " (errno " + e.getErrorCode() + ")", e);
        }
        try {
            c.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO,
                    ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putLong(timeoutSeconds).putLong(0).array(), 16);
        } catch (LastErrorException e) {
            c.close(fd);
            throw new IOException(what + " setsockopt: " + c.strerror(e.getErrorCode()), e);
        }
        return fd;
    }

    /** {@code len} rounded up to the 4-byte alignment of messages and attributes. */
    public static int align(int len) {
        return (len + 3) & ~3;
    }
}
