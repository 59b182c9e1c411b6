package io.portredirect.balancer.io;

/** How frames move between libpcap and the forwarding loop. */
public enum IoMode {
    /**
     * pcap_next_ex / pcap_sendpacket on the pcap4j handle's {@code pcap_t} through JNA direct
     * mapping: one copy into a reused buffer, no allocation per packet. The default.
     */
    DIRECT,
    /**
     * pcap4j's own getNextRawPacket / sendPacket: a new byte[] and a pcap_pkthdr Structure read
     * per packet plus a lock per call. Kept as the measured baseline.
     */
    PCAP4J
}
