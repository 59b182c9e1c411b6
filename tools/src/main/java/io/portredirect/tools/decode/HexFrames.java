package io.portredirect.tools.decode;

import io.portredirect.protocol.packet.Bytes;
import io.portredirect.tools.pcap.Frame;
import io.portredirect.tools.pcap.LinkType;

/** Frames given as hex text: one packet per string, Ethernet or raw IP told apart by its lengths. */
public final class HexFrames {
    private HexFrames() {
    }

    /**
     * Parses hex (whitespace, colons and a leading {@code hex:} or {@code 0x} ignored) into a frame.
     *
     * @param link ETHERNET or RAW, or null to guess
     * @throws IllegalArgumentException when the text is not hex
     */
    public static Frame parse(String text, LinkType link) {
        String t = text.trim();
        if (t.regionMatches(true, 0, "hex:", 0, 4)) {
            t = t.substring(4);
        }
        byte[] b = Bytes.fromHex(t);
        if (b.length == 0) {
            throw new IllegalArgumentException("no hex digits");
        }
        return new Frame(b, link != null ? link : guessLink(b), null);
    }

    /**
     * Raw IP when the first nibble is 4 or 6 and the IP length field covers the bytes exactly,
     * else Ethernet. Ethernet frames whose destination MAC starts with 0x4 or 0x6 and happens to
     * match would be misread; {@code --link} settles such cases.
     */
    public static LinkType guessLink(byte[] b) {
        int version = (b[0] & 0xF0) >>> 4;
        if (version == 4 && b.length >= 20 && Bytes.u16(b, 2) == b.length) {
            return LinkType.RAW;
        }
        if (version == 6 && b.length >= 40 && 40 + Bytes.u16(b, 4) == b.length) {
            return LinkType.RAW;
        }
        return LinkType.ETHERNET;
    }
}
