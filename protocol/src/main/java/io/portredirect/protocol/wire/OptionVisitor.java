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
}
