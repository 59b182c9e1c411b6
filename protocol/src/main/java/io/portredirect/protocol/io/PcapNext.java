package io.portredirect.protocol.io;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import org.pcap4j.core.PcapHandle;

import java.lang.reflect.Field;

/**
 * {@code pcap_next_ex} on a pcap4j handle's {@code pcap_t}, bound with JNA direct mapping: a frame
 * costs one copy into a new array, where pcap4j's {@code getNextRawPacket} builds a JNA Structure
 * (reflection, native memory with a finalizer) per frame: about 60 µs of CPU per captured packet
 * here, paid by every agent for every upstream connection's SYN-ACK. The balancer's direct I/O does
 * the same for its dataplane.
 */
final class PcapNext {
    /** Offset of {@code caplen} in {@code struct pcap_pkthdr}: after {@code struct timeval}. */
    private static final int CAPLEN_OFFSET = 2 * Native.LONG_SIZE;
    private static final String WHY_NOT;
    private static final long ERROR_PAUSE_MILLIS = 50;

    static {
        String why = null;
        try {
            PcapLibrary.ensure();
            Native.register(PcapNext.class, NativeLibrary.getInstance(System.getProperty("org.pcap4j.core.pcapLibName", "pcap")));
        } catch (RuntimeException | LinkageError e) {
            why = e.toString();
        }
        WHY_NOT = why;
    }

    private final Pointer pcapT;
    // one reader thread: reused out-parameters and a movable view of native memory
    private final long[] header = new long[1];
    private final long[] data = new long[1];
    private final Pointer view = new Pointer(0);

    private PcapNext(Pointer pcapT) {
        this.pcapT = pcapT;
    }

    /**
     * {@code int pcap_next_ex(pcap_t *p, struct pcap_pkthdr **h, const u_char **data)}: 1 = packet,
     * 0 = timeout, -1 = error, -2 = pcap_breakloop.
     */
    private static native int pcap_next_ex(Pointer p, long[] header, long[] data);

    /** A reader for {@code handle}, or null when its {@code pcap_t} is out of reach (then use pcap4j's calls). */
    static PcapNext of(PcapHandle handle) {
        if (WHY_NOT != null) {
            return null;
        }
        try {
            // pcap4j 1.8.2 keeps it in a private field
            Field f = PcapHandle.class.getDeclaredField("handle");
            f.setAccessible(true);
            Pointer p = (Pointer) f.get(handle);
            return p == null ? null : new PcapNext(p);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The next frame (a new array), or null: a timeout, a wake-up, or an error (then after a pause, so
     * a capture that keeps failing does not spin; pcap4j's call, used before, returned null too).
     */
    byte[] next() {
        int rc = pcap_next_ex(pcapT, header, data);
        if (rc == 1) {
            Pointer.nativeValue(view, header[0]);
            int caplen = view.getInt(CAPLEN_OFFSET);
            byte[] frame = new byte[caplen];
            Pointer.nativeValue(view, data[0]);
            view.read(0, frame, 0, caplen);
            return frame;
        }
        if (rc == -1) {
            try {
                Thread.sleep(ERROR_PAUSE_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return null;
    }
}
