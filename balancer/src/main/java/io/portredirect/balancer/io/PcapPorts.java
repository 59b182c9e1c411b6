package io.portredirect.balancer.io;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.portredirect.balancer.table.InterfaceMacs;
import io.portredirect.protocol.log.EventLog;
import io.portredirect.protocol.packet.Bytes;
import org.pcap4j.core.BpfProgram;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface;
import org.pcap4j.core.PcapStat;

import java.io.IOException;
import java.lang.reflect.Field;

/**
 * Opens live {@link FramePort}s: a pcap4j {@link PcapHandle} in immediate mode, snap length
 * 65536, a large kernel ring, and a short read timeout so reader threads notice a stop request.
 * Safe on a shared LAN: the interface stays non-promiscuous, the kernel filter admits only
 * frames sent to the interface's own MAC or to a group (broadcast, multicast: ARP and NDP), and
 * {@code PACKET_IGNORE_OUTGOING} keeps our own sends out of the ring. Non-promiscuous alone is
 * not enough: a veth (seen here) and a bridge port deliver other hosts' unicast to packet
 * sockets anyway.
 */
public final class PcapPorts {
    /** Largest frame we read; longer ones arrive truncated and are skipped. */
    public static final int SNAPLEN = 65536;
    /** Read timeout; only bounds how long a stop request waits, immediate mode delivers at once. */
    static final int READ_TIMEOUT_MILLIS = 100;
    /** Several threads send on one port: each copies a frame into its own native buffer. */
    private static final ThreadLocal<Memory> SEND_BUFFER = ThreadLocal.withInitial(() -> new Memory(SNAPLEN));

    private PcapPorts() {
    }

    /** {@code buf[0, length)} copied into the calling thread's native send buffer ({@code length <= SNAPLEN}). */
    static Memory staged(byte[] buf, int length) {
        Memory out = SEND_BUFFER.get();
        out.write(0, buf, 0, length);
        return out;
    }

    /** Opens one interface. */
    public static FramePort open(String ifName, CaptureOptions capture) throws IOException {
        PcapHandle handle;
        try {
            handle = new PcapHandle.Builder(ifName)
                    .snaplen(SNAPLEN)
                    // promiscuous, every replica on a LAN that floods unknown unicast would forward every frame
                    .promiscuousMode(PcapNetworkInterface.PromiscuousMode.NONPROMISCUOUS)
                    .timeoutMillis(READ_TIMEOUT_MILLIS)
                    .bufferSize(capture.bufferBytes())
                    .immediateMode(true)
                    .direction(PcapHandle.PcapDirection.IN)
                    .build();
        } catch (PcapNativeException | RuntimeException e) {
            throw new IOException("cannot open interface " + ifName + " for capture: " + e.getMessage(), e);
        }
        String filter = admitFilter(InterfaceMacs.sysfs().apply(ifName));
        Pointer pcapT = pcapT(handle);
        String ignoreOutgoing = PacketSocket.ignoreOutgoing(LibPcap.pcap_fileno(pcapT));
        EventLog.info("capture_opened", "interface", ifName, "promiscuous", false, "filter", filter,
                "ignore_outgoing", ignoreOutgoing == null ? "set" : "not set: " + ignoreOutgoing);
        return switch (capture.mode()) {
            case DIRECT -> new DirectPort(ifName, handle, pcapT, filter, capture);
            case PCAP4J -> new Pcap4jPort(ifName, handle, filter);
        };
    }

    /**
     * The capture filter of a read interface: frames sent to {@code mac} or to a group address
     * (none without a MAC). No {@code inbound}: libpcap 1.10 runs a new filter in user space on
     * the frames already in the ring, where the packet type cannot be read, so {@code inbound}
     * would drop them; outgoing frames are left out by {@code PACKET_IGNORE_OUTGOING} and, failing
     * that, by the pcap direction.
     */
    static String admitFilter(byte[] mac) {
        return mac == null ? "" : "ether dst " + Bytes.mac(mac, 0) + " or ether multicast";
    }

    /** The {@code pcap_t*} inside a pcap4j 1.8.2 handle (a private field; checked at open). */
    private static Pointer pcapT(PcapHandle handle) throws IOException {
        try {
            Field f = PcapHandle.class.getDeclaredField("handle");
            f.setAccessible(true);
            Pointer p = (Pointer) f.get(handle);
            if (p == null) {
                throw new IOException("pcap4j handle has no pcap_t");
            }
            return p;
        } catch (ReflectiveOperationException | RuntimeException e) {
            handle.close();
            throw new IOException("this pcap4j version hides its pcap_t (" + e + ")", e);
        }
    }

    private abstract static class Base implements FramePort {
        final String name;
        final PcapHandle handle;
        final String admitFilter;
        final int mtu;
        final PortCounters counters = new PortCounters();
        volatile boolean stopped;

        Base(String name, PcapHandle handle, String admitFilter) {
            this.name = name;
            this.handle = handle;
            this.admitFilter = admitFilter;
            this.mtu = Math.max(0, SystemInterfaces.mtu(name));
        }

        @Override
        public int mtu() {
            return mtu;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public PortCounters counters() {
            return counters;
        }

        @Override
        public void captureAll(boolean all) throws IOException {
            try {
                // "less 1": no frame is that short, so the kernel's filter drops all before copying
                handle.setFilter(all ? admitFilter : "less 1", BpfProgram.BpfCompileMode.OPTIMIZE);
            } catch (Exception e) {
                throw new IOException("cannot set capture filter on " + name + ": " + e.getMessage(), e);
            }
        }

        @Override
        public long kernelDrops() {
            try {
                PcapStat s = handle.getStats();
                return s.getNumPacketsDropped() + s.getNumPacketsDroppedByIf();
            } catch (Exception e) {
                return -1;
            }
        }

        @Override
        public void close() {
            stopped = true;
            handle.close();
        }

        @Override
        public String toString() {
            return getClass().getSimpleName() + '{' + name + '}';
        }
    }

    /**
     * pcap_next_ex / pcap_sendpacket through {@link LibPcap}: no allocation per packet. The
     * {@code pcap_t} is non-blocking: {@link #receiveNow} drains the ring without a syscall per
     * frame and says {@link #AGAIN} when it is empty, so the reader sends its batch before it
     * {@link #await}s in poll.
     */
    static final class DirectPort extends Base {

        private final Pointer pcapT;
        private final int ifIndex;
        // reused by the single reader thread: out-parameters and a movable view of native memory
        private final long[] headerAddress = new long[1];
        private final long[] dataAddress = new long[1];
        private final Pointer view = new Pointer(0);
        private final ReadyPoll ready;
        private final SpinPolicy spin;

        DirectPort(String name, PcapHandle handle, Pointer pcapT, String admitFilter, CaptureOptions capture) throws IOException {
            super(name, handle, admitFilter);
            this.pcapT = pcapT;
            this.spin = new SpinPolicy(capture.busyPollNanos(), capture.busyPollGapNanos());
            this.ifIndex = PacketSocket.ifIndex(name);
            byte[] errbuf = new byte[256];
            if (LibPcap.pcap_setnonblock(pcapT, 1, errbuf) != 0) {
                handle.close();
                throw new IOException("pcap_setnonblock on " + name + ": " + Native.toString(errbuf));
            }
            try {
                this.ready = new ReadyPoll(LibPcap.pcap_fileno(pcapT));
            } catch (RuntimeException e) {
                handle.close();
                throw new IOException("cannot wait on " + name + ": " + e.getMessage(), e);
            }
        }

        @Override
        public int ifIndex() {
            return ifIndex;
        }

        @Override
        public int receive(byte[] buf) throws IOException {
            int n = receiveNow(buf);
            if (n != AGAIN) {
                return n;
            }
            await();
            n = receiveNow(buf);
            return n == AGAIN ? TIMEOUT : n;
        }

        @Override
        public int receiveNow(byte[] buf) throws IOException {
            while (true) {
                if (stopped) {
                    return STOPPED;
                }
                int rc = LibPcap.pcap_next_ex(pcapT, headerAddress, dataAddress);
                if (rc == 1) {
                    if (spin.enabled()) {
                        spin.frame(System.nanoTime());
                    }
                    Pointer.nativeValue(view, headerAddress[0]);
                    int caplen = view.getInt(LibPcap.PKTHDR_CAPLEN_OFFSET);
                    int wireLen = view.getInt(LibPcap.PKTHDR_LEN_OFFSET);
                    if (caplen != wireLen || caplen > buf.length) {
                        counters.rxTruncated.increment();
                        continue;
                    }
                    Pointer.nativeValue(view, dataAddress[0]);
                    view.read(0, buf, 0, caplen);
                    counters.rxPackets.increment();
                    counters.rxBytes.add(caplen);
                    return caplen;
                }
                if (rc == 0) {
                    return AGAIN;
                }
                if (rc == -2 || stopped) {
                    return STOPPED;
                }
                throw new IOException("pcap_next_ex on " + name + ": " + LibPcap.pcap_geterr(pcapT));
            }
        }

        @Override
        public void await() {
            if (stopped) {
                return;
            }
            long spinNanos = spin.spinBeforeWait();
            if (spinNanos > 0 && ready.spin(spinNanos)) {
                return;
            }
            ready.await(READ_TIMEOUT_MILLIS);
        }

        @Override
        public boolean send(byte[] buf, int length) {
            if (length > PcapPorts.SNAPLEN) {
                counters.txErrors.increment();
                return false;
            }
            return counters.sent(LibPcap.pcap_sendpacket(pcapT, staged(buf, length), length) == 0, length);
        }

        @Override
        public void wakeUp() {
            stopped = true;
            ready.wake();
            LibPcap.pcap_breakloop(pcapT);
        }

        @Override
        public void close() {
            super.close();
            ready.close();
        }
    }

    /** pcap4j's own calls; allocates a byte[] (and more) per packet. */
    static final class Pcap4jPort extends Base {
        Pcap4jPort(String name, PcapHandle handle, String admitFilter) {
            super(name, handle, admitFilter);
        }

        @Override
        public int receive(byte[] buf) throws IOException {
            while (true) {
                if (stopped) {
                    return STOPPED;
                }
                byte[] p;
                Integer wire;
                try {
                    p = handle.getNextRawPacket();
                    wire = p == null ? null : handle.getOriginalLength();
                } catch (Exception e) {
                    if (stopped) {
                        return STOPPED;
                    }
                    throw new IOException("getNextRawPacket on " + name + ": " + e.getMessage(), e);
                }
                if (p == null) {
                    return stopped ? STOPPED : TIMEOUT;
                }
                if ((wire != null && wire != p.length) || p.length > buf.length) {
                    counters.rxTruncated.increment();
                    continue;
                }
                System.arraycopy(p, 0, buf, 0, p.length);
                counters.rxPackets.increment();
                counters.rxBytes.add(p.length);
                return p.length;
            }
        }

        @Override
        public boolean send(byte[] buf, int length) {
            boolean sent;
            try {
                handle.sendPacket(buf, length);
                sent = true;
            } catch (Exception e) {
                sent = false;
            }
            return counters.sent(sent, length);
        }

        @Override
        public void wakeUp() {
            stopped = true;
            try {
                handle.breakLoop();
            } catch (Exception ignored) {
                // closed already: the reader sees stopped
            }
        }
    }
}
