package io.portredirect.balancer.io;

import io.portredirect.balancer.table.ForwardingTables;
import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.EthernetView;
import io.portredirect.protocol.packet.IcmpView;
import io.portredirect.protocol.packet.Ipv6View;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Owns the VIPs at layer 2 on the network side: answers ARP requests and neighbour solicitations
 * for a VIP with the balancer's network MAC, so the gateway's kernel never has to, and shows the
 * next-hop resolver every ARP/NDP frame that reveals a neighbour's MAC. One per network reader
 * thread (it reuses a reply buffer).
 */
final class NeighborResponder {
    private static final byte[] ALL_NODES_MAC = {0x33, 0x33, 0, 0, 0, 1};
    private final byte[] reply = new byte[128];
    private final Supplier<NextHopResolver> resolver;
    private final LongAdder arpAnswered;
    private final LongAdder ndpAnswered;
    private final LongAdder ignored;
    private ForwardingTables cachedFor;
    private byte[] mac;

    NeighborResponder(Supplier<NextHopResolver> resolver, LongAdder arpAnswered, LongAdder ndpAnswered, LongAdder ignored) {
        this.resolver = resolver;
        this.arpAnswered = arpAnswered;
        this.ndpAnswered = ndpAnswered;
        this.ignored = ignored;
    }

    /**
     * Handles the frame when it is ARP or NS/NA: answers if it asks for a VIP, learns next hops,
     * and returns true (consumed: the kernel has its own copy for its own addresses). Returns
     * false for anything else, which goes on to the packet processor.
     */
    boolean handle(byte[] f, int len, ForwardingTables t, FramePort out) {
        if (NeighborFrames.isArp(f, len)) {
            onArp(f, t, out);
            return true;
        }
        int nd = NeighborFrames.ndType(f, len);
        if (nd < 0) {
            return false;
        }
        onNd(f, len, nd, t, out);
        return true;
    }

    private byte[] mac(ForwardingTables t) {
        if (t != cachedFor) {
            mac = t.networkMac();
            cachedFor = t;
        }
        return mac;
    }

    private void onArp(byte[] f, ForwardingTables t, FramePort out) {
        resolver.get().observe(f, NeighborFrames.ARP_SPA, 4, f, NeighborFrames.ARP_SHA);
        if (Bytes.u16(f, NeighborFrames.ARP_OPER) != NeighborFrames.ARP_REQUEST || t.vipIndex(f, NeighborFrames.ARP_TPA, 4) < 0) {
            ignored.increment();
            return;
        }
        byte[] m = mac(t);
        // a gratuitous request for a VIP from someone else is a conflict, not a question
        if (Bytes.equal(f, NeighborFrames.ARP_SPA, f, NeighborFrames.ARP_TPA, 4)) {
            ignored.increment();
            return;
        }
        int n = NeighborFrames.writeArp(reply, NeighborFrames.ARP_REPLY, null, m,
                f, NeighborFrames.ARP_TPA, f, NeighborFrames.ARP_SHA, f, NeighborFrames.ARP_SPA);
        // unicast back to the asker
        System.arraycopy(f, NeighborFrames.ARP_SHA, reply, EthernetView.DST_OFFSET, 6);
        if (out.send(reply, n)) {
            arpAnswered.increment();
        }
    }

    private void onNd(byte[] f, int len, int type, ForwardingTables t, FramePort out) {
        int src = NeighborFrames.IP6 + Ipv6View.SRC_OFFSET;
        if (type == IcmpView.V6_NEIGHBOR_ADVERTISEMENT) {
            int tlla = NeighborFrames.ndLinkLayerOption(f, len, NeighborFrames.OPT_TARGET_LLA);
            if (tlla > 0) {
                resolver.get().observe(f, NeighborFrames.ND_TARGET, 16, f, tlla);
            }
            ignored.increment();
            return;
        }
        int slla = NeighborFrames.ndLinkLayerOption(f, len, NeighborFrames.OPT_SOURCE_LLA);
        boolean fromUnspecified = isZero(f, src);
        if (slla > 0 && !fromUnspecified) {
            resolver.get().observe(f, src, 16, f, slla);
        }
        if (t.vipIndex(f, NeighborFrames.ND_TARGET, 16) < 0) {
            ignored.increment();
            return;
        }
        byte[] m = mac(t);
        // duplicate address detection by someone else (source ::): answer to all nodes, unsolicited
        int n = fromUnspecified
                ? NeighborFrames.writeAdvertisement(reply, ALL_NODES_MAC, m, f, NeighborFrames.ND_TARGET, null, 0, false)
                : NeighborFrames.writeAdvertisement(reply, f, m, f, NeighborFrames.ND_TARGET, f, src, true);
        if (!fromUnspecified) {
            // unicast back to the asker (writeAdvertisement copied the asker's own destination)
            System.arraycopy(f, EthernetView.SRC_OFFSET, reply, EthernetView.DST_OFFSET, 6);
        }
        if (out.send(reply, n)) {
            ndpAnswered.increment();
        }
    }

    private static boolean isZero(byte[] b, int off) {
        for (int i = 0; i < 16; i++) {
            if (b[off + i] != 0) {
                return false;
            }
        }
        return true;
    }
}
