package io.portredirect.tools.pcap;

import org.pcap4j.packet.namednumber.DataLinkType;

/** The link layers rdtool reads and writes, and where each puts the IP header. */
public enum LinkType {
    /** Ethernet II frames (DLT_EN10MB); 802.1Q tags are skipped by the parser. */
    ETHERNET("ethernet"),
    /** Bare IP packets (LINKTYPE_RAW, DLT_RAW 12/14, DLT_IPV4 228, DLT_IPV6 229). */
    RAW("raw"),
    /** Linux "cooked" capture (DLT_LINUX_SLL, what {@code tcpdump -i any} writes): a 16-byte header. */
    LINUX_SLL("linux-sll");

    /** Length of the Linux cooked header before the IP header. */
    public static final int SLL_HEADER_LENGTH = 16;

    private final String label;

    LinkType(String label) {
        this.label = label;
    }

    /** The name used in decode output and in {@code --link}. */
    public String label() {
        return label;
    }

    /** The link type of a libpcap DLT, or null when rdtool does not decode it. */
    public static LinkType of(DataLinkType dlt) {
        int v = dlt.value();
        if (v == 1) {
            return ETHERNET;
        }
        if (v == 12 || v == 14 || v == 101 || v == 228 || v == 229) {
            return RAW;
        }
        if (v == 113) {
            return LINUX_SLL;
        }
        return null;
    }

    /** The DLT to write pcap files with (Ethernet or raw IP). */
    public DataLinkType dlt() {
        return switch (this) {
            case ETHERNET -> DataLinkType.EN10MB;
            case RAW -> DataLinkType.RAW;
            case LINUX_SLL -> DataLinkType.LINUX_SLL;
        };
    }
}
