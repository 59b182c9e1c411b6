package io.portredirect.protocol.packet;

/**
 * Flyweight over a UDP header (RFC 768). When the IP payload is longer than {@link #length()}
 * the extra bytes are the RFC 9868 surplus area that carries UDP options.
 */
public final class UdpView {
    public static final int SRC_PORT_OFFSET = 0;
    public static final int DST_PORT_OFFSET = 2;
    public static final int LENGTH_OFFSET = 4;
    public static final int CHECKSUM_OFFSET = 6;
    public static final int HEADER_LENGTH = 8;

    private byte[] buffer;
    private int offset;

    public UdpView wrap(byte[] buffer, int offset) {
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

    public int srcPort() {
        return Bytes.u16(buffer, offset + SRC_PORT_OFFSET);
    }

    public UdpView srcPort(int v) {
        Bytes.put16(buffer, offset + SRC_PORT_OFFSET, v);
        return this;
    }

    public int dstPort() {
        return Bytes.u16(buffer, offset + DST_PORT_OFFSET);
    }

    public UdpView dstPort(int v) {
        Bytes.put16(buffer, offset + DST_PORT_OFFSET, v);
        return this;
    }

    /** The UDP length field: header plus user data, excluding any surplus area. */
    public int length() {
        return Bytes.u16(buffer, offset + LENGTH_OFFSET);
    }

    public UdpView length(int v) {
        Bytes.put16(buffer, offset + LENGTH_OFFSET, v);
        return this;
    }

    public int checksum() {
        return Bytes.u16(buffer, offset + CHECKSUM_OFFSET);
    }

    public UdpView checksum(int v) {
        Bytes.put16(buffer, offset + CHECKSUM_OFFSET, v);
        return this;
    }

    public int payloadOffset() {
        return offset + HEADER_LENGTH;
    }

    @Override
    public String toString() {
        return "UDP{sport=" + srcPort() + ", dport=" + dstPort() + ", len=" + length()
                + String.format(", csum=0x%04x}", checksum());
    }
}
