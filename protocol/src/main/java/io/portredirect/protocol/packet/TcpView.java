package io.portredirect.protocol.packet;

import java.util.List;

/**
 * Flyweight over a TCP header (RFC 9293).
 * <pre>
 *  0      2      4     8     12          13     14     16     18     20
 *  | sport| dport| seq | ack |offset+rsv | flags|window| csum | urg  | options
 * </pre>
 */
public final class TcpView {
    public static final int SRC_PORT_OFFSET = 0;
    public static final int DST_PORT_OFFSET = 2;
    public static final int SEQ_OFFSET = 4;
    public static final int ACK_OFFSET = 8;
    public static final int DATA_OFFSET_OFFSET = 12;
    public static final int FLAGS_OFFSET = 13;
    public static final int WINDOW_OFFSET = 14;
    public static final int CHECKSUM_OFFSET = 16;
    public static final int URGENT_OFFSET = 18;
    public static final int MIN_HEADER_LENGTH = 20;
    public static final int MAX_HEADER_LENGTH = 60;

    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    public static final int ECE = 0x40;
    public static final int CWR = 0x80;
    /** Flag names as RFC 9293 and tcpdump spell them; element i names bit {@code 1 << i} (FIN first). */
    public static final List<String> FLAG_NAMES = List.of("FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR");

    private byte[] buffer;
    private int offset;

    public TcpView wrap(byte[] buffer, int offset) {
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

    public TcpView srcPort(int v) {
        Bytes.put16(buffer, offset + SRC_PORT_OFFSET, v);
        return this;
    }

    public int dstPort() {
        return Bytes.u16(buffer, offset + DST_PORT_OFFSET);
    }

    public TcpView dstPort(int v) {
        Bytes.put16(buffer, offset + DST_PORT_OFFSET, v);
        return this;
    }

    public long seq() {
        return Bytes.u32(buffer, offset + SEQ_OFFSET);
    }

    public TcpView seq(long v) {
        Bytes.put32(buffer, offset + SEQ_OFFSET, v);
        return this;
    }

    public long ack() {
        return Bytes.u32(buffer, offset + ACK_OFFSET);
    }

    public TcpView ack(long v) {
        Bytes.put32(buffer, offset + ACK_OFFSET, v);
        return this;
    }

    /** Header length in bytes (data offset * 4). */
    public int headerLength() {
        return ((buffer[offset + DATA_OFFSET_OFFSET] & 0xF0) >>> 4) * 4;
    }

    public TcpView headerLength(int bytes) {
        buffer[offset + DATA_OFFSET_OFFSET] = (byte) (((bytes / 4) << 4) | (buffer[offset + DATA_OFFSET_OFFSET] & 0x0F));
        return this;
    }

    public int flags() {
        return Bytes.u8(buffer, offset + FLAGS_OFFSET);
    }

    public TcpView flags(int v) {
        buffer[offset + FLAGS_OFFSET] = (byte) v;
        return this;
    }

    public boolean has(int flag) {
        return (flags() & flag) != 0;
    }

    public int window() {
        return Bytes.u16(buffer, offset + WINDOW_OFFSET);
    }

    public TcpView window(int v) {
        Bytes.put16(buffer, offset + WINDOW_OFFSET, v);
        return this;
    }

    public int checksum() {
        return Bytes.u16(buffer, offset + CHECKSUM_OFFSET);
    }

    public TcpView checksum(int v) {
        Bytes.put16(buffer, offset + CHECKSUM_OFFSET, v);
        return this;
    }

    public int urgentPointer() {
        return Bytes.u16(buffer, offset + URGENT_OFFSET);
    }

    public int optionsOffset() {
        return offset + MIN_HEADER_LENGTH;
    }

    public int optionsLength() {
        return headerLength() - MIN_HEADER_LENGTH;
    }

    /** Names the flags, e.g. {@code SYN|ACK}. */
    public static String flagNames(int flags) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < FLAG_NAMES.size(); i++) {
            if ((flags & (1 << i)) != 0) {
                sb.append(sb.length() > 0 ? "|" : "").append(FLAG_NAMES.get(i));
            }
        }
        return sb.length() == 0 ? "none" : sb.toString();
    }

    @Override
    public String toString() {
        return "TCP{sport=" + srcPort() + ", dport=" + dstPort() + ", seq=" + seq() + ", ack=" + ack()
                + ", flags=" + flagNames(flags()) + ", hlen=" + headerLength() + ", win=" + window()
                + String.format(", csum=0x%04x}", checksum());
    }
}
