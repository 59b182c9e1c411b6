package io.portredirect.balancer.health;

import io.portredirect.balancer.config.HealthCheck;
import io.portredirect.balancer.table.ForwardingTables;
import io.portredirect.protocol.packet.Bytes;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Tells the answers to the balancer's health probes apart from return traffic on a server
 * interface the pcap dataplane reads (l3 and raw servers), so they are not rewritten and sent to the
 * next hop: TCP to a probe source port ({@link HealthCheck#FIRST_SOURCE_PORT}-{@link
 * HealthCheck#LAST_SOURCE_PORT}) and to a probe source address (this interface's own, or a
 * configured {@code health.source}). The nft dataplane renders the same test into its ruleset.
 */
public final class ProbeAnswers {
    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int ETHERTYPE_IPV6 = 0x86dd;
    private static final int TCP = 6;

    private final byte[][] sources;

    private ProbeAnswers(byte[][] sources) {
        this.sources = sources;
    }

    /** For interface {@code iface} under tables {@code t}; null when no server there is health-checked (nothing to test). */
    public static ProbeAnswers forInterface(ForwardingTables t, String iface) {
        List<byte[]> out = new ArrayList<>();
        boolean any = false;
        for (int s : t.serversOnInterface(iface)) {
            HealthCheck h = t.config().servers().get(s).health();
            if (h != null) {
                any = true;
                if (h.source() != null) {
                    out.add(h.source().getAddress());
                }
            }
        }
        if (!any) {
            return null;
        }
        try {
            NetworkInterface ni = NetworkInterface.getByName(iface);
            if (ni != null) {
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    out.add(a.getAddress());
                }
            }
        } catch (SocketException e) {
            // no interface addresses: only configured sources count
        }
        return new ProbeAnswers(out.toArray(new byte[0][]));
    }

    /** For tests: the given source addresses. */
    static ProbeAnswers of(List<InetAddress> sources) {
        return new ProbeAnswers(sources.stream().map(InetAddress::getAddress).toArray(byte[][]::new));
    }

    /** True when the Ethernet frame {@code b[0..n)} is an answer to a health probe. Allocation-free. */
    public boolean isAnswer(byte[] b, int n) {
        if (n < 14) {
            return false;
        }
        int type = Bytes.u16(b, 12);
        int dst;
        int len;
        int l4;
        if (type == ETHERTYPE_IPV4 && n >= 34 && (b[23] & 0xff) == TCP) {
            dst = 30;
            len = 4;
            l4 = 14 + (b[14] & 0x0f) * 4;
        } else if (type == ETHERTYPE_IPV6 && n >= 54 && (b[20] & 0xff) == TCP) {
            dst = 38;
            len = 16;
            l4 = 54;
        } else {
            return false;
        }
        if (l4 + 4 > n) {
            return false;
        }
        int port = Bytes.u16(b, l4 + 2);
        if (port < HealthCheck.FIRST_SOURCE_PORT || port > HealthCheck.LAST_SOURCE_PORT) {
            return false;
        }
        for (byte[] a : sources) {
            if (a.length == len && Arrays.equals(a, 0, len, b, dst, dst + len)) {
                return true;
            }
        }
        return false;
    }
}
