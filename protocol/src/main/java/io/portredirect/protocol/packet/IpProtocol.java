package io.portredirect.protocol.packet;

/** IP protocol numbers and EtherTypes the views know. */
public final class IpProtocol {
    private IpProtocol() {
    }

    public static final int ICMP = 1;
    public static final int TCP = 6;
    public static final int UDP = 17;
    public static final int ICMPV6 = 58;

    public static final int IPV6_HOP_BY_HOP = 0;
    public static final int IPV6_ROUTING = 43;
    public static final int IPV6_FRAGMENT = 44;
    public static final int IPV6_ESP = 50;
    public static final int IPV6_AH = 51;
    public static final int IPV6_NO_NEXT = 59;
    public static final int IPV6_DESTINATION = 60;
    public static final int IPV6_MOBILITY = 135;

    public static final int ETHERTYPE_IPV4 = 0x0800;
    public static final int ETHERTYPE_ARP = 0x0806;
    public static final int ETHERTYPE_IPV6 = 0x86DD;
    public static final int ETHERTYPE_VLAN = 0x8100;
    public static final int ETHERTYPE_QINQ = 0x88A8;

    /** A name for tools. */
    public static String name(int protocol) {
        return switch (protocol) {
            case ICMP -> "ICMP";
            case TCP -> "TCP";
            case UDP -> "UDP";
            case ICMPV6 -> "ICMPv6";
            default -> "proto" + protocol;
        };
    }
}
