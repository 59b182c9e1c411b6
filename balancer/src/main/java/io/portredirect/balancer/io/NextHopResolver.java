package io.portredirect.balancer.io;

import io.portredirect.protocol.log.EventLog;
import io.portredirect.protocol.packet.Bytes;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Finds the MAC of the network-side next hop ({@code network.next-hop-mac: auto}): asks with ARP
 * requests / neighbour solicitations sent from a VIP, and learns from every ARP or NDP frame the
 * next hop sends (answers, its own questions, gratuitous announcements). The MAC of the first
 * next hop in config order that is known wins; a change is handed to {@code onChange}, which
 * swaps it into the forwarding tables.
 */
final class NextHopResolver {
    private final List<InetAddress> hopList;
    private final byte[][] hops;
    private final byte[][] macs;
    private final BiConsumer<NextHopResolver, byte[]> onChange;
    private volatile byte[] current;

    NextHopResolver(List<InetAddress> nextHops, BiConsumer<NextHopResolver, byte[]> onChange) {
        this.hopList = List.copyOf(nextHops);
        this.hops = new byte[nextHops.size()][];
        this.macs = new byte[nextHops.size()][];
        for (int i = 0; i < hops.length; i++) {
            hops[i] = nextHops.get(i).getAddress();
        }
        this.onChange = onChange;
    }

    List<InetAddress> hops() {
        return hopList;
    }

    /** Takes over what another resolver (of the previous config) learned about shared hops. */
    synchronized void seedFrom(NextHopResolver other) {
        for (int i = 0; i < hops.length; i++) {
            byte[] m = other.lookup(hopList.get(i));
            if (m != null) {
                macs[i] = m;
            }
        }
        for (byte[] m : macs) {
            if (m != null) {
                current = m;
                break;
            }
        }
    }

    /** The MAC learned for a next hop, or null. */
    synchronized byte[] lookup(InetAddress ip) {
        int i = hopList.indexOf(ip);
        return i < 0 || macs[i] == null ? null : macs[i].clone();
    }

    boolean hasHops() {
        return hops.length > 0;
    }

    /** The MAC in use, or null while unresolved. */
    byte[] current() {
        byte[] c = current;
        return c == null ? null : c.clone();
    }

    /**
     * Notes that {@code ip} (4 or 16 bytes at ipOff) is at {@code mac} (6 bytes at macOff).
     * Allocation-free unless it is a next hop whose MAC changed.
     */
    void observe(byte[] b, int ipOff, int ipLen, byte[] macBuf, int macOff) {
        for (int i = 0; i < hops.length; i++) {
            byte[] h = hops[i];
            if (h.length != ipLen || !Bytes.equal(h, 0, b, ipOff, ipLen)) {
                continue;
            }
            byte[] known = macs[i];
            if (known != null && Bytes.equal(known, 0, macBuf, macOff, 6)) {
                return;
            }
            if (isZeroOrMulticast(macBuf, macOff)) {
                return;
            }
            byte[] mac = new byte[6];
            System.arraycopy(macBuf, macOff, mac, 0, 6);
            learned(i, mac);
            return;
        }
    }

    private synchronized void learned(int i, byte[] mac) {
        macs[i] = mac;
        byte[] best = null;
        int bestIndex = -1;
        for (int j = 0; j < macs.length; j++) {
            if (macs[j] != null) {
                best = macs[j];
                bestIndex = j;
                break;
            }
        }
        EventLog.info("next_hop_learned", "ip", Bytes.ip(hops[i], 0, hops[i].length), "mac", Bytes.mac(mac, 0));
        if (best != null && (current == null || !Bytes.equal(current, 0, best, 0, 6))) {
            current = best;
            EventLog.info("next_hop_mac", "ip", Bytes.ip(hops[bestIndex], 0, hops[bestIndex].length), "mac", Bytes.mac(best, 0));
            onChange.accept(this, best.clone());
        }
    }

    private static boolean isZeroOrMulticast(byte[] b, int off) {
        if ((b[off] & 1) != 0) {
            return true;
        }
        for (int i = 0; i < 6; i++) {
            if (b[off + i] != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Sends one question per next hop out of {@code port}: ARP from the first IPv4 VIP (or
     * 0.0.0.0), NS from the first IPv6 VIP (or ::).
     */
    void solicit(FramePort port, byte[] ourMac, List<InetAddress> vips) {
        byte[] v4 = new byte[4];
        byte[] v6 = new byte[16];
        for (InetAddress v : vips) {
            if (v instanceof Inet4Address) {
                v4 = v.getAddress();
                break;
            }
        }
        for (InetAddress v : vips) {
            if (!(v instanceof Inet4Address)) {
                v6 = v.getAddress();
                break;
            }
        }
        byte[] out = new byte[128];
        for (byte[] h : hops) {
            int n = h.length == 4
                    ? NeighborFrames.writeArp(out, NeighborFrames.ARP_REQUEST, null, ourMac, v4, 0, null, 0, h, 0)
                    : NeighborFrames.writeSolicitation(out, ourMac, v6, 0, h, 0);
            port.send(out, n);
        }
    }

    /**
     * Announces the VIPs (gratuitous ARP, unsolicited NA with override) so neighbours that cached
     * another MAC for them, e.g. a previous replica's, switch to this one at once.
     */
    static void announce(FramePort port, byte[] ourMac, List<InetAddress> vips) {
        byte[] out = new byte[128];
        for (InetAddress v : vips) {
            byte[] a = v.getAddress();
            int n = a.length == 4
                    ? NeighborFrames.writeArp(out, NeighborFrames.ARP_REQUEST, null, ourMac, a, 0, null, 0, a, 0)
                    : NeighborFrames.writeAdvertisement(out, new byte[] {0x33, 0x33, 0, 0, 0, 1}, ourMac, a, 0, null, 0, false);
            port.send(out, n);
        }
    }
}
