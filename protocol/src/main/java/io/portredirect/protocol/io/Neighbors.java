package io.portredirect.protocol.io;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a raw packet to a destination must go: the kernel's route ({@code ip route get}) gives the
 * device, the gateway (next hop) and the preferred source address; the neighbour table
 * ({@code ip neigh}) gives the next hop's MAC. When the MAC is unknown, a datagram to the next
 * hop's discard port (9) makes the kernel resolve it (ARP/NDP), and the table is polled until the
 * timeout. Results are cached for a configurable time. Runs in the calling thread's namespace.
 */
public final class Neighbors {
    /** A resolved next hop. {@code mac} is null on links without addresses (tun); all zero on lo. */
    public record NextHop(InetAddress destination, String device, InetAddress gateway, InetAddress source,
                          boolean local, byte[] mac) {
        /** The address whose MAC is used: the gateway, or the destination itself when on-link. */
        public InetAddress nextHop() {
            return gateway != null ? gateway : destination;
        }
    }

    private static final byte[] ZERO_MAC = new byte[6];
    private static final long POLL_MILLIS = 20;

    private final Duration ttl;
    private final Map<InetAddress, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(NextHop hop, long expiresNanos) {
    }

    /** @param ttl how long a resolved next hop is reused */
    public Neighbors(Duration ttl) {
        this.ttl = ttl;
    }

    /** The cached next hop for {@code dst}, resolved (waiting up to {@code timeout}) when absent or stale. */
    public NextHop resolve(InetAddress dst, Duration timeout) throws IOException {
        Cached c = cache.get(dst);
        long now = System.nanoTime();
        if (c != null && now < c.expiresNanos) {
            return c.hop;
        }
        NextHop hop = lookup(dst, timeout);
        cache.put(dst, new Cached(hop, now + ttl.toNanos()));
        return hop;
    }

    /** Forgets cached entries (e.g. after a send failure). */
    public void invalidate(InetAddress dst) {
        cache.remove(dst);
    }

    /**
     * Resolves without caching.
     *
     * @throws IOException when there is no route, or the next hop's MAC is not learned in time
     */
    public static NextHop lookup(InetAddress dst, Duration timeout) throws IOException {
        NextHop route = route(dst);
        if (route.local() || "lo".equals(route.device())) {
            return withMac(route, ZERO_MAC);
        }
        String dev = route.device();
        InetAddress nh = route.nextHop();
        byte[] mac = neighbor(nh, dev);
        if (mac != null) {
            return withMac(route, mac);
        }
        if (!hasLinkAddress(dev)) {
            return withMac(route, null);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        triggerResolution(nh);
        while (System.nanoTime() < deadline) {
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while resolving " + nh.getHostAddress(), e);
            }
            mac = neighbor(nh, dev);
            if (mac != null) {
                return withMac(route, mac);
            }
        }
        throw new IOException("no neighbour entry for " + nh.getHostAddress() + " on " + dev + " after " + timeout.toMillis() + " ms");
    }

    private static NextHop withMac(NextHop r, byte[] mac) {
        return new NextHop(r.destination(), r.device(), r.gateway(), r.source(), r.local(), mac == null ? null : mac.clone());
    }

    /** The kernel's route to {@code dst} (MAC not filled in). */
    public static NextHop route(InetAddress dst) throws IOException {
        String out = HostCommand.run(List.of("ip", "route", "get", dst.getHostAddress()));
        return parseRoute(dst, out);
    }

    static NextHop parseRoute(InetAddress dst, String out) throws IOException {
        String[] t = out.trim().split("\\s+");
        if (t.length == 0 || t[0].equals("unreachable") || t[0].equals("prohibit") || t[0].equals("blackhole")) {
            throw new IOException("no route to " + dst.getHostAddress() + ": " + out.trim());
        }
        boolean local = t[0].equals("local");
        String dev = null;
        InetAddress via = null;
        InetAddress src = null;
        for (int i = 0; i + 1 < t.length; i++) {
            switch (t[i]) {
                case "dev" -> dev = t[i + 1];
                case "via" -> {
                    // "via inet6 fe80::1" for an IPv6 next hop of an IPv4 route
                    String a = t[i + 1].equals("inet") || t[i + 1].equals("inet6") ? t[Math.min(i + 2, t.length - 1)] : t[i + 1];
                    via = InetAddress.getByName(a);
                }
                case "src" -> src = InetAddress.getByName(t[i + 1]);
                default -> {
                }
            }
        }
        if (dev == null) {
            throw new IOException("cannot parse route to " + dst.getHostAddress() + ": " + out.trim());
        }
        return new NextHop(dst, dev, via, src, local, null);
    }

    /** The MAC the neighbour table holds for {@code addr} on {@code dev}, or null (none, failed, incomplete). */
    public static byte[] neighbor(InetAddress addr, String dev) throws IOException {
        String out = HostCommand.run(List.of("ip", "neigh", "show", "to", addr.getHostAddress(), "dev", dev));
        return parseNeighbor(out);
    }

    static byte[] parseNeighbor(String out) {
        for (String line : out.split("\n")) {
            String[] t = line.trim().split("\\s+");
            if (line.contains("FAILED") || line.contains("INCOMPLETE")) {
                continue;
            }
            for (int i = 0; i + 1 < t.length; i++) {
                if (t[i].equals("lladdr")) {
                    return RawPort.parseMac(t[i + 1]);
                }
            }
        }
        return null;
    }

    private static boolean hasLinkAddress(String dev) throws IOException {
        String out = HostCommand.run(List.of("ip", "-o", "link", "show", "dev", dev));
        return !out.contains("NOARP") && out.contains("link/ether");
    }

    private static void triggerResolution(InetAddress nextHop) {
        // any datagram to the next hop makes the kernel resolve it; port 9 is discard
        try (DatagramSocket s = new DatagramSocket()) {
            s.send(new DatagramPacket(new byte[0], 0, new InetSocketAddress(nextHop, 9)));
        } catch (IOException e) {
            // resolution may still happen; the poll decides
        }
    }
}
