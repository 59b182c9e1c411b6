package io.portredirect.balancer.io;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * The few libpcap calls of the receive/send loop, bound with JNA direct mapping (a JNI stub per
 * method, no reflection or Structure marshalling per call). pcap4j 1.8.2 opens and configures the
 * handle; these calls then run on its {@code pcap_t} so a packet costs one copy into a reused
 * Java buffer and no allocation.
 */
final class LibPcap {
    /** Offset of {@code caplen} in {@code struct pcap_pkthdr}: after {@code struct timeval}. */
    static final int PKTHDR_CAPLEN_OFFSET = 2 * Native.LONG_SIZE;
    /** Offset of {@code len} (length on the wire). */
    static final int PKTHDR_LEN_OFFSET = PKTHDR_CAPLEN_OFFSET + 4;

    static {
        Native.register(LibPcap.class, NativeLibrary.getInstance(System.getProperty("org.pcap4j.core.pcapLibName", "pcap")));
    }

    private LibPcap() {
    }

    /**
     * {@code int pcap_next_ex(pcap_t *p, struct pcap_pkthdr **h, const u_char **data)}: the two
     * out-pointers arrive as addresses in one-element arrays, which direct mapping passes without
     * allocating wrapper objects. 1 = packet, 0 = timeout, -1 = error, -2 = pcap_breakloop.
     */
    static native int pcap_next_ex(Pointer p, long[] header, long[] data);

    /**
     * {@code int pcap_sendpacket(pcap_t *p, const u_char *buf, int size)}: 0 or -1. Takes native
     * memory: a Java array argument would make JNA copy the whole array in and back out per call
     * (with a 64 KiB frame buffer that was a third of the balancer's CPU).
     */
    static native int pcap_sendpacket(Pointer p, Pointer buf, int size);

    /**
     * {@code int pcap_setnonblock(pcap_t *p, int nonblock, char *errbuf)}: in non-blocking mode
     * pcap_next_ex returns 0 at once when the ring is empty (after one poll with timeout 0)
     * instead of sleeping in poll, so the reader decides when and how to wait.
     */
    static native int pcap_setnonblock(Pointer p, int nonblock, byte[] errbuf);

    /** {@code void pcap_breakloop(pcap_t *p)}: wakes a blocked pcap_next_ex (eventfd on Linux). */
    static native void pcap_breakloop(Pointer p);

    /** {@code int pcap_fileno(pcap_t *p)}: the packet socket, for options libpcap does not set. */
    static native int pcap_fileno(Pointer p);

    /** {@code char *pcap_geterr(pcap_t *p)}. */
    static native String pcap_geterr(Pointer p);
}
