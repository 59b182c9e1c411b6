package io.portredirect.balancer.io;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import io.portredirect.protocol.log.EventLog;
import java.io.IOException;

/**
 * An interface the balancer only sends on (every interface of the config on the nft dataplane,
 * where the kernel forwards): an {@code AF_PACKET} socket of protocol 0 bound to the interface.
 * Protocol 0 keeps the socket off the kernel's packet taps, so the frames the kernel forwards
 * through that interface pay nothing for it. A capture handle there, even one whose filter drops
 * all, is a tap that every forwarded frame visits: measured here, that cost the nft dataplane
 * about 6 % of its TCP throughput. {@link #receive} never reads a frame.
 */
final class SendOnlyPort implements FramePort {
    private static final int SLL_IFINDEX_OFFSET = 4;

    static {
        Native.register(SendOnlyPort.class, NativeLibrary.getInstance("c"));
    }

    private static native int socket(int domain, int type, int protocol);

    private static native int bind(int fd, Pointer address, int length);

    private static native int setsockopt(int fd, int level, int name, Pointer value, int length);

    private static native long sendto(int fd, Pointer buf, long length, int flags, Pointer address, int addressLength);

    private static native int close(int fd);

    private final String name;
    private final int ifIndex;
    private final int mtu;
    private final int fd;
    /** Written once in the constructor, then only read (by every sender). */
    private final Memory address;
    private final PortCounters counters = new PortCounters();
    private volatile boolean closed;

    private SendOnlyPort(String name, int ifIndex, int fd, Memory address) {
        this.name = name;
        this.ifIndex = ifIndex;
        this.fd = fd;
        this.address = address;
        this.mtu = Math.max(0, SystemInterfaces.mtu(name));
    }

    /**
     * Opens {@code ifName} to send on.
     *
     * @param qdiscBypass set {@code PACKET_QDISC_BYPASS} (frames go straight to the driver)
     * @throws IOException no such interface, or the socket cannot be made (needs CAP_NET_RAW)
     */
    static SendOnlyPort open(String ifName, boolean qdiscBypass) throws IOException {
        if (!Platform.isLinux()) {
            throw new IOException("cannot open interface " + ifName + " to send: AF_PACKET needs Linux");
        }
        int ifIndex = PacketSocket.ifIndex(ifName);
        if (ifIndex <= 0) {
            throw new IOException("cannot open interface " + ifName + " to send: no such interface");
        }
        int fd = socket(PacketSocket.AF_PACKET, PacketSocket.SOCK_RAW | PacketSocket.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException("cannot open interface " + ifName + " to send: socket(AF_PACKET) errno " + Native.getLastError());
        }
        Memory sll = new Memory(PacketSocket.SOCKADDR_LL);
        sll.clear();
        sll.setShort(0, (short) PacketSocket.AF_PACKET); // sll_protocol 0: the kernel reads it from the frame
        sll.setInt(SLL_IFINDEX_OFFSET, ifIndex);
        if (bind(fd, sll, PacketSocket.SOCKADDR_LL) != 0) {
            int errno = Native.getLastError();
            close(fd);
            throw new IOException("cannot open interface " + ifName + " to send: bind errno " + errno);
        }
        if (qdiscBypass) {
            Memory one = new Memory(4);
            one.setInt(0, 1);
            if (setsockopt(fd, PacketSocket.SOL_PACKET, PacketSocket.PACKET_QDISC_BYPASS, one, 4) != 0) {
                EventLog.warn("qdisc_bypass_unavailable", "interface", ifName, "errno", Native.getLastError());
            }
        }
        EventLog.info("send_only_opened", "interface", ifName, "ifindex", ifIndex);
        return new SendOnlyPort(ifName, ifIndex, fd, sll);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int ifIndex() {
        return ifIndex;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    /** Never reads: returns {@link #STOPPED}, so a loop put on this port by mistake ends. */
    @Override
    public int receive(byte[] buf) {
        return STOPPED;
    }

    @Override
    public boolean send(byte[] buf, int length) {
        if (closed || length <= 0 || length > PcapPorts.SNAPLEN) {
            counters.txErrors.increment();
            return false;
        }
        return counters.sent(sendto(fd, PcapPorts.staged(buf, length), length, 0, address, PacketSocket.SOCKADDR_LL) == length, length);
    }

    @Override
    public void wakeUp() {
        // nothing blocks on this port
    }

    /** Reading every frame is what this port exists not to do; reading none is its state. */
    @Override
    public void captureAll(boolean all) throws IOException {
        if (all) {
            throw new IOException("interface " + name + " is open to send only");
        }
    }

    @Override
    public PortCounters counters() {
        return counters;
    }

    /** No ring: nothing is captured, nothing dropped. */
    @Override
    public long kernelDrops() {
        return -1;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            close(fd);
        }
    }

    @Override
    public String toString() {
        return "SendOnlyPort{" + name + ", ifindex " + ifIndex + '}';
    }
}
