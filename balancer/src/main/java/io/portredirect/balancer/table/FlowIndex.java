package io.portredirect.balancer.table;

/**
 * Where a flow lands in a Maglev table (rule 2, and rule 4's turned-around quote): exactly the
 * number nft's {@code jhash <client> . <cport> . <vip> . <port> . meta l4proto mod SIZE seed}
 * {@link #SEED} computes, i.e. {@link JHash#nft} over the {@link NftFlowKey} layout. The nft
 * dataplane keys its slot maps with that number and the Java decision indexes the same table with
 * it, so a replica on either path sends a negotiation to the same server.
 *
 * <p>An instance holds the key's scratch buffer: confine it to one thread (one per
 * {@code PacketProcessor}, itself one per I/O thread). No allocation per call.
 */
public final class FlowIndex {
    /**
     * The flow hash's seed, for Java and for every rendered {@code jhash}: fixed, because without
     * one the kernel picks a random seed per load and replicas (and reloads) would place flows
     * differently. Changing it moves every negotiation. "RDNF".
     */
    public static final int SEED = 0x52444e46;

    private final byte[] key = new byte[NftFlowKey.MAX_LENGTH];

    /**
     * The table index of (client address, client port, VIP, port, protocol).
     *
     * @param b          packet bytes holding both addresses
     * @param clientAddr offset of the client's address
     * @param vipAddr    offset of the VIP
     * @param addrLength 4 or 16
     * @param tableSize  the table's length (nft's {@code mod}), at least 2
     * @return in {@code [0, tableSize)}
     */
    public int of(byte[] b, int clientAddr, int vipAddr, int addrLength, int clientPort, int port, int protocol, int tableSize) {
        int len = NftFlowKey.write(key, 0, b, clientAddr, vipAddr, addrLength, clientPort, port, protocol);
        return JHash.nft(key, 0, len, SEED, tableSize, 0);
    }
}
