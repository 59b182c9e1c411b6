package io.portredirect.balancer.config;

import io.portredirect.protocol.config.TransportProtocol;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Who claimed each (VIP, protocol, port): service ports must be unique per VIP across servers and
 * distinct from redirect ports, and a message about a clash names the first claim's key and line.
 * A claim without VIPs covers every VIP.
 */
final class PortClaims {
    /** One claim: what it is ("service port of server s1"), its key path and line. */
    record Claim(String what, String key, int line) {
    }

    /** A clash: the earlier claim and the VIP both claims cover (null when neither names VIPs). */
    record Clash(Claim first, InetAddress vip) {
        /** {@code " on 198.18.0.10"}, or nothing when the clash is on every VIP. */
        String on() {
            return vip == null ? "" : " on " + Addresses.format(vip);
        }
    }

    private final List<InetAddress> allVips;
    private final Map<Long, Claim> claims = new HashMap<>();
    /** True once a claim named VIPs: messages then say which VIP clashes. */
    private boolean perVip;

    /** {@code allVips}: the config's VIPs, in order (a claim without VIPs covers them all). */
    PortClaims(List<InetAddress> allVips) {
        this.allVips = allVips;
    }

    /**
     * Claims {@code protocol/port} on {@code vips} (empty: every VIP); returns the first clash, if
     * any (the earlier claim is kept).
     */
    Clash claim(List<InetAddress> vips, TransportProtocol p, int port, Claim c) {
        perVip |= !vips.isEmpty();
        Clash clash = null;
        for (int v : indices(vips)) {
            Claim old = claims.putIfAbsent(key(v, p, port), c);
            if (old != null && clash == null) {
                clash = new Clash(old, perVip && v < allVips.size() ? allVips.get(v) : null);
            }
        }
        return clash;
    }

    /** The first claim of {@code protocol/port} on one of {@code vips} (empty: every VIP), or null. */
    Clash get(List<InetAddress> vips, TransportProtocol p, int port) {
        for (int v : indices(vips)) {
            Claim old = claims.get(key(v, p, port));
            if (old != null) {
                return new Clash(old, (perVip || !vips.isEmpty()) && v < allVips.size() ? allVips.get(v) : null);
            }
        }
        return null;
    }

    private int[] indices(List<InetAddress> vips) {
        if (vips.isEmpty()) {
            // no valid VIP (already reported): still detect clashes, on one stand-in VIP
            return java.util.stream.IntStream.range(0, Math.max(1, allVips.size())).toArray();
        }
        return vips.stream().mapToInt(allVips::indexOf).filter(i -> i >= 0).toArray();
    }

    private static long key(int vip, TransportProtocol p, int port) {
        return ((long) vip << 20) | ((long) p.ordinal() << 16) | port;
    }
}
