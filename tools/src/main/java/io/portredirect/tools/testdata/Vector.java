package io.portredirect.tools.testdata;

import io.portredirect.tools.pcap.LinkType;

import java.util.List;

/**
 * One committed test vector: a file name (without extension), what it shows, its link type and its
 * packets in order. Written as {@code pcap/NAME.pcap}, {@code hex/NAME.hex} and {@code decoded/NAME.txt}.
 */
public record Vector(String name, String description, LinkType link, List<Packet> packets) {
    public Vector {
        packets = List.copyOf(packets);
    }

    /**
     * One packet of a vector.
     *
     * @param description one line saying what the packet is
     * @param bytes       the frame (Ethernet) or IP packet (raw), exactly as written
     * @param problem     the problem code decode must report for it (a ParseError or MalformedReason name), or null when well formed
     */
    public record Packet(String description, byte[] bytes, String problem) {
        public Packet {
            bytes = bytes.clone();
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        public boolean wellFormed() {
            return problem == null;
        }
    }
}
