package io.portredirect.protocol.wire;

/**
 * A reusable, mutable result of looking for the redirect option in a TCP option area or a UDP
 * surplus area: the hot path keeps one per thread and calls {@link #scanTcp} per packet, so finding
 * the option allocates nothing. A malformed redirect option, or a malformed option area, leaves
 * the extension {@link Status#MALFORMED} with a {@link MalformedReason}: the packet is still a
 * packet, the option is treated as absent.
 */
public final class RedirectOptionScan implements OptionVisitor {
    /** Outcome of a scan. */
    public enum Status { ABSENT, PRESENT, MALFORMED }

    private final int expectedKind;
    private Status status = Status.ABSENT;
    private MalformedReason reason;
    private int optionOffset = -1;
    private int optionLength;
    private int optionHeaderLength;
    private int flags;
    private int port;

    /** A scan for the TCP option (kind 253). */
    public RedirectOptionScan() {
        this(RedirectWire.TCP_OPTION_KIND);
    }

    private RedirectOptionScan(int expectedKind) {
        this.expectedKind = expectedKind;
    }

    /** A scan for the UDP option (kind 127). */
    public static RedirectOptionScan forUdp() {
        return new RedirectOptionScan(RedirectWire.UDP_OPTION_KIND);
    }

    /** Scans a TCP option area; returns this. */
    public RedirectOptionScan scanTcp(byte[] b, int offset, int length) {
        reset();
        MalformedReason areaReason = TcpOptionWalker.walk(b, offset, length, this);
        if (areaReason != null && status != Status.MALFORMED) {
            // a broken area hides whatever follows the break: the option may not be trusted
            markMalformed(areaReason);
        }
        return this;
    }

    /** Scans a UDP option area that starts after the OCS; returns this. */
    public RedirectOptionScan scanUdpOptions(byte[] b, int offset, int length) {
        reset();
        MalformedReason areaReason = UdpOptionWalker.walk(b, offset, length, this);
        if (areaReason != null && status != Status.MALFORMED) {
            markMalformed(areaReason);
        }
        return this;
    }

    /** Clears the result. */
    public void reset() {
        status = Status.ABSENT;
        reason = null;
        optionOffset = -1;
        optionLength = 0;
        optionHeaderLength = 0;
        flags = 0;
        port = 0;
    }

    /** Marks the scan malformed from outside (e.g. a bad OCS found by the caller). */
    public void markMalformed(MalformedReason why) {
        status = Status.MALFORMED;
        reason = why;
        flags = 0;
        port = 0;
    }

    @Override
    public boolean option(byte[] b, int off, int kind, int len) {
        return option(b, off, kind, len, RedirectWire.OPTION_HEADER_LENGTH);
    }

    @Override
    public boolean option(byte[] b, int off, int kind, int len, int headerLength) {
        // the extended UDP form's two extra length bytes shift every field: read it as if compact
        int shift = headerLength - RedirectWire.OPTION_HEADER_LENGTH;
        int base = off + shift;
        int compactLength = len - shift;
        if (kind != expectedKind || compactLength < 4) {
            return true;
        }
        int exid = ((b[base + RedirectWire.EXID_OFFSET] & 0xFF) << 8) | (b[base + RedirectWire.EXID_OFFSET + 1] & 0xFF);
        if (exid != RedirectWire.EXID) {
            return true;
        }
        if (status != Status.ABSENT) {
            markMalformed(MalformedReason.REDIRECT_DUPLICATE);
            return false;
        }
        optionOffset = off;
        optionLength = len;
        optionHeaderLength = headerLength;
        if (compactLength != RedirectWire.LENGTH_FLAGS_ONLY && compactLength != RedirectWire.LENGTH_WITH_PORT) {
            markMalformed(MalformedReason.REDIRECT_BAD_LENGTH);
            return true;
        }
        int f = b[base + RedirectWire.FLAGS_OFFSET] & 0xFF;
        int p = 0;
        if (compactLength == RedirectWire.LENGTH_WITH_PORT) {
            p = ((b[base + RedirectWire.PORT_OFFSET] & 0xFF) << 8) | (b[base + RedirectWire.PORT_OFFSET + 1] & 0xFF);
            if (p == 0) {
                markMalformed(MalformedReason.REDIRECT_ZERO_PORT);
                return true;
            }
        }
        status = Status.PRESENT;
        flags = f;
        port = p;
        return true;
    }

    public Status status() {
        return status;
    }

    public boolean isPresent() {
        return status == Status.PRESENT;
    }

    public boolean isMalformed() {
        return status == Status.MALFORMED;
    }

    /** Why the scan is malformed, or null. */
    public MalformedReason reason() {
        return reason;
    }

    /** True when present and REDIRECT is set. */
    public boolean isRedirect() {
        return status == Status.PRESENT && (flags & RedirectWire.FLAG_REDIRECT) != 0;
    }

    /** True when present and REDIRECT_CONFIRM is set. */
    public boolean isConfirm() {
        return status == Status.PRESENT && (flags & RedirectWire.FLAG_CONFIRM) != 0;
    }

    /** The raw flags byte (0 unless present). */
    public int flags() {
        return flags;
    }

    /** REDIRECT_OPT, 0 when absent. */
    public int port() {
        return port;
    }

    /** Offset of the option's kind byte, or -1 when no option with our ExID was seen. */
    public int optionOffset() {
        return optionOffset;
    }

    /** Total length of the option seen (5, 7, or the bad length; 7 or 9 in the UDP extended-length form). */
    public int optionLength() {
        return optionLength;
    }

    /**
     * Bytes before the option's ExID: {@link RedirectWire#OPTION_HEADER_LENGTH}, or
     * {@link RedirectWire#UDP_EXTENDED_HEADER_LENGTH} for the UDP extended-length form; 0 when no
     * option with our ExID was seen.
     */
    public int optionHeaderLength() {
        return optionHeaderLength;
    }

    /** The result as an immutable value, or null unless present. Allocates: for tools, not the hot path. */
    public RedirectExtension toExtension() {
        return isPresent() ? RedirectExtension.of(flags, port) : null;
    }

    @Override
    public String toString() {
        return switch (status) {
            case ABSENT -> "absent";
            case PRESENT -> RedirectExtension.flagNames(flags) + (port != 0 ? " port=" + port : "");
            case MALFORMED -> "malformed (" + reason.description() + ")";
        };
    }
}
