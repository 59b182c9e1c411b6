package io.portredirect.balancer.io;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * The {@code AF_PACKET} constants the balancer's sockets share, and the socket options libpcap
 * leaves unset on the socket under a {@code pcap_t} ({@code pcap_fileno}), set once per interface
 * at open, never per packet.
 */
final class PacketSocket {
    /** {@code AF_PACKET} from linux/socket.h. */
    static final int AF_PACKET = 17;
    /** {@code SOCK_RAW}: frames with their link-layer header. */
    static final int SOCK_RAW = 3;
    /** {@code SOCK_CLOEXEC}: no descriptor leaks into a child process. */
    static final int SOCK_CLOEXEC = 0x80000;
    /** {@code sizeof(struct sockaddr_ll)} (linux/if_packet.h); {@code sll_ifindex} is at byte 4. */
    static final int SOCKADDR_LL = 20;
    /** {@code SOL_PACKET} from linux/socket.h. */
    static final int SOL_PACKET = 263;
    /**
     * {@code PACKET_IGNORE_OUTGOING} from linux/if_packet.h (Linux 4.20): the kernel stops
     * copying the socket's interface's outgoing frames to it. libpcap 1.10's
     * {@code pcap_setdirection(PCAP_D_IN)} does not set it: it only skips outgoing frames in user
     * space, after the kernel copied each one into the ring.
     */
    static final int PACKET_IGNORE_OUTGOING = 23;
    /** {@code PACKET_QDISC_BYPASS} (linux/if_packet.h, 3.14): hand frames to the driver, not the qdisc. */
    static final int PACKET_QDISC_BYPASS = 20;

    private PacketSocket() {
    }

    interface LibC extends Library {
        int setsockopt(int fd, int level, int name, int[] value, int length) throws LastErrorException;

        int getsockopt(int fd, int level, int name, int[] value, int[] length) throws LastErrorException;

        int if_nametoindex(String name);
    }

    private static final class Holder {
        static final LibC LIBC = Native.load("c", LibC.class);
    }

    /**
     * Sets {@code PACKET_IGNORE_OUTGOING} on {@code fd} and reads it back.
     *
     * @return null when set, else why not (the capture filter's {@code inbound} still drops
     *         outgoing frames, one kernel copy later)
     */
    static String ignoreOutgoing(int fd) {
        try {
            Holder.LIBC.setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, new int[] {1}, 4);
            int[] value = new int[1];
            Holder.LIBC.getsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, value, new int[] {4});
            return value[0] == 1 ? null : "read back as " + value[0];
        } catch (LastErrorException e) {
            return "errno " + e.getErrorCode() + " (kernel before 4.20?)";
        } catch (RuntimeException | LinkageError e) {
            return e.toString();
        }
    }

    /** The index of interface {@code name} in this process's namespace, 0 when unknown. */
    static int ifIndex(String name) {
        try {
            return Holder.LIBC.if_nametoindex(name);
        } catch (RuntimeException | LinkageError e) {
            return 0;
        }
    }

    /** Reads {@code PACKET_IGNORE_OUTGOING} of {@code fd}: 1 set, 0 not, -1 unknown. */
    static int ignoresOutgoing(int fd) {
        try {
            int[] value = new int[1];
            Holder.LIBC.getsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, value, new int[] {4});
            return value[0];
        } catch (RuntimeException | LinkageError e) {
            return -1;
        }
    }
}
