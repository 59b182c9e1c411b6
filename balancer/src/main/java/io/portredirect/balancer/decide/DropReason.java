package io.portredirect.balancer.decide;

/** Why the balancer dropped a packet. Every DROP carries exactly one, and each is counted. */
public enum DropReason {
    NOT_OUR_MAC("sent to another host's MAC, or a VIP packet in a broadcast/multicast frame (a router forwards neither)"),
    VLAN_TAGGED("802.1Q or 802.1ad tagged frame: the config has no VLANs, so a tag cannot be carried to a server"),
    NOT_IP("not IPv4 or IPv6 (ARP/NDP are answered by the I/O side)"),
    MALFORMED("headers do not parse (see parse error counters)"),
    NOT_VIP("destination is not a VIP"),
    LEGACY_NO_SERVER("redirect port without REDIRECT, and neither an owner nor a default server"),
    NO_RULE("no service or redirect port matched and there is no default server"),
    ICMP_QUOTE_TRUNCATED("ICMP error quote has no ports (truncated or not TCP/UDP); policy icmp-error: drop"),
    ICMP_QUOTE_NOT_OURS("ICMP error quotes a packet not sent from a VIP; policy icmp-error: drop"),
    ICMP_QUOTE_UNKNOWN_PORT("ICMP error quotes a port that is neither service nor redirect port; policy icmp-error: drop"),
    ICMP_REDIRECT("ICMPv4 redirect (type 5); policy icmp-redirect-quench: drop"),
    ICMP_SOURCE_QUENCH("ICMPv4 source quench (type 4, deprecated by RFC 6633); policy icmp-redirect-quench: drop"),
    ICMP_ECHO_POLICY("ICMP echo; policy icmp-echo: drop"),
    FRAGMENT_POLICY("non-first fragment; policy fragments: drop"),
    TOO_BIG("larger than the MTU of its server's link; an ICMP fragmentation-needed / packet-too-big went back when DF was set"),
    L3_NO_ADDRESS("l3 server has no address of the packet's IP version"),
    L3_VIP_MISMATCH("l3 server answers for another VIP of this IP version"),
    UNKNOWN_SERVER("server index out of range for the current tables"),
    NEXT_HOP_UNRESOLVED("return traffic while the next hop's MAC is unknown");

    private static final DropReason[] VALUES = values();

    private final String description;

    DropReason(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    /** The reason for an ordinal, as {@code PacketProcessor.lastDropReason()} returns it. */
    public static DropReason of(int ordinal) {
        return VALUES[ordinal];
    }
}
