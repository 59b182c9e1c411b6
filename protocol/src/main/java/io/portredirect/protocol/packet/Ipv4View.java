package io.portredirect.protocol.packet;

/**
 * Flyweight over an IPv4 header (RFC 791), options included.
 * <pre>
 *  0      1      2      4      6          8     9      10     12     16     20
 *  |ver+ihl| tos |total |  id  |flags+frag| ttl | proto| csum | src  | dst  | options
 * </pre>
 */
public final class Ipv4View {
    public static final int VERSION_IHL_OFFSET = 0;
    public static final int TOS_OFFSET = 1;
    public static final int TOTAL_LENGTH_OFFSET = 2;
    public static final int ID_OFFSET = 4;
    public static final int FLAGS_FRAGMENT_OFFSET = 6;
    public static final int TTL_OFFSET = 8;
    public static final int PROTOCOL_OFFSET = 9;
    public static final int CHECKSUM_OFFSET = 10;
    public static final int SRC_OFFSET = 12;
    public static final int DST_OFFSET = 16;
    public static final int MIN_HEADER_LENGTH = 20;
    public static final int ADDRESS_LENGTH = 4;
    public static final int FLAG_DONT_FRAGMENT = 0x4000;
    public static final int FLAG_MORE_FRAGMENTS = 0x2000;
    public static final int FRAGMENT_OFFSET_MASK = 0x1FFF;

    private byte[] buffer;
    private int offset;

    public Ipv4View wrap(byte[] buffer, int offset) {
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

    /** Header length in bytes (IHL * 4). */
    public int headerLength() {
        return (buffer[offset] & 0x0F) * 4;
    }

    public int tos() {
        return Bytes.u8(buffer, offset + TOS_OFFSET);
    }

    public int totalLength() {
        return Bytes.u16(buffer, offset + TOTAL_LENGTH_OFFSET);
    }

    public Ipv4View totalLength(int v) {
        Bytes.put16(buffer, offset + TOTAL_LENGTH_OFFSET, v);
        return this;
    }

    public int id() {
        return Bytes.u16(buffer, offset + ID_OFFSET);
    }

    public boolean dontFragment() {
        return (Bytes.u16(buffer, offset + FLAGS_FRAGMENT_OFFSET) & FLAG_DONT_FRAGMENT) != 0;
    }

    public boolean moreFragments() {
        return (Bytes.u16(buffer, offset + FLAGS_FRAGMENT_OFFSET) & FLAG_MORE_FRAGMENTS) != 0;
    }

    /** Fragment offset in bytes. */
    public int fragmentOffset() {
        return (Bytes.u16(buffer, offset + FLAGS_FRAGMENT_OFFSET) & FRAGMENT_OFFSET_MASK) * 8;
    }

    public boolean isFragment() {
        return moreFragments() || fragmentOffset() != 0;
    }

    public int ttl() {
        return Bytes.u8(buffer, offset + TTL_OFFSET);
    }

    public int protocol() {
        return Bytes.u8(buffer, offset + PROTOCOL_OFFSET);
    }

    public int checksum() {
        return Bytes.u16(buffer, offset + CHECKSUM_OFFSET);
    }

    public int srcOffset() {
        return offset + SRC_OFFSET;
    }

    public int dstOffset() {
        return offset + DST_OFFSET;
    }

    /** Source address as an int (network order value). */
    public int src() {
        return Bytes.i32(buffer, offset + SRC_OFFSET);
    }

    public int dst() {
        return Bytes.i32(buffer, offset + DST_OFFSET);
    }

    /** Writes the destination address and updates the header checksum incrementally (RFC 1624). */
    public Ipv4View dstUpdatingChecksum(int address) {
        int old = dst();
        Bytes.put32(buffer, offset + DST_OFFSET, address & 0xFFFFFFFFL);
        Bytes.put16(buffer, offset + CHECKSUM_OFFSET, Checksum.update32(checksum(), old, address));
        return this;
    }

    /** Writes the source address and updates the header checksum incrementally (RFC 1624). */
    public Ipv4View srcUpdatingChecksum(int address) {
        int old = src();
        Bytes.put32(buffer, offset + SRC_OFFSET, address & 0xFFFFFFFFL);
        Bytes.put16(buffer, offset + CHECKSUM_OFFSET, Checksum.update32(checksum(), old, address));
        return this;
    }

    /** Recomputes the header checksum from scratch. */
    public Ipv4View computeChecksum() {
        Bytes.put16(buffer, offset + CHECKSUM_OFFSET, 0);
        Bytes.put16(buffer, offset + CHECKSUM_OFFSET, Checksum.compute(buffer, offset, headerLength()));
        return this;
    }

    /** True when the header checksum verifies. */
    public boolean checksumValid() {
        return Checksum.verifies(Checksum.add(0, buffer, offset, headerLength()));
    }

    @Override
    public String toString() {
        return "IPv4{src=" + Bytes.ip(buffer, srcOffset(), 4) + ", dst=" + Bytes.ip(buffer, dstOffset(), 4)
                + ", ihl=" + headerLength() + ", len=" + totalLength() + ", id=" + id() + ", ttl=" + ttl()
                + ", proto=" + IpProtocol.name(protocol()) + (dontFragment() ? ", DF" : "")
                + (isFragment() ? ", frag=" + fragmentOffset() + (moreFragments() ? "+MF" : "") : "")
                + String.format(", csum=0x%04x}", checksum());
    }
}
