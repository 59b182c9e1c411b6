package io.portredirect.protocol.wire;

import java.util.Objects;

/**
 * The redirect extension as an immutable value: REDIRECT, REDIRECT_CONFIRM and the optional
 * REDIRECT_OPT port. Encodes to and decodes from the TCP option ({@link RedirectWire#TCP_OPTION_KIND})
 * and the UDP option ({@link RedirectWire#UDP_OPTION_KIND}); both share one body layout.
 */
public final class RedirectExtension {
    private final int flags;
    private final int port;

    private RedirectExtension(int flags, int port) {
        if ((flags & ~0xFF) != 0) {
            throw new IllegalArgumentException("flags must fit one byte: " + flags);
        }
        if (port < 0 || port > 0xFFFF) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        this.flags = flags;
        this.port = port;
    }

    /** REDIRECT only: a client that supports redirection (SYN) or a mid-connection move without a port. */
    public static RedirectExtension redirect() {
        return new RedirectExtension(RedirectWire.FLAG_REDIRECT, 0);
    }

    /** REDIRECT_CONFIRM + REDIRECT_OPT: the server's answer naming its service port. */
    public static RedirectExtension confirm(int port) {
        return of(RedirectWire.FLAG_CONFIRM, port);
    }

    /** REDIRECT + REDIRECT_OPT: a mid-connection redirect to another port. */
    public static RedirectExtension redirectTo(int port) {
        return of(RedirectWire.FLAG_REDIRECT, port);
    }

    /**
     * Any flags byte and port; port 0 means "no REDIRECT_OPT". Unknown flag bits are kept so a
     * decoder can show exactly what was on the wire.
     */
    public static RedirectExtension of(int flags, int port) {
        return new RedirectExtension(flags, port);
    }

    public int flags() {
        return flags;
    }

    public boolean isRedirect() {
        return (flags & RedirectWire.FLAG_REDIRECT) != 0;
    }

    public boolean isConfirm() {
        return (flags & RedirectWire.FLAG_CONFIRM) != 0;
    }

    /** True when REDIRECT_OPT is present (encodes as the 7-byte form). */
    public boolean hasPort() {
        return port != 0;
    }

    /** REDIRECT_OPT, or 0 when absent. */
    public int port() {
        return port;
    }

    /** Encoded length of the option: 5 or 7. */
    public int encodedLength() {
        return hasPort() ? RedirectWire.LENGTH_WITH_PORT : RedirectWire.LENGTH_FLAGS_ONLY;
    }

    /** Writes the TCP option at {@code offset}; returns the number of bytes written. */
    public int encodeTcp(byte[] buffer, int offset) {
        return encode(buffer, offset, RedirectWire.TCP_OPTION_KIND);
    }

    /** Writes the UDP option (kind 127) at {@code offset}; returns the number of bytes written. */
    public int encodeUdp(byte[] buffer, int offset) {
        return encode(buffer, offset, RedirectWire.UDP_OPTION_KIND);
    }

    /** The TCP option as a fresh array. */
    public byte[] toTcpOptionBytes() {
        byte[] b = new byte[encodedLength()];
        encodeTcp(b, 0);
        return b;
    }

    private int encode(byte[] b, int off, int kind) {
        int len = encodedLength();
        b[off + RedirectWire.KIND_OFFSET] = (byte) kind;
        b[off + RedirectWire.LENGTH_OFFSET] = (byte) len;
        b[off + RedirectWire.EXID_OFFSET] = (byte) (RedirectWire.EXID >>> 8);
        b[off + RedirectWire.EXID_OFFSET + 1] = (byte) RedirectWire.EXID;
        b[off + RedirectWire.FLAGS_OFFSET] = (byte) flags;
        if (hasPort()) {
            b[off + RedirectWire.PORT_OFFSET] = (byte) (port >>> 8);
            b[off + RedirectWire.PORT_OFFSET + 1] = (byte) port;
        }
        return len;
    }

    /** Names the flags as the spec does, e.g. {@code REDIRECT|CONFIRM}. */
    public static String flagNames(int flags) {
        StringBuilder sb = new StringBuilder();
        if ((flags & RedirectWire.FLAG_REDIRECT) != 0) {
            sb.append("REDIRECT");
        }
        if ((flags & RedirectWire.FLAG_CONFIRM) != 0) {
            sb.append(sb.length() > 0 ? "|" : "").append("REDIRECT_CONFIRM");
        }
        int unknown = flags & ~RedirectWire.KNOWN_FLAGS;
        if (unknown != 0) {
            sb.append(sb.length() > 0 ? "|" : "").append(String.format("0x%02x", unknown));
        }
        return sb.length() == 0 ? "none" : sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RedirectExtension r && r.flags == flags && r.port == port;
    }

    @Override
    public int hashCode() {
        return Objects.hash(flags, port);
    }

    @Override
    public String toString() {
        return "RedirectExtension{flags=" + flagNames(flags) + (hasPort() ? ", port=" + port : "") + '}';
    }
}
