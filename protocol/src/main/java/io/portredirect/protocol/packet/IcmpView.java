package io.portredirect.protocol.packet;

/**
 * Flyweight over an ICMPv4 (RFC 792) or ICMPv6 (RFC 4443) header; both share type, code,
 * checksum and a 4-byte rest-of-header, and errors quote the offending packet after byte 8.
 */
public final class IcmpView {
    public static final int TYPE_OFFSET = 0;
    public static final int CODE_OFFSET = 1;
    public static final int CHECKSUM_OFFSET = 2;
    public static final int REST_OFFSET = 4;
    public static final int HEADER_LENGTH = 8;

    public static final int V4_ECHO_REPLY = 0;
    public static final int V4_DEST_UNREACHABLE = 3;
    public static final int V4_SOURCE_QUENCH = 4;
    public static final int V4_REDIRECT = 5;
    public static final int V4_ECHO_REQUEST = 8;
    public static final int V4_TIME_EXCEEDED = 11;
    public static final int V4_PARAMETER_PROBLEM = 12;
    public static final int V4_CODE_FRAG_NEEDED = 4;
    public static final int V4_CODE_PORT_UNREACHABLE = 3;

    public static final int V6_DEST_UNREACHABLE = 1;
    public static final int V6_PACKET_TOO_BIG = 2;
    public static final int V6_TIME_EXCEEDED = 3;
    public static final int V6_PARAMETER_PROBLEM = 4;
    public static final int V6_CODE_PORT_UNREACHABLE = 4;
    public static final int V6_ECHO_REQUEST = 128;
    public static final int V6_ECHO_REPLY = 129;
    public static final int V6_ROUTER_SOLICITATION = 133;
    public static final int V6_ROUTER_ADVERTISEMENT = 134;
    public static final int V6_NEIGHBOR_SOLICITATION = 135;
    public static final int V6_NEIGHBOR_ADVERTISEMENT = 136;
    public static final int V6_REDIRECT = 137;

    private byte[] buffer;
    private int offset;

    public IcmpView wrap(byte[] buffer, int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public byte[] buffer() {
        return buffer;
    }

    public int offset() {
        return offset;
    }

    public int type() {
        return Bytes.u8(buffer, offset + TYPE_OFFSET);
    }

    public int code() {
        return Bytes.u8(buffer, offset + CODE_OFFSET);
    }

    public int checksum() {
        return Bytes.u16(buffer, offset + CHECKSUM_OFFSET);
    }

    public IcmpView checksum(int v) {
        Bytes.put16(buffer, offset + CHECKSUM_OFFSET, v);
        return this;
    }

    /** The 4-byte rest of header as an int (id+seq for echo, MTU for too-big / frag-needed). */
    public int rest() {
        return Bytes.i32(buffer, offset + REST_OFFSET);
    }

    /** Where the quoted packet of an error starts. */
    public int quotedOffset() {
        return offset + HEADER_LENGTH;
    }

    /** True for the ICMPv4 error types the balancer routes by their quote (3, 4, 5, 11, 12). */
    public static boolean isV4Error(int type) {
        return type == V4_DEST_UNREACHABLE || type == V4_SOURCE_QUENCH || type == V4_REDIRECT
                || type == V4_TIME_EXCEEDED || type == V4_PARAMETER_PROBLEM;
    }

    /** True for ICMPv6 error types 1-4 (RFC 4443: errors are types 0-127; these are the defined ones). */
    public static boolean isV6Error(int type) {
        return type >= V6_DEST_UNREACHABLE && type <= V6_PARAMETER_PROBLEM;
    }

    @Override
    public String toString() {
        return "ICMP{type=" + type() + ", code=" + code() + String.format(", csum=0x%04x}", checksum());
    }
}
