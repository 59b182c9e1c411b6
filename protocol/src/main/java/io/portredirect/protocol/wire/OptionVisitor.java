package io.portredirect.protocol.wire;

/**
 * Receives each option found by {@link TcpOptionWalker} or {@link UdpOptionWalker}. Implementations
 * on the hot path are reused objects, so walking allocates nothing.
 */
@FunctionalInterface
public interface OptionVisitor {
    /**
     * One option.
     *
     * @param buffer the packet bytes
     * @param offset where the option's kind byte sits
     * @param kind   the option kind
     * @param length the option's total length including kind and length bytes (1 for EOL/NOP)
     * @return false to stop the walk early
     */
    boolean option(byte[] buffer, int offset, int kind, int length);

    /**
     * One option whose data starts {@code headerLength} bytes after its kind byte: 1 for EOL/NOP,
     * {@link RedirectWire#OPTION_HEADER_LENGTH} for kind + length, and
     * {@link RedirectWire#UDP_EXTENDED_HEADER_LENGTH} for a UDP option in RFC 9868's extended-length
     * form (kind, 255, 16-bit length). {@link UdpOptionWalker} calls this form, {@link TcpOptionWalker}
     * (whose header is always kind + length) the one above; by default it forwards to the one above.
     */
    default boolean option(byte[] buffer, int offset, int kind, int length, int headerLength) {
        return option(buffer, offset, kind, length);
    }
}
