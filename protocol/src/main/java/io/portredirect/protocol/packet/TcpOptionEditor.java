package io.portredirect.protocol.packet;

import io.portredirect.protocol.wire.MalformedReason;
import io.portredirect.protocol.wire.RedirectExtension;
import io.portredirect.protocol.wire.RedirectOptionScan;
import io.portredirect.protocol.wire.RedirectWire;

/**
 * Adds the redirect TCP option to, or removes it from, a segment held in a byte array, in place:
 * the bytes after the option area move, the TCP data offset, the IPv4 total length (or IPv6
 * payload length), the IPv4 header checksum and the TCP checksum are all brought up to date.
 * Works on Ethernet frames (802.1Q tags included) and on bare IP packets; allocates nothing.
 *
 * <p>{@code add} puts the option first in the option area, preceded by NOPs so that it takes a
 * whole number of 32-bit words (8 bytes); {@code remove} takes the option out together with the
 * NOPs right before it that padded it, and pads the area back to a word boundary with NOPs at
 * its end if needed. So removing what was added gives back the original bytes.
 *
 * <p>Checksums are updated incrementally (RFC 1624): the option area is at most 40 bytes and the
 * payload moves by a multiple of 4 bytes, so its 16-bit words keep their alignment and their sum.
 * A segment whose checksum was wrong before stays wrong after: the editor does not launder damage.
 *
 * <p>Methods return the new length of the packet (frame or IP packet, as passed in) or one of the
 * negative {@code ERR_} codes; on an error the bytes are left untouched. An instance keeps one
 * reusable {@link ParsedPacket}: use one per thread.
 */
public final class TcpOptionEditor {
    /** The bytes do not parse as a packet. */
    public static final int ERR_PARSE = -1;
    /** Not an unfragmented TCP segment (another protocol, or an IP fragment). */
    public static final int ERR_NOT_TCP = -2;
    /** The option area would exceed 40 bytes (data offset 15). */
    public static final int ERR_OPTIONS_FULL = -3;
    /** The capacity the caller gave has no room for the grown packet. */
    public static final int ERR_NO_ROOM = -4;
    /** Add: the segment already carries a redirect option (valid or malformed). */
    public static final int ERR_ALREADY_PRESENT = -5;
    /** Remove: the segment carries no redirect option. */
    public static final int ERR_ABSENT = -6;
    /** The option area is malformed (or holds the redirect option twice): not edited. */
    public static final int ERR_MALFORMED_OPTIONS = -7;
    /** The grown packet would exceed the 65535-byte IP length field. */
    public static final int ERR_TOO_LONG = -8;
    /** Flags outside one byte or port outside 0-65535. */
    public static final int ERR_BAD_ARGUMENT = -9;

    private static final int MAX_IP_LENGTH = 0xFFFF;

    private final ParsedPacket parsed = new ParsedPacket();

    /**
     * Adds the option to an Ethernet frame.
     *
     * @param capacity bytes usable from {@code offset} on (at least {@code length}); the frame grows by 8
     * @param port     REDIRECT_OPT, or 0 for the flags-only form
     */
    public int addToFrame(byte[] b, int offset, int length, int capacity, int flags, int port) {
        return add(PacketParser.parseFrame(b, offset, length, parsed), capacity, flags, port);
    }

    /** Adds the option to a packet that starts with its IP header; see {@link #addToFrame}. */
    public int addToIp(byte[] b, int offset, int length, int capacity, int flags, int port) {
        return add(PacketParser.parseIp(b, offset, length, parsed), capacity, flags, port);
    }

    /** Adds {@code ext} to an Ethernet frame. */
    public int addToFrame(byte[] b, int offset, int length, int capacity, RedirectExtension ext) {
        return addToFrame(b, offset, length, capacity, ext.flags(), ext.port());
    }

    /** Adds {@code ext} to a packet that starts with its IP header. */
    public int addToIp(byte[] b, int offset, int length, int capacity, RedirectExtension ext) {
        return addToIp(b, offset, length, capacity, ext.flags(), ext.port());
    }

    /** Removes the option from an Ethernet frame; returns the new frame length or an error. */
    public int removeFromFrame(byte[] b, int offset, int length) {
        return remove(PacketParser.parseFrame(b, offset, length, parsed));
    }

    /** Removes the option from a packet that starts with its IP header. */
    public int removeFromIp(byte[] b, int offset, int length) {
        return remove(PacketParser.parseIp(b, offset, length, parsed));
    }

    private static int start(ParsedPacket p) {
        return p.frameOffset() >= 0 ? p.frameOffset() : p.l3Offset();
    }

    private static int check(ParsedPacket p) {
        if (!p.ok()) {
            return ERR_PARSE;
        }
        if (!p.isTcp() || p.fragment() != ParsedPacket.Fragment.NONE) {
            return ERR_NOT_TCP;
        }
        return 0;
    }

    /**
     * Adds the option to a packet the caller has just parsed (the parse is stale afterwards).
     *
     * @param capacity bytes usable from the start of the parsed packet (its frame, or its IP
     *                 header when parsed with {@link PacketParser#parseIp})
     */
    public static int add(ParsedPacket p, int capacity, int flags, int port) {
        if ((flags & ~0xFF) != 0 || port < 0 || port > 0xFFFF) {
            return ERR_BAD_ARGUMENT;
        }
        int err = check(p);
        if (err != 0) {
            return err;
        }
        RedirectOptionScan scan = p.redirect();
        if (scan.optionOffset() >= 0) {
            return ERR_ALREADY_PRESENT;
        }
        if (scan.isMalformed()) {
            return ERR_MALFORMED_OPTIONS;
        }
        byte[] b = p.buffer();
        int optLen = port != 0 ? RedirectWire.LENGTH_WITH_PORT : RedirectWire.LENGTH_FLAGS_ONLY;
        int grow = (optLen + 3) & ~3;
        int hlen = p.tcpHeaderLength();
        if (hlen - TcpView.MIN_HEADER_LENGTH + grow > RedirectWire.TCP_MAX_OPTIONS_LENGTH) {
            return ERR_OPTIONS_FULL;
        }
        if (p.ipEnd() - p.l3Offset() + grow > MAX_IP_LENGTH) {
            return ERR_TOO_LONG;
        }
        int start = start(p);
        int end = p.frameEnd();
        int cap = Math.min(capacity, b.length - start);
        if (end - start + grow > cap) {
            return ERR_NO_ROOM;
        }
        int l4 = p.l4Offset();
        int area = l4 + TcpView.MIN_HEADER_LENGTH;
        int oldAreaSum = Checksum.fold(Checksum.add(0, b, area, hlen - TcpView.MIN_HEADER_LENGTH));
        System.arraycopy(b, area, b, area + grow, end - area);
        int q = area;
        for (int i = optLen; i < grow; i++) {
            b[q++] = (byte) RedirectWire.TCP_NOP;
        }
        b[q + RedirectWire.KIND_OFFSET] = (byte) RedirectWire.TCP_OPTION_KIND;
        b[q + RedirectWire.LENGTH_OFFSET] = (byte) optLen;
        Bytes.put16(b, q + RedirectWire.EXID_OFFSET, RedirectWire.EXID);
        b[q + RedirectWire.FLAGS_OFFSET] = (byte) flags;
        if (port != 0) {
            Bytes.put16(b, q + RedirectWire.PORT_OFFSET, port);
        }
        finish(p, hlen, hlen + grow, oldAreaSum, grow);
        return end - start + grow;
    }

    /** Removes the option from a packet the caller has just parsed (the parse is stale afterwards). */
    public static int remove(ParsedPacket p) {
        int err = check(p);
        if (err != 0) {
            return err;
        }
        RedirectOptionScan scan = p.redirect();
        int o = scan.optionOffset();
        if (o < 0) {
            return scan.isMalformed() ? ERR_MALFORMED_OPTIONS : ERR_ABSENT;
        }
        if (scan.reason() == MalformedReason.REDIRECT_DUPLICATE) {
            return ERR_MALFORMED_OPTIONS;
        }
        byte[] b = p.buffer();
        int hlen = p.tcpHeaderLength();
        int l4 = p.l4Offset();
        int area = l4 + TcpView.MIN_HEADER_LENGTH;
        int areaEnd = l4 + hlen;
        int optLen = scan.optionLength();
        // take the NOPs that padded the option to a word boundary along with it: NOP options only,
        // not a preceding option's last data byte that happens to be 1 (e.g. window scale 1)
        int nops = area;
        for (int q = area; q < o; ) {
            int len = b[q] == RedirectWire.TCP_NOP ? 1 : b[q + 1] & 0xFF;
            q += Math.max(len, 1);
            if (len != 1) {
                nops = q;
            }
        }
        int want = (4 - (optLen & 3)) & 3;
        int from = o;
        while (want > 0 && from > nops && b[from - 1] == RedirectWire.TCP_NOP) {
            from--;
            want--;
        }
        int cut = o + optLen - from;
        int newAreaLen = ((hlen - TcpView.MIN_HEADER_LENGTH - cut) + 3) & ~3;
        int shrink = hlen - TcpView.MIN_HEADER_LENGTH - newAreaLen;
        int oldAreaSum = Checksum.fold(Checksum.add(0, b, area, hlen - TcpView.MIN_HEADER_LENGTH));
        // close the gap inside the area, fill its tail with NOPs, then move the rest of the packet
        System.arraycopy(b, o + optLen, b, from, areaEnd - (o + optLen));
        for (int i = areaEnd - cut; i < area + newAreaLen; i++) {
            b[i] = (byte) RedirectWire.TCP_NOP;
        }
        int end = p.frameEnd();
        System.arraycopy(b, areaEnd, b, area + newAreaLen, end - areaEnd);
        finish(p, hlen, hlen - shrink, oldAreaSum, -shrink);
        return end - start(p) - shrink;
    }

    /** Rewrites lengths and checksums after the option area changed size by {@code delta}. */
    private static void finish(ParsedPacket p, int oldHlen, int newHlen, int oldAreaSum, int delta) {
        byte[] b = p.buffer();
        int l3 = p.l3Offset();
        int l4 = p.l4Offset();
        int tcpCsum = Bytes.u16(b, l4 + TcpView.CHECKSUM_OFFSET);

        int oldWord = Bytes.u16(b, l4 + TcpView.DATA_OFFSET_OFFSET);
        b[l4 + TcpView.DATA_OFFSET_OFFSET] = (byte) (((newHlen / 4) << 4) | (b[l4 + TcpView.DATA_OFFSET_OFFSET] & 0x0F));
        tcpCsum = Checksum.update16(tcpCsum, oldWord, Bytes.u16(b, l4 + TcpView.DATA_OFFSET_OFFSET));

        int newAreaSum = Checksum.fold(Checksum.add(0, b, l4 + TcpView.MIN_HEADER_LENGTH, newHlen - TcpView.MIN_HEADER_LENGTH));
        tcpCsum = Checksum.update16(tcpCsum, oldAreaSum, newAreaSum);

        int oldTcpLen = p.ipEnd() - l4;
        tcpCsum = Checksum.update16(tcpCsum, oldTcpLen, oldTcpLen + delta);
        Bytes.put16(b, l4 + TcpView.CHECKSUM_OFFSET, tcpCsum);

        if (p.ipVersion() == 4) {
            int oldTotal = Bytes.u16(b, l3 + Ipv4View.TOTAL_LENGTH_OFFSET);
            Bytes.put16(b, l3 + Ipv4View.TOTAL_LENGTH_OFFSET, oldTotal + delta);
            int ipCsum = Bytes.u16(b, l3 + Ipv4View.CHECKSUM_OFFSET);
            Bytes.put16(b, l3 + Ipv4View.CHECKSUM_OFFSET, Checksum.update16(ipCsum, oldTotal, oldTotal + delta));
        } else {
            int plen = Bytes.u16(b, l3 + Ipv6View.PAYLOAD_LENGTH_OFFSET);
            Bytes.put16(b, l3 + Ipv6View.PAYLOAD_LENGTH_OFFSET, plen + delta);
        }
    }

    /** One line a person can read for a result code (a length reads as "ok"). */
    public static String describe(int result) {
        return switch (result) {
            case ERR_PARSE -> "packet does not parse";
            case ERR_NOT_TCP -> "not an unfragmented TCP segment";
            case ERR_OPTIONS_FULL -> "TCP option area would exceed 40 bytes";
            case ERR_NO_ROOM -> "no room in the buffer for the grown packet";
            case ERR_ALREADY_PRESENT -> "redirect option already present";
            case ERR_ABSENT -> "no redirect option to remove";
            case ERR_MALFORMED_OPTIONS -> "TCP option area malformed";
            case ERR_TOO_LONG -> "packet would exceed the IP length limit";
            case ERR_BAD_ARGUMENT -> "flags or port out of range";
            default -> result >= 0 ? "ok, length " + result : "error " + result;
        };
    }
}
