package io.portredirect.protocol.pcap;

import io.portredirect.protocol.wire.RedirectExtension;
import io.portredirect.protocol.wire.RedirectOptionScan;
import io.portredirect.protocol.wire.RedirectWire;
import org.pcap4j.packet.IllegalRawDataException;
import org.pcap4j.packet.TcpPacket;
import org.pcap4j.packet.namednumber.TcpOptionKind;

/**
 * The redirect TCP option (RFC 6994 experimental option, kind 253, ExID 0x5244) as a pcap4j
 * option, so a {@link TcpPacket} decoded after {@link Pcap4jRedirect#install()} lists it by name
 * with its flags and REDIRECT_OPT port instead of as an unknown option. Immutable.
 */
public final class TcpRedirectOption implements TcpPacket.TcpOption {
    private static final long serialVersionUID = 1L;

    private final int flags;
    private final int port;

    private TcpRedirectOption(int flags, int port) {
        this.flags = flags;
        this.port = port;
    }

    /** The option carrying {@code ext}. */
    public static TcpRedirectOption of(RedirectExtension ext) {
        return new TcpRedirectOption(ext.flags(), ext.port());
    }

    /**
     * True when {@code [offset, offset + length)} starts with a kind-253 option of our ExID (of any
     * length); other experiments share kind 253 and are not ours.
     */
    public static boolean isOurs(byte[] raw, int offset, int length) {
        return length >= 4 && raw.length - offset >= 4
                && (raw[offset] & 0xFF) == RedirectWire.TCP_OPTION_KIND
                && (raw[offset + 1] & 0xFF) >= 4
                && (((raw[offset + RedirectWire.EXID_OFFSET] & 0xFF) << 8) | (raw[offset + RedirectWire.EXID_OFFSET + 1] & 0xFF)) == RedirectWire.EXID;
    }

    /**
     * Decodes the option at {@code offset}; {@code length} is what is left of the option area.
     *
     * @throws IllegalRawDataException when the bytes are not a well-formed redirect option (wrong
     *                                 kind or ExID, length not 5 or 7, length past the area, port 0)
     */
    public static TcpRedirectOption newInstance(byte[] raw, int offset, int length) throws IllegalRawDataException {
        if (raw == null || offset < 0 || length < 2 || offset + length > raw.length) {
            throw new IllegalRawDataException("redirect option: no room for kind and length at offset " + offset);
        }
        if (!isOurs(raw, offset, length)) {
            throw new IllegalRawDataException("not a redirect option (kind 253 with ExID 0x5244)");
        }
        int len = raw[offset + RedirectWire.LENGTH_OFFSET] & 0xFF;
        if (len > length) {
            throw new IllegalRawDataException("redirect option length " + len + " runs past the option area (" + length + " bytes left)");
        }
        // the hot path's rules (length 5 or 7, port not 0), applied to this one option
        RedirectOptionScan scan = new RedirectOptionScan();
        scan.option(raw, offset, RedirectWire.TCP_OPTION_KIND, len);
        if (!scan.isPresent()) {
            throw new IllegalRawDataException("redirect option of length " + len + ": " + scan.reason().description());
        }
        return new TcpRedirectOption(scan.flags(), scan.port());
    }

    @Override
    public TcpOptionKind getKind() {
        return Pcap4jRedirect.TCP_EXPERIMENT_1;
    }

    @Override
    public int length() {
        return port != 0 ? RedirectWire.LENGTH_WITH_PORT : RedirectWire.LENGTH_FLAGS_ONLY;
    }

    @Override
    public byte[] getRawData() {
        return toExtension().toTcpOptionBytes();
    }

    /** The raw flags byte, unknown bits included. */
    public int flags() {
        return flags;
    }

    public boolean isRedirect() {
        return (flags & RedirectWire.FLAG_REDIRECT) != 0;
    }

    public boolean isConfirm() {
        return (flags & RedirectWire.FLAG_CONFIRM) != 0;
    }

    /** REDIRECT_OPT, or 0 when the option carries flags only. */
    public int port() {
        return port;
    }

    public boolean hasPort() {
        return port != 0;
    }

    /** The same content as the protocol module's value type. */
    public RedirectExtension toExtension() {
        return RedirectExtension.of(flags, port);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TcpRedirectOption r && r.flags == flags && r.port == port;
    }

    @Override
    public int hashCode() {
        return flags * 65537 + port;
    }

    /** In pcap4j's option style, e.g. {@code [Kind: 253 (...)] [Length: 7 bytes] [ExID: 0x5244] ...}. */
    @Override
    public String toString() {
        return "[Kind: " + getKind() + "] [Length: " + length() + " bytes] [ExID: 0x"
                + Integer.toHexString(RedirectWire.EXID) + "] [Flags: " + RedirectExtension.flagNames(flags) + ']'
                + (hasPort() ? " [REDIRECT_OPT: " + port + ']' : "");
    }
}
