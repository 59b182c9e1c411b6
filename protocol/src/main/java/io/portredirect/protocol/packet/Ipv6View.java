package io.portredirect.protocol.packet;

/**
 * Flyweight over the IPv6 fixed header (RFC 8200). Extension headers are walked by
 * {@link PacketParser}, which records the transport offset and any fragment header.
 * <pre>
 *  0                4         6        7     8       24      40
 *  |ver|tc|flow label|payload | next   | hop | src   | dst   | extension headers...
 * </pre>
 */
public final class Ipv6View {
    public static final int PAYLOAD_LENGTH_OFFSET = 4;
    public static final int NEXT_HEADER_OFFSET = 6;
    public static final int HOP_LIMIT_OFFSET = 7;
    public static final int SRC_OFFSET = 8;
    public static final int DST_OFFSET = 24;
    public static final int HEADER_LENGTH = 40;
    public static final int ADDRESS_LENGTH = 16;
    public static final int FRAGMENT_HEADER_LENGTH = 8;

    private byte[] buffer;
    private int offset;

    public Ipv6View wrap(byte[] buffer, int offset) {
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

    public int version() {
        return (buffer[offset] & 0xF0) >>> 4;
    }

    public int trafficClass() {
        return ((buffer[offset] & 0x0F) << 4) | ((buffer[offset + 1] & 0xF0) >>> 4);
    }

    public int flowLabel() {
        return ((buffer[offset + 1] & 0x0F) << 16) | Bytes.u16(buffer, offset + 2);
    }

    public int payloadLength() {
        return Bytes.u16(buffer, offset + PAYLOAD_LENGTH_OFFSET);
    }

    public Ipv6View payloadLength(int v) {
        Bytes.put16(buffer, offset + PAYLOAD_LENGTH_OFFSET, v);
        return this;
    }

    public int nextHeader() {
        return Bytes.u8(buffer, offset + NEXT_HEADER_OFFSET);
    }

    public int hopLimit() {
        return Bytes.u8(buffer, offset + HOP_LIMIT_OFFSET);
    }

    public int srcOffset() {
        return offset + SRC_OFFSET;
    }

    public int dstOffset() {
        return offset + DST_OFFSET;
    }

    @Override
    public String toString() {
        return "IPv6{src=" + Bytes.ip(buffer, srcOffset(), 16) + ", dst=" + Bytes.ip(buffer, dstOffset(), 16)
                + ", plen=" + payloadLength() + ", next=" + IpProtocol.name(nextHeader()) + ", hlim=" + hopLimit() + '}';
    }
}
