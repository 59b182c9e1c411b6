package io.portredirect.balancer.ops;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A non-persistent TAP device (linux/if_tun.h), opened through JNA: it exists while this process
 * holds its file descriptor, so the kernel removes it when the descriptor is closed or the process
 * dies, SIGKILL included. Nothing is ever read from or written to it: its presence is the signal.
 *
 * <pre>
 * fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC)
 * ioctl(fd, TUNSETIFF, ifreq { name, IFF_TAP | IFF_NO_PI })        creates the device
 * ioctl(inet socket, SIOCGIFFLAGS / SIOCSIFFLAGS, ifreq { name, flags | IFF_UP })   sets it up
 * close(fd)                                                         removes it
 * </pre>
 * Needs CAP_NET_ADMIN and access to /dev/net/tun. Opened and closed off the data path.
 */
final class TapDevice {
    /** IFNAMSIZ from linux/if.h, the terminating NUL included. */
    static final int IFNAMSIZ = 16;
    private static final int IFREQ_SIZE = 40;
    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 0x80000;
    /** {@code _IOW('T', 202, int)}. */
    private static final long TUNSETIFF = 0x400454caL;
    private static final long SIOCGIFFLAGS = 0x8913;
    private static final long SIOCSIFFLAGS = 0x8914;
    private static final short IFF_TAP = 0x0002;
    private static final short IFF_NO_PI = 0x1000;
    private static final short IFF_UP = 0x1;
    private static final int AF_INET = 2;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;

    interface LibC extends Library {
        int open(String path, int flags) throws LastErrorException;

        int ioctl(int fd, long request, byte[] arg) throws LastErrorException;

        int socket(int domain, int type, int protocol) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private static final class Holder {
        static final LibC LIBC = Native.load("c", LibC.class);
    }

    private TapDevice() {
    }

    /** Why {@code name} cannot name an interface, or null when it can. */
    static String badName(String name) {
        if (name == null || name.isEmpty()) {
            return "empty";
        }
        if (name.getBytes(StandardCharsets.US_ASCII).length >= IFNAMSIZ) {
            return "longer than " + (IFNAMSIZ - 1) + " characters";
        }
        if (!name.matches("[A-Za-z0-9_.-]+") || name.equals(".") || name.equals("..")) {
            return "only letters, digits, '_', '.' and '-'";
        }
        return null;
    }

    /**
     * Creates TAP device {@code name} and sets it up.
     *
     * @return the descriptor that keeps it alive
     * @throws IOException with errno, e.g. EBUSY when another process holds a device of that name
     */
    static int open(String name) throws IOException {
        LibC c = Holder.LIBC;
        int fd;
        try {
            fd = c.open("/dev/net/tun", O_RDWR | O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException("cannot open /dev/net/tun: errno " + e.getErrorCode(), e);
        }
        try {
            c.ioctl(fd, TUNSETIFF, ifreq(name, (short) (IFF_TAP | IFF_NO_PI)));
            setUp(name);
            return fd;
        } catch (LastErrorException e) {
            close(fd);
            throw new IOException("cannot create TAP device " + name + ": errno " + e.getErrorCode()
                    + (e.getErrorCode() == 16 ? " (EBUSY: another process holds it)" : ""), e);
        }
    }

    /** Closes the descriptor: the kernel removes the device (and its routes) at once. */
    static void close(int fd) {
        try {
            Holder.LIBC.close(fd);
        } catch (LastErrorException e) {
            // nothing to do: the descriptor is gone either way
        }
    }

    private static void setUp(String name) {
        LibC c = Holder.LIBC;
        int s = c.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        try {
            byte[] req = ifreq(name, (short) 0);
            c.ioctl(s, SIOCGIFFLAGS, req);
            ByteBuffer b = ByteBuffer.wrap(req).order(ByteOrder.nativeOrder());
            b.putShort(IFNAMSIZ, (short) (b.getShort(IFNAMSIZ) | IFF_UP));
            c.ioctl(s, SIOCSIFFLAGS, req);
        } finally {
            close(s);
        }
    }

    /** struct ifreq: the name, NUL-padded to IFNAMSIZ, then a short (ifr_flags) in host order. */
    static byte[] ifreq(String name, short flags) {
        byte[] req = new byte[IFREQ_SIZE];
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(n, 0, req, 0, Math.min(n.length, IFNAMSIZ - 1));
        ByteBuffer.wrap(req).order(ByteOrder.nativeOrder()).putShort(IFNAMSIZ, flags);
        return req;
    }
}
