package io.portredirect.balancer.rewrite;

import io.portredirect.balancer.config.ForwardingMode;
import io.portredirect.balancer.table.ForwardingTables;
import io.portredirect.protocol.packet.ParsedPacket;

/**
 * Rewrites a decided frame in place for its forwarding mode (DESIGN.md section 2): toward a
 * server {@code l2} sets the MACs, {@code l3} also the destination IP, {@code raw} touches nothing;
 * toward the network every mode sets the MACs for the next hop and {@code l3} puts the VIP back
 * as source. One instance per I/O thread (it owns a scratch buffer for the new address).
 */
public final class FrameRewriter {
    private final byte[] scratch = new byte[16];

    /**
     * Rewrites a frame from the network for server {@code s}. For l3 the caller has checked that
     * the server has an address of the packet's IP version.
     */
    public void toServer(ForwardingTables t, int s, ParsedPacket p) {
        ForwardingMode mode = t.mode(s);
        if (mode == ForwardingMode.RAW) {
            return;
        }
        if (mode == ForwardingMode.L3) {
            t.copyServerAddress(s, p.ipVersion(), scratch, 0);
            AddressRewriter.rewriteDestination(p, scratch, 0);
        }
        t.writeToServerMacs(s, p.buffer(), p.frameOffset());
    }

    /**
     * Rewrites a frame from a server for the network: MACs toward the next hop, and when
     * {@code vip >= 0} the source address (an l3 server's) back to that VIP.
     */
    public void toNetwork(ForwardingTables t, int vip, ParsedPacket p) {
        if (vip >= 0) {
            t.copyVip(vip, scratch, 0);
            AddressRewriter.rewriteSource(p, scratch, 0);
        }
        t.writeToNetworkMacs(p.buffer(), p.frameOffset());
    }
}
