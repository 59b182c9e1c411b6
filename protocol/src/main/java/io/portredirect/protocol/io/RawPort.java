package io.portredirect.protocol.io;

import io.portredirect.protocol.packet.PacketParser;
import io.portredirect.protocol.packet.ParsedPacket;
import org.pcap4j.core.BpfProgram;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface;
import org.pcap4j.packet.namednumber.DataLinkType;

import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A live capture-and-inject port on one interface over pcap4j/libpcap: immediate mode, snaplen
 * 65536, an optional BPF filter and a capture direction. {@link #start} runs a receive loop on its
 * own daemon thread and hands every captured frame to a {@link FrameHandler}; {@link #send}
 * injects a frame as is (link-layer header included). Exceptions thrown by the handler are counted,
 * never propagated: a bad packet must not stop the port.
 *
 * <p>To open a port inside another network namespace, call {@link #open} within
 * {@link NetNamespace#call}: the capture socket stays in that namespace.
 */
public final class RawPort implements AutoCloseable {
    /** Which frames the capture sees, relative to this host. */
    public enum Direction { IN, OUT, INOUT }

    /** The link-layer framing of captured and injected frames. */
    public enum LinkType {
        /** Ethernet II (also Linux loopback, with zero MACs): 14-byte header. */
        ETHERNET(14),
        /** No link-layer header: frames start with the IP header (tun, wireguard). */
        RAW(0);

        private final int headerLength;

        LinkType(int headerLength) {
            this.headerLength = headerLength;
        }

        /** Bytes before the IP header. */
        public int headerLength() {
            return headerLength;
        }
    }

    /** Receives captured frames on the port's receive thread. */
    @FunctionalInterface
    public interface FrameHandler {
        /**
         * One captured frame in {@code frame[0, length)}. The array is valid only during the call
         * (copy what you keep); runs on the port's receive thread, so keep it short.
         */
        void frame(byte[] frame, int length);
    }

    public static final int SNAPLEN = 65536;
    private static final int READ_TIMEOUT_MILLIS = 50;
    private static final int BUFFER_BYTES = 4 << 20;

    private final String ifName;
    private final PcapHandle handle;
    /** Null: frames come through pcap4j's own (slower) call. */
    private final PcapNext next;
    private final LinkType linkType;
    private final byte[] mac;
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong handlerErrors = new AtomicLong();
    private final ThreadLocal<byte[]> sendScratch = ThreadLocal.withInitial(() -> new byte[SNAPLEN]);
    private volatile boolean running;
    private Thread receiver;

    private RawPort(String ifName, PcapHandle handle, LinkType linkType, byte[] mac) {
        this.ifName = ifName;
        this.handle = handle;
        this.next = PcapNext.of(handle);
        this.linkType = linkType;
        this.mac = mac;
    }

    /** Opens a non-promiscuous port; see {@link #open(String, String, Direction, boolean)}. */
    public static RawPort open(String ifName, String bpfFilter, Direction direction) throws IOException {
        return open(ifName, bpfFilter, direction, false);
    }

    /**
     * Opens a port on {@code ifName}.
     *
     * @param bpfFilter tcpdump filter syntax; null or blank captures everything
     * @param direction frames received, sent, or both
     * @throws IOException when libpcap cannot open the interface, the filter does not compile, or
     *                     the link type is neither Ethernet nor raw IP
     */
    public static RawPort open(String ifName, String bpfFilter, Direction direction, boolean promiscuous) throws IOException {
        Objects.requireNonNull(ifName, "interface name");
        PcapLibrary.ensure();
        byte[] mac = linkAddress(ifName);
        PcapHandle h;
        try {
            h = new PcapHandle.Builder(ifName)
                    .snaplen(SNAPLEN)
                    .promiscuousMode(promiscuous ? PcapNetworkInterface.PromiscuousMode.PROMISCUOUS
                            : PcapNetworkInterface.PromiscuousMode.NONPROMISCUOUS)
                    .timeoutMillis(READ_TIMEOUT_MILLIS)
                    .bufferSize(BUFFER_BYTES)
                    .immediateMode(true)
                    .build();
        } catch (PcapNativeException e) {
            throw new IOException("cannot open capture on " + ifName + ": " + e.getMessage(), e);
        }
        try {
            h.setDirection(switch (direction) {
                case IN -> PcapHandle.PcapDirection.IN;
                case OUT -> PcapHandle.PcapDirection.OUT;
                case INOUT -> PcapHandle.PcapDirection.INOUT;
            });
            if (bpfFilter != null && !bpfFilter.isBlank()) {
                h.setFilter(bpfFilter, BpfProgram.BpfCompileMode.OPTIMIZE);
            }
            DataLinkType dlt = h.getDlt();
            LinkType lt;
            if (DataLinkType.EN10MB.equals(dlt)) {
                lt = LinkType.ETHERNET;
            } else if (DataLinkType.RAW.equals(dlt) || dlt.value() == 12 || dlt.value() == 101) {
                lt = LinkType.RAW;
            } else {
                throw new IOException(ifName + ": unsupported link type " + dlt + " (need Ethernet or raw IP)");
            }
            return new RawPort(ifName, h, lt, lt == LinkType.ETHERNET ? mac : null);
        } catch (PcapNativeException | NotOpenException e) {
            h.close();
            throw new IOException(ifName + ": " + e.getMessage() + (bpfFilter != null ? " (filter: " + bpfFilter + ")" : ""), e);
        } catch (IOException | RuntimeException e) {
            h.close();
            throw e;
        }
    }

    /** The interface's hardware address via iproute2 (netlink, so correct inside a namespace thread). */
    private static byte[] linkAddress(String ifName) throws IOException {
        String out = HostCommand.run(List.of("ip", "-o", "link", "show", "dev", ifName));
        String[] t = out.trim().split("\\s+");
        for (int i = 0; i + 1 < t.length; i++) {
            if (t[i].startsWith("link/") && t[i + 1].matches("([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}")) {
                return parseMac(t[i + 1]);
            }
        }
        return null;
    }

    /** Parses aa:bb:cc:dd:ee:ff. */
    public static byte[] parseMac(String s) {
        String[] p = s.split(":");
        if (p.length != 6) {
            throw new IllegalArgumentException("not a MAC address: " + s);
        }
        byte[] m = new byte[6];
        for (int i = 0; i < 6; i++) {
            m[i] = (byte) Integer.parseInt(p[i], 16);
        }
        return m;
    }

    public String interfaceName() {
        return ifName;
    }

    public LinkType linkType() {
        return linkType;
    }

    /** The interface's MAC (a copy), or null for a raw-IP link. */
    public byte[] mac() {
        return mac == null ? null : mac.clone();
    }

    /** Parses a captured frame according to {@link #linkType()}. */
    public ParsedPacket parse(byte[] frame, int length, ParsedPacket out) {
        return linkType == LinkType.ETHERNET
                ? PacketParser.parseFrame(frame, 0, length, out)
                : PacketParser.parseIp(frame, 0, length, out);
    }

    /** Starts the receive loop (once) on a daemon thread named after the interface. */
    public synchronized RawPort start(FrameHandler handler) {
        Objects.requireNonNull(handler, "handler");
        if (receiver != null) {
            throw new IllegalStateException("already started: " + ifName);
        }
        running = true;
        receiver = new Thread(() -> receiveLoop(handler), "rawport-" + ifName);
        receiver.setDaemon(true);
        receiver.start();
        return this;
    }

    private void receiveLoop(FrameHandler handler) {
        while (running) {
            byte[] frame;
            try {
                frame = next != null ? next.next() : handle.getNextRawPacket();
            } catch (NotOpenException e) {
                return;
            }
            if (frame == null) {
                continue; // timeout or breakloop: look at the running flag again
            }
            received.incrementAndGet();
            try {
                handler.frame(frame, frame.length);
            } catch (RuntimeException e) {
                handlerErrors.incrementAndGet();
            }
        }
    }

    /** Injects {@code frame[off, off + len)} as one frame. Thread-safe. */
    public void send(byte[] frame, int off, int len) throws IOException {
        byte[] b = frame;
        if (off != 0) {
            b = sendScratch.get();
            System.arraycopy(frame, off, b, 0, len);
        }
        try {
            handle.sendPacket(b, len);
            sent.incrementAndGet();
        } catch (PcapNativeException | NotOpenException e) {
            throw new IOException("send on " + ifName + " failed: " + e.getMessage(), e);
        }
    }

    /** Injects a whole frame. */
    public void send(byte[] frame) throws IOException {
        send(frame, 0, frame.length);
    }

    /** Frames handed to the handler so far. */
    public long received() {
        return received.get();
    }

    public long sent() {
        return sent.get();
    }

    /** Frames whose handler threw. */
    public long handlerErrors() {
        return handlerErrors.get();
    }

    /** Stops the receive loop (waits up to a second) and closes the capture. Idempotent. */
    @Override
    public void close() {
        running = false;
        Thread r;
        synchronized (this) {
            r = receiver;
        }
        // libpcap 1.10 (TPACKET_V3) may sit in poll() past the read timeout; breakloop wakes it
        for (int i = 0; r != null && r != Thread.currentThread() && r.isAlive() && i < 10; i++) {
            try {
                handle.breakLoop();
                r.join(200);
            } catch (NotOpenException e) {
                break;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (handle.isOpen() && (r == null || !r.isAlive() || r == Thread.currentThread())) {
            handle.close();
        }
    }

    @Override
    public String toString() {
        return "RawPort{" + ifName + ", " + linkType + ", rx=" + received + ", tx=" + sent + '}';
    }
}
