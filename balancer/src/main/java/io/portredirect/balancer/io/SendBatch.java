package io.portredirect.balancer.io;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import io.portredirect.protocol.log.EventLog;

/**
 * The frames one reader thread forwards, queued and sent with one {@code sendmmsg} on an
 * {@code AF_PACKET} socket of its own: a send syscall per batch instead of per frame. The reader
 * {@link #flush}es before it waits for more frames and whenever the batch is full, so a frame
 * waits at most for the frames read with it. Each message names its egress interface by index
 * ({@code sockaddr_ll}), so one socket serves every interface; its protocol is 0, so it receives
 * nothing. A port without an index (the pcap4j baseline) is sent at once through
 * {@link FramePort#send}, as is everything when the socket cannot be made.
 *
 * <p>All native memory is laid out once: {@code MAX_FRAMES} {@code struct mmsghdr}, each with
 * one {@code iovec} and one {@code sockaddr_ll}, and an arena the frames are copied into; no
 * allocation per frame. Not thread-safe: one per reader.
 */
final class SendBatch implements AutoCloseable {
    static final int MAX_FRAMES = 64;
    /** Holds at least one frame of the largest size, and a batch of ordinary ones. */
    static final int ARENA_BYTES = 4 * PcapPorts.SNAPLEN;

    // LP64 Linux layouts (checked in available())
    private static final int MMSGHDR = 64;
    private static final int MSG_NAME = 0;
    private static final int MSG_NAMELEN = 8;
    private static final int MSG_IOV = 16;
    private static final int MSG_IOVLEN = 24;
    private static final int IOVEC = 16;
    private static final int SOCKADDR_LL_STRIDE = 24;

    static {
        Native.register(SendBatch.class, NativeLibrary.getInstance("c"));
    }

    private static native int socket(int domain, int type, int protocol);

    private static native int setsockopt(int fd, int level, int name, Pointer value, int length);

    private static native int sendmmsg(int fd, Pointer msgvec, int vlen, int flags);

    private static native int close(int fd);

    private final int fd;
    private final Memory headers;
    private final Memory iovecs;
    private final Memory names;
    private final long headersAddress;
    /** Moved to the first unsent header before each sendmmsg: no Pointer allocated per flush. */
    private final Pointer view = new Pointer(0);
    private final Memory arena;
    private final long arenaAddress;
    private final FramePort[] ports = new FramePort[MAX_FRAMES];
    private final int[] lengths = new int[MAX_FRAMES];
    private int count;
    private int used;

    /**
     * @param qdiscBypass set {@code PACKET_QDISC_BYPASS} on the socket (frames skip the egress
     *                    qdisc and the taps that would see them, e.g. tcpdump on the balancer)
     */
    SendBatch(boolean qdiscBypass) {
        int s = -1;
        String why = null;
        if (!Platform.isLinux() || Native.POINTER_SIZE != 8) {
            why = "sendmmsg layout is for 64-bit Linux";
        } else {
            s = socket(PacketSocket.AF_PACKET, PacketSocket.SOCK_RAW | PacketSocket.SOCK_CLOEXEC, 0);
            if (s < 0) {
                why = "socket(AF_PACKET) failed, errno " + Native.getLastError();
            } else if (qdiscBypass) {
                Memory one = new Memory(4);
                one.setInt(0, 1);
                if (setsockopt(s, PacketSocket.SOL_PACKET, PacketSocket.PACKET_QDISC_BYPASS, one, 4) != 0) {
                    EventLog.warn("qdisc_bypass_unavailable", "errno", Native.getLastError());
                }
            }
        }
        fd = s;
        if (fd < 0) {
            EventLog.warn("send_batch_unavailable", "reason", why, "sends", "one syscall per frame");
            headers = iovecs = names = arena = null;
            arenaAddress = headersAddress = 0;
            return;
        }
        headers = new Memory((long) MMSGHDR * MAX_FRAMES);
        headers.clear();
        iovecs = new Memory((long) IOVEC * MAX_FRAMES);
        iovecs.clear();
        Memory names = new Memory((long) SOCKADDR_LL_STRIDE * MAX_FRAMES);
        names.clear();
        arena = new Memory(ARENA_BYTES);
        arenaAddress = Pointer.nativeValue(arena);
        long namesAddress = Pointer.nativeValue(names);
        long iovAddress = Pointer.nativeValue(iovecs);
        for (int i = 0; i < MAX_FRAMES; i++) {
            long h = (long) i * MMSGHDR;
            names.setShort((long) i * SOCKADDR_LL_STRIDE, (short) PacketSocket.AF_PACKET); // sll_protocol 0: read from the frame
            headers.setLong(h + MSG_NAME, namesAddress + (long) i * SOCKADDR_LL_STRIDE);
            headers.setInt(h + MSG_NAMELEN, PacketSocket.SOCKADDR_LL);
            headers.setLong(h + MSG_IOV, iovAddress + (long) i * IOVEC);
            headers.setLong(h + MSG_IOVLEN, 1);
        }
        this.names = names;
        headersAddress = Pointer.nativeValue(headers);
    }

    /** True when frames are batched (the socket exists). */
    boolean batching() {
        return fd >= 0;
    }

    /**
     * Queues {@code buf[0, length)} for {@code port}, sending the batch first when it is full.
     * Ports without an interface index are sent at once.
     */
    void add(FramePort port, byte[] buf, int length) {
        int ifIndex = port.ifIndex();
        if (fd < 0 || ifIndex <= 0) {
            port.send(buf, length);
            return;
        }
        if (length > PcapPorts.SNAPLEN || length <= 0) {
            port.counters().txErrors.increment();
            return;
        }
        if (count == MAX_FRAMES || used + length > ARENA_BYTES) {
            flush();
        }
        int i = count;
        arena.write(used, buf, 0, length);
        long iov = (long) i * IOVEC;
        iovecs.setLong(iov, arenaAddress + used);
        iovecs.setLong(iov + 8, length);
        names.setInt((long) i * SOCKADDR_LL_STRIDE + 4, ifIndex);
        ports[i] = port;
        lengths[i] = length;
        count = i + 1;
        used += (length + 63) & ~63; // cache-line aligned starts
    }

    /** Frames queued and not yet sent. */
    int pending() {
        return count;
    }

    /** Sends every queued frame (a refused one is counted on its port and skipped). */
    void flush() {
        int done = 0;
        while (done < count) {
            Pointer.nativeValue(view, headersAddress + (long) done * MMSGHDR);
            int sent = sendmmsg(fd, view, count - done, 0);
            if (sent <= 0) {
                // the first message was refused (interface down, too long): count it, send the rest
                ports[done].counters().sent(false, lengths[done]);
                done++;
                continue;
            }
            for (int k = done; k < done + sent; k++) {
                ports[k].counters().sent(true, lengths[k]);
            }
            done += sent;
        }
        for (int k = 0; k < count; k++) {
            ports[k] = null;
        }
        count = 0;
        used = 0;
    }

    @Override
    public void close() {
        if (fd >= 0) {
            close(fd);
        }
    }
}
