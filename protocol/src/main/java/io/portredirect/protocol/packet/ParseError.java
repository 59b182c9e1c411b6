package io.portredirect.protocol.packet;

/** Why a packet could not be parsed; the balancer counts each as a drop reason. */
public enum ParseError {
    TRUNCATED_ETHERNET("frame shorter than an Ethernet header"),
    UNSUPPORTED_ETHERTYPE("not IPv4 or IPv6"),
    TRUNCATED_IP("shorter than its IP header"),
    BAD_IP_VERSION("IP version field does not match the EtherType"),
    BAD_IPV4_HEADER_LENGTH("IPv4 header length below 20 or past the packet"),
    BAD_IP_TOTAL_LENGTH("IP length field larger than the packet"),
    BAD_IPV6_EXTENSION("IPv6 extension header truncated"),
    TRUNCATED_TCP("shorter than a TCP header"),
    BAD_TCP_DATA_OFFSET("TCP data offset below 5 or past the segment"),
    TRUNCATED_UDP("shorter than a UDP header"),
    BAD_UDP_LENGTH("UDP length below 8 or past the IP payload"),
    TRUNCATED_ICMP("shorter than an ICMP header");

    private final String description;

    ParseError(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
