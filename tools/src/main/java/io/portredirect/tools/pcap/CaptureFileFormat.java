package io.portredirect.tools.pcap;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The two capture file formats rdtool reads, told apart by their first bytes as libpcap, tcpdump
 * and tshark do (the file name's extension plays no part): classic pcap (magic A1B2C3D4, or
 * A1B23C4D with nanosecond timestamps, in either byte order) and pcapng (a Section Header Block,
 * type 0A0D0D0A, whose byte-order magic 1A2B3C4D says the file's byte order).
 */
public enum CaptureFileFormat {
    PCAP("pcap"),
    PCAPNG("pcapng");

    private static final int PCAP_MICROS = 0xA1B2C3D4;
    private static final int PCAP_NANOS = 0xA1B23C4D;
    private static final int PCAPNG_SECTION_HEADER = 0x0A0D0D0A;
    private static final int PCAPNG_BYTE_ORDER = 0x1A2B3C4D;
    /** A pcapng file's byte-order magic follows the block type and length. */
    private static final int PCAPNG_BYTE_ORDER_OFFSET = 8;

    private final String label;

    CaptureFileFormat(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The format of a file's first bytes, or null when they are neither pcap nor pcapng (or the file cannot be read). */
    public static CaptureFileFormat of(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return of(in.readNBytes(PCAPNG_BYTE_ORDER_OFFSET + 4));
        } catch (IOException e) {
            return null;
        }
    }

    /** The format the given first bytes of a file start, or null. */
    public static CaptureFileFormat of(byte[] head) {
        if (head.length < 4) {
            return null;
        }
        int first = int32(head, 0);
        int swapped = Integer.reverseBytes(first);
        if (first == PCAP_MICROS || swapped == PCAP_MICROS || first == PCAP_NANOS || swapped == PCAP_NANOS) {
            return PCAP;
        }
        // the block type reads the same in both byte orders; the byte-order magic decides
        if (first == PCAPNG_SECTION_HEADER && head.length >= PCAPNG_BYTE_ORDER_OFFSET + 4) {
            int order = int32(head, PCAPNG_BYTE_ORDER_OFFSET);
            if (order == PCAPNG_BYTE_ORDER || Integer.reverseBytes(order) == PCAPNG_BYTE_ORDER) {
                return PCAPNG;
            }
        }
        return null;
    }

    /** The first bytes of a file as hex, for an error message that shows what the file is instead. */
    static String describeStart(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(4);
            if (head.length == 0) {
                return "it is empty";
            }
            StringBuilder s = new StringBuilder("it starts with");
            for (byte b : head) {
                s.append(String.format(" %02x", b & 0xFF));
            }
            return s.toString();
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    private static int int32(byte[] b, int off) {
        return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
    }
}
