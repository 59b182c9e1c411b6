package io.portredirect.balancer.health;

import io.portredirect.balancer.config.ForwardingMode;
import io.portredirect.balancer.config.HealthCheck;
import io.portredirect.balancer.table.ForwardingTables;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Where one server's health probe goes and where it comes from, chosen from the tables alone plus
 * the addresses of the balancer's interface toward the server (pure, so tested without a network).
 *
 * <p>To: the VIP for l2 and raw servers (they hold it, and answer from it), the server's own address
 * for l3 servers; sent as an Ethernet frame to the server's MAC out of its interface, so it needs no
 * route and no address of the gateway's own. From: {@code health.source} when given, else the
 * interface's own address of the family (on-link: the answer comes straight back to this replica,
 * also behind ECMP, where every replica has its own address on the server LAN). IPv4 is preferred
 * when both families would do.
 *
 * @param server   server index in the tables
 * @param name     server name
 * @param iface    the balancer's interface toward it
 * @param srcMac   the balancer's MAC on that interface
 * @param dstMac   the server's MAC
 * @param src      probe source address
 * @param dst      probe destination address
 * @param port     the health port
 * @param check    the server's health settings
 */
public record ProbeTarget(int server, String name, String iface, byte[] srcMac, byte[] dstMac, InetAddress src, InetAddress dst,
                          int port, HealthCheck check) {

    /** A target, or why the server cannot be checked ({@link #problem}). */
    public record Resolved(ProbeTarget target, String problem) {
    }

    /**
     * Resolves server {@code s} of {@code t} (which must have a health block).
     *
     * @param ifaceAddresses the addresses of the balancer's interface toward the server
     */
    public static Resolved resolve(ForwardingTables t, int s, List<InetAddress> ifaceAddresses) {
        HealthCheck h = t.config().servers().get(s).health();
        byte[] dstMac = t.serverMac(s);
        if (dstMac == null) {
            return new Resolved(null, "no server MAC (raw server without mac): cannot address the probe");
        }
        for (int version : new int[] {4, 6}) {
            InetAddress dst = destination(t, s, version);
            if (dst == null) {
                continue;
            }
            InetAddress src = h.source();
            if (src != null && family(src) != version) {
                continue;
            }
            if (src == null) {
                src = ifaceAddresses.stream().filter(a -> family(a) == version && !a.isLinkLocalAddress()).findFirst().orElse(null);
            }
            if (src != null) {
                return new Resolved(new ProbeTarget(s, t.serverName(s), t.serverInterface(s), t.serverSideMac(s), dstMac, plain(src), dst,
                        h.port(), h), null);
            }
        }
        return new Resolved(null, h.source() != null ? "no " + (family(h.source()) == 4 ? "IPv4" : "IPv6")
                + " address to probe (health.source is of another family than the server's)"
                : "no address on " + t.serverInterface(s) + " to probe from: give health.source (an address the server routes back over "
                + t.serverInterface(s) + ")");
    }

    private static InetAddress destination(ForwardingTables t, int s, int version) {
        if (t.mode(s) == ForwardingMode.L3) {
            if (!t.hasAddress(s, version)) {
                return null;
            }
            byte[] b = new byte[version == 4 ? 4 : 16];
            t.copyServerAddress(s, version, b, 0);
            return address(b);
        }
        InetAddress vip = t.config().servers().get(s).serviceVips().stream().filter(a -> family(a) == version).findFirst()
                .orElse(null);
        if (vip == null) {
            vip = t.vipAddresses().stream().filter(a -> family(a) == version).findFirst().orElse(null);
        }
        return vip;
    }

    static int family(InetAddress a) {
        return a instanceof Inet4Address ? 4 : 6;
    }

    /** Without the scope id a NetworkInterface lookup attaches. */
    private static InetAddress plain(InetAddress a) {
        return a instanceof Inet6Address ? address(a.getAddress()) : a;
    }

    private static InetAddress address(byte[] b) {
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Override
    public String toString() {
        return name + " " + src.getHostAddress() + " -> " + dst.getHostAddress() + ":" + port + " via " + iface;
    }
}
