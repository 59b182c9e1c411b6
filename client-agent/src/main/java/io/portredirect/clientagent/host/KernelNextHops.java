package io.portredirect.clientagent.host;

import com.sun.jna.LastErrorException;
import com.sun.jna.NativeLong;
import io.portredirect.protocol.io.Neighbors;
import io.portredirect.protocol.io.Netlink;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Next hops from the kernel's own tables over rtnetlink, with no process started: one
 * {@code RTM_GETROUTE} request answers what {@code ip route get} would (device, gateway, preferred
 * source), one {@code RTM_GETNEIGH} dump gives the next hop's MAC. When the MAC is unknown a
 * datagram to the next hop's discard port makes the kernel resolve it, and the table is read again
 * every 20 ms until the timeout. Answers are cached per destination for {@code ttl}, at most
 * {@code capacity} of them (least recently used go first), so nothing grows with what arrives.
 * Runs in the calling thread's network namespace.
 */
public final class KernelNextHops {
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int RTM_NEWROUTE = 24;
    private static final int RTM_GETROUTE = 26;
    private static final int RTM_NEWNEIGH = 28;
    private static final int RTM_GETNEIGH = 30;
    private static final int HEADER = Netlink.NLMSG_HDRLEN;
    private static final int RTMSG = 12;
    private static final int NDMSG = 12;
    private static final int RTA_DST = 1;
    private static final int RTA_OIF = 4;
    private static final int RTA_GATEWAY = 5;
    private static final int RTA_PREFSRC = 7;
    private static final int RTA_VIA = 18;
    private static final int RTN_UNICAST = 1;
    private static final int RTN_LOCAL = 2;
    private static final int NDA_DST = 1;
    private static final int NDA_LLADDR = 2;
    private static final int NUD_INCOMPLETE = 0x01;
    private static final int NUD_FAILED = 0x20;
    private static final int RECEIVE_BUFFER = 1 << 16;
    private static final long POLL_MILLIS = 20;
    private static final byte[] ZERO_MAC = new byte[6];

    private record Cached(Neighbors.NextHop hop, long expiresNanos) {
    }

    private final long ttlNanos;
    private final Map<InetAddress, Cached> cache;

    /**
     * @param ttl      how long a resolved next hop is reused
     * @param capacity most destinations cached
     */
    public KernelNextHops(Duration ttl, int capacity) {
        this.ttlNanos = ttl.toNanos();
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<InetAddress, Cached> eldest) {
                return size() > capacity;
            }
        };
    }

    /** The cached next hop for {@code dst}, resolved (waiting up to {@code timeout} for ARP/NDP) when absent or stale. */
    public Neighbors.NextHop resolve(InetAddress dst, Duration timeout) throws IOException {
        long now = System.nanoTime();
        synchronized (cache) {
            Cached c = cache.get(dst);
            if (c != null && now - c.expiresNanos < 0) {
                return c.hop;
            }
        }
        Neighbors.NextHop hop = lookup(dst, timeout);
        synchronized (cache) {
            cache.put(dst, new Cached(hop, now + ttlNanos));
        }
        return hop;
    }

    /** The cached next hop, or null: never asks the kernel (for the probe loop). */
    public Neighbors.NextHop cached(InetAddress dst) {
        synchronized (cache) {
            Cached c = cache.get(dst);
            return c == null ? null : c.hop;
        }
    }

    public void invalidate(InetAddress dst) {
        synchronized (cache) {
            cache.remove(dst);
        }
    }

    public int size() {
        synchronized (cache) {
            return cache.size();
        }
    }

    /** Resolves without the cache. */
    public static Neighbors.NextHop lookup(InetAddress dst, Duration timeout) throws IOException {
        Neighbors.NextHop route = route(dst);
        if (route.local() || "lo".equals(route.device())) {
            return with(route, ZERO_MAC);
        }
        NetworkInterface ni = NetworkInterface.getByName(route.device());
        if (ni == null || ni.isLoopback() || ni.isPointToPoint() || ni.getHardwareAddress() == null
                || ni.getHardwareAddress().length != 6) {
            return with(route, null);
        }
        InetAddress nh = route.nextHop();
        byte[] mac = neighbor(nh, ni.getIndex());
        if (mac != null) {
            return with(route, mac);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        trigger(nh);
        while (System.nanoTime() < deadline) {
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while resolving " + nh.getHostAddress(), e);
            }
            mac = neighbor(nh, ni.getIndex());
            if (mac != null) {
                return with(route, mac);
            }
        }
        throw new IOException("no neighbour entry for " + nh.getHostAddress() + " on " + route.device() + " after "
                + timeout.toMillis() + " ms");
    }

    private static Neighbors.NextHop with(Neighbors.NextHop r, byte[] mac) {
        return new Neighbors.NextHop(r.destination(), r.device(), r.gateway(), r.source(), r.local(), mac == null ? null : mac.clone());
    }

    /** The kernel's route to {@code dst}, as {@code ip route get} (MAC not filled in). */
    public static Neighbors.NextHop route(InetAddress dst) throws IOException {
        byte[] reply = exchange(routeRequest(dst, 1), false);
        return parseRoute(dst, reply, reply.length);
    }

    /** The MAC the neighbour table holds for {@code addr} on interface {@code ifindex}; null when none, failed or incomplete. */
    public static byte[] neighbor(InetAddress addr, int ifindex) throws IOException {
        byte[] reply = exchange(neighborDump(addr instanceof Inet4Address ? AF_INET : AF_INET6, 2), true);
        return parseNeighbor(addr, ifindex, reply, reply.length);
    }

    static byte[] routeRequest(InetAddress dst, int seq) {
        byte[] a = dst.getAddress();
        int len = HEADER + RTMSG + 4 + a.length;
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.nativeOrder());
        b.putInt(len).putShort((short) RTM_GETROUTE).putShort((short) Netlink.NLM_F_REQUEST).putInt(seq).putInt(0);
        b.put((byte) (a.length == 4 ? AF_INET : AF_INET6)).put((byte) (a.length * 8)).put((byte) 0).put((byte) 0);
        b.put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0).putInt(0);
        b.putShort((short) (4 + a.length)).putShort((short) RTA_DST).put(a);
        return b.array();
    }

    static byte[] neighborDump(int family, int seq) {
        int len = HEADER + NDMSG;
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.nativeOrder());
        b.putInt(len).putShort((short) RTM_GETNEIGH).putShort((short) (Netlink.NLM_F_REQUEST | Netlink.NLM_F_DUMP)).putInt(seq).putInt(0);
        b.put((byte) family).put((byte) 0).putShort((short) 0).putInt(0).putShort((short) 0).put((byte) 0).put((byte) 0);
        return b.array();
    }

    /** Sends one request; returns every reply byte up to the answer (or NLMSG_DONE of a dump). */
    private static byte[] exchange(byte[] request, boolean dump) throws IOException {
        int fd = Netlink.open(Netlink.NETLINK_ROUTE, 1, "rtnetlink");
        Netlink.LibC c = Netlink.libc("rtnetlink");
        try {
            c.send(fd, request, new NativeLong(request.length), 0);
            byte[] buf = new byte[RECEIVE_BUFFER];
            byte[] all = new byte[0];
            while (true) {
                int n = c.recv(fd, buf, new NativeLong(buf.length), 0).intValue();
                if (n <= 0) {
                    throw new IOException("netlink: no answer");
                }
                all = Arrays.copyOf(all, all.length + n);
                System.arraycopy(buf, 0, all, all.length - n, n);
                if (!dump || endsDump(buf, n)) {
                    return all;
                }
            }
        } catch (LastErrorException e) {
            throw new IOException("netlink: " + e.getMessage(), e);
        } finally {
            c.close(fd);
        }
    }

    private static boolean endsDump(byte[] buf, int n) {
        ByteBuffer b = ByteBuffer.wrap(buf, 0, n).order(ByteOrder.nativeOrder());
        for (int at = 0; at + HEADER <= n; ) {
            int len = b.getInt(at);
            int type = b.getShort(at + 4) & 0xFFFF;
            if (type == Netlink.NLMSG_DONE || type == Netlink.NLMSG_ERROR) {
                return true;
            }
            if (len < HEADER) {
                return true;
            }
            at += Netlink.align(len);
        }
        return false;
    }

    /** Parses the answer to {@link #routeRequest}. */
    static Neighbors.NextHop parseRoute(InetAddress dst, byte[] buf, int n) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(buf, 0, n).order(ByteOrder.nativeOrder());
        for (int at = 0; at + HEADER <= n; ) {
            int len = b.getInt(at);
            int type = b.getShort(at + 4) & 0xFFFF;
            if (len < HEADER || at + len > n) {
                throw new IOException("netlink: bad message length " + len);
            }
            if (type == Netlink.NLMSG_ERROR) {
                int errno = -b.getInt(at + HEADER);
                throw new IOException("no route to " + dst.getHostAddress() + " (errno " + errno + ")");
            }
            if (type == RTM_NEWROUTE && len >= HEADER + RTMSG) {
                int rtType = b.get(at + HEADER + 7) & 0xFF;
                if (rtType != RTN_UNICAST && rtType != RTN_LOCAL) {
                    throw new IOException("no route to " + dst.getHostAddress() + " (route type " + rtType + ")");
                }
                int oif = 0;
                InetAddress gw = null;
                InetAddress src = null;
                for (int a = at + HEADER + RTMSG; a + 4 <= at + len; ) {
                    int alen = b.getShort(a) & 0xFFFF;
                    int atype = b.getShort(a + 2) & 0x3FFF;
                    if (alen < 4 || a + alen > at + len) {
                        break;
                    }
                    int v = a + 4;
                    int vlen = alen - 4;
                    switch (atype) {
                        case RTA_OIF -> oif = b.getInt(v);
                        case RTA_GATEWAY -> gw = address(buf, v, vlen);
                        case RTA_PREFSRC -> src = address(buf, v, vlen);
                        // an IPv6 next hop of an IPv4 route: struct rtvia = family (2 bytes) + address
                        case RTA_VIA -> gw = address(buf, v + 2, vlen - 2);
                        default -> {
                        }
                    }
                    a += Netlink.align(alen);
                }
                NetworkInterface ni = oif == 0 ? null : NetworkInterface.getByIndex(oif);
                if (ni == null) {
                    throw new IOException("the route to " + dst.getHostAddress() + " names no usable device (ifindex " + oif + ")");
                }
                return new Neighbors.NextHop(dst, ni.getName(), gw, src, rtType == RTN_LOCAL, null);
            }
            at += Netlink.align(len);
        }
        throw new IOException("netlink: no route in the answer for " + dst.getHostAddress());
    }

    /** Finds {@code addr} on {@code ifindex} in a neighbour dump; null when absent, incomplete or failed. */
    static byte[] parseNeighbor(InetAddress addr, int ifindex, byte[] buf, int n) throws IOException {
        byte[] want = addr.getAddress();
        ByteBuffer b = ByteBuffer.wrap(buf, 0, n).order(ByteOrder.nativeOrder());
        for (int at = 0; at + HEADER <= n; ) {
            int len = b.getInt(at);
            int type = b.getShort(at + 4) & 0xFFFF;
            if (len < HEADER || at + len > n || type == Netlink.NLMSG_DONE) {
                return null;
            }
            if (type == Netlink.NLMSG_ERROR) {
                int errno = -b.getInt(at + HEADER);
                if (errno != 0) {
                    throw new IOException("netlink: neighbour dump failed (errno " + errno + ")");
                }
            } else if (type == RTM_NEWNEIGH && len >= HEADER + NDMSG) {
                int idx = b.getInt(at + HEADER + 4);
                int state = b.getShort(at + HEADER + 8) & 0xFFFF;
                byte[] dst = null;
                byte[] mac = null;
                for (int a = at + HEADER + NDMSG; a + 4 <= at + len; ) {
                    int alen = b.getShort(a) & 0xFFFF;
                    int atype = b.getShort(a + 2) & 0x3FFF;
                    if (alen < 4 || a + alen > at + len) {
                        break;
                    }
                    if (atype == NDA_DST) {
                        dst = Arrays.copyOfRange(buf, a + 4, a + alen);
                    } else if (atype == NDA_LLADDR) {
                        mac = Arrays.copyOfRange(buf, a + 4, a + alen);
                    }
                    a += Netlink.align(alen);
                }
                if (idx == ifindex && Arrays.equals(dst, want) && mac != null && mac.length == 6
                        && (state & (NUD_INCOMPLETE | NUD_FAILED)) == 0) {
                    return mac;
                }
            }
            at += Netlink.align(len);
        }
        return null;
    }

    private static InetAddress address(byte[] buf, int at, int len) throws IOException {
        if (len != 4 && len != 16) {
            return null;
        }
        return InetAddress.getByAddress(Arrays.copyOfRange(buf, at, at + len));
    }

    private static void trigger(InetAddress nextHop) {
        // any datagram to the next hop makes the kernel resolve it; port 9 is discard
        try (DatagramSocket s = new DatagramSocket()) {
            s.send(new DatagramPacket(new byte[0], 0, new InetSocketAddress(nextHop, 9)));
        } catch (IOException e) {
            // resolution may still happen; the poll decides
        }
    }

}
