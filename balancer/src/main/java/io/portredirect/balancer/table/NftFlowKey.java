package io.portredirect.balancer.table;

/**
 * Builds the key nft hashes for {@code <ip|ip6> saddr . <tcp|udp> sport . <ip|ip6> daddr .
 * <tcp|udp> dport . meta l4proto} exactly as it sits in nft's registers, so {@link JHash#nft}
 * reproduces the kernel's slot. Every field of a concatenation starts on a fresh 32-bit register
 * and is zero-padded to a multiple of 4 bytes (payload loads and {@code meta l4proto} clear the
 * whole register first); values keep the packet's network byte order. The hashed length is the
 * sum of the padded lengths: 20 bytes for IPv4, 44 for IPv6.
 *
 * <pre>
 * IPv4: client(4) | cport(2) 00 00 | vip(4) | port(2) 00 00 | proto 00 00 00
 * IPv6: client(16) | cport(2) 00 00 | vip(16) | port(2) 00 00 | proto 00 00 00
 * </pre>
 * Writes into a caller-provided scratch buffer; no allocation.
 */
public final class NftFlowKey {
    /** Length of the IPv4 key. */
    public static final int IPV4_LENGTH = 20;
    /** Length of the IPv6 key. */
    public static final int IPV6_LENGTH = 44;
    /** Scratch space enough for either key. */
    public static final int MAX_LENGTH = IPV6_LENGTH;

    private NftFlowKey() {
    }

    /**
     * Writes the key of (client address, client port, VIP, port, protocol).
     *
     * @param dst        scratch buffer, {@code addrLength * 2 + 12} bytes from {@code dstOff}
     * @param src        where the addresses are (typically the packet)
     * @param clientAddr offset of the client's address in {@code src}
     * @param vipAddr    offset of the VIP in {@code src}
     * @param addrLength 4 or 16
     * @return the key's length (20 or 44), the {@code len} to hash
     */
    public static int write(byte[] dst, int dstOff, byte[] src, int clientAddr, int vipAddr, int addrLength,
                            int clientPort, int port, int protocol) {
        if (addrLength != 4 && addrLength != 16) {
            throw new IllegalArgumentException("address length " + addrLength);
        }
        int p = dstOff;
        System.arraycopy(src, clientAddr, dst, p, addrLength);
        p = port(dst, p + addrLength, clientPort);
        System.arraycopy(src, vipAddr, dst, p, addrLength);
        p = port(dst, p + addrLength, port);
        dst[p] = (byte) protocol; // meta l4proto: one byte at the register's start
        dst[p + 1] = 0;
        dst[p + 2] = 0;
        dst[p + 3] = 0;
        return p + 4 - dstOff;
    }

    /** A port in network byte order, then the two bytes of register padding. */
    private static int port(byte[] dst, int p, int port) {
        dst[p] = (byte) (port >>> 8);
        dst[p + 1] = (byte) port;
        dst[p + 2] = 0;
        dst[p + 3] = 0;
        return p + 4;
    }
}
