package io.portredirect.protocol.packet;

/**
 * Flyweight over an Ethernet II header, skipping 802.1Q / 802.1ad tags to the inner EtherType.
 * <pre>
 *  0        6        12          12+4n        14+4n
 *  | dst    | src    | [TPID TCI]* | EtherType | payload
 * </pre>
 */
public final class EthernetView {
    public static final int DST_OFFSET = 0;
    public static final int SRC_OFFSET = 6;
    public static final int TYPE_OFFSET = 12;
    public static final int HEADER_LENGTH = 14;
    public static final int VLAN_TAG_LENGTH = 4;
    public static final int MAC_LENGTH = 6;
    private static final int MAX_TAGS = 2;

    private byte[] buffer;
    private int offset;
    private int length;
    private int typeOffset;

    /** Wraps a frame; returns false when it is too short for its header and tags. */
    public boolean wrap(byte[] buffer, int offset, int length) {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        this.typeOffset = etherTypeOffset(buffer, offset, length);
        return typeOffset >= 0;
    }

    /**
     * Offset of the inner EtherType field of the frame at {@code [offset, offset + length)}, after
     * up to two 802.1Q / 802.1ad tags; -1 when the frame is too short for its header and tags.
     */
    public static int etherTypeOffset(byte[] buffer, int offset, int length) {
        if (length < HEADER_LENGTH) {
            return -1;
        }
        int t = offset + TYPE_OFFSET;
        for (int tags = 0; tags < MAX_TAGS; tags++) {
            int type = Bytes.u16(buffer, t);
            if (type != IpProtocol.ETHERTYPE_VLAN && type != IpProtocol.ETHERTYPE_QINQ) {
                break;
            }
            t += VLAN_TAG_LENGTH;
            if (t + 2 > offset + length) {
                return -1;
            }
        }
        return t;
    }

    public byte[] buffer() {
        return buffer;
    }

    public int offset() {
        return offset;
    }

    public int length() {
        return length;
    }

    /** The inner EtherType (after any VLAN tags). */
    public int etherType() {
        return Bytes.u16(buffer, typeOffset);
    }

    /** Number of VLAN tags skipped. */
    public int vlanTags() {
        return (typeOffset - offset - TYPE_OFFSET) / VLAN_TAG_LENGTH;
    }

    /** VLAN id of the outer tag, or -1. */
    public int vlanId() {
        return vlanTags() == 0 ? -1 : Bytes.u16(buffer, offset + TYPE_OFFSET + 2) & 0x0FFF;
    }

    /** Absolute offset of the payload (the IP header). */
    public int payloadOffset() {
        return typeOffset + 2;
    }

    public int dstOffset() {
        return offset + DST_OFFSET;
    }

    public int srcOffset() {
        return offset + SRC_OFFSET;
    }

    /** Copies a MAC into the destination field. */
    public EthernetView dst(byte[] mac, int macOffset) {
        System.arraycopy(mac, macOffset, buffer, offset + DST_OFFSET, MAC_LENGTH);
        return this;
    }

    /** Copies a MAC into the source field. */
    public EthernetView src(byte[] mac, int macOffset) {
        System.arraycopy(mac, macOffset, buffer, offset + SRC_OFFSET, MAC_LENGTH);
        return this;
    }

    @Override
    public String toString() {
        if (typeOffset < 0) {
            return "Ethernet{truncated}";
        }
        return "Ethernet{dst=" + Bytes.mac(buffer, dstOffset()) + ", src=" + Bytes.mac(buffer, srcOffset())
                + (vlanTags() > 0 ? ", vlan=" + vlanId() : "") + String.format(", type=0x%04x}", etherType());
    }
}
