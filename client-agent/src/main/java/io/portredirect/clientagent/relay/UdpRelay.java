package io.portredirect.clientagent.relay;

import io.portredirect.clientagent.config.FallbackPolicy;
import io.portredirect.clientagent.config.ListenerConfig;
import io.portredirect.protocol.config.TransportProtocol;
import io.portredirect.clientagent.negotiate.RedirectCache;
import io.portredirect.clientagent.negotiate.Resolution;
import io.portredirect.clientagent.negotiate.Resolver;
import io.portredirect.clientagent.negotiate.VipPolicy;
import io.portredirect.clientagent.probe.CaptureDispatcher;
import io.portredirect.clientagent.probe.ProbeLink;
import io.portredirect.clientagent.probe.UdpProbe;
import io.portredirect.clientagent.stats.AgentStats;
import io.portredirect.clientagent.stats.Counter;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.wire.RedirectExtension;
import io.portredirect.protocol.wire.RedirectOptionScan;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One UDP listener. Each application client (source address) gets a session with its own upstream
 * UDP socket. Until the far side confirms, the session's datagrams leave raw from that socket's
 * port with the REDIRECT UDP option in the surplus area (kernel sockets cannot add it); a captured
 * notice carrying REDIRECT_CONFIRM + REDIRECT_OPT=Y moves the session, and later sessions, to VIP:Y,
 * sent by the kernel socket from the same port. No notice in time: the fallback policy. Replies
 * from the VIP come back through the session socket to the client. A REDIRECT + REDIRECT_OPT=Z on
 * an established session moves it to Z.
 */
public final class UdpRelay implements CaptureDispatcher.UdpNoticeHandler, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UdpRelay.class);
    private static final int MAX_DATAGRAM = 65535;
    private static final long SWEEP_NANOS = 50_000_000L;
    /** Session target while waiting for a notice, and after a refusal by policy. */
    private static final int NEGOTIATING = 0;
    private static final int REFUSED = -1;

    private final ListenerConfig listener;
    private final Resolver resolver;
    private final ProbeLink link;
    private final FallbackPolicy fallback;
    private final long noticeWaitNanos;
    private final long idleNanos;
    private final int mtu;
    private final AgentStats stats;
    private final RedirectCache.Key key;
    private final Map<InetSocketAddress, Session> byClient = new ConcurrentHashMap<>();
    private final Map<Integer, Session> byPort = new ConcurrentHashMap<>();
    private final ByteBuffer buf = ByteBuffer.allocateDirect(MAX_DATAGRAM);
    private Selector selector;
    private DatagramChannel front;
    private Thread thread;
    private volatile boolean running;

    private static final class Session {
        final InetSocketAddress client;
        final DatagramChannel back;
        final int localPort;
        final ProbeLink.Path path;
        final long deadline;
        volatile int target;
        long lastActive;
        /** A datagram came from VIP:target (the service port): from now on only that source counts. */
        boolean heardService;

        Session(InetSocketAddress client, DatagramChannel back, int localPort, ProbeLink.Path path, int target, long now, long deadline) {
            this.client = client;
            this.back = back;
            this.localPort = localPort;
            this.path = path;
            this.target = target;
            this.lastActive = now;
            this.deadline = deadline;
        }
    }

    /**
     * @param noticeWait how long a session waits for a notice before the fallback policy applies
     * @param mtu        of the probe interface: bigger datagrams cannot go raw and are sent plainly
     */
    public UdpRelay(ListenerConfig listener, Resolver resolver, ProbeLink link, FallbackPolicy fallback, Duration noticeWait,
                    Duration idle, int mtu, AgentStats stats) {
        if (listener.protocol() != TransportProtocol.UDP) {
            throw new IllegalArgumentException("not a UDP listener: " + listener);
        }
        this.listener = listener;
        this.resolver = resolver;
        this.link = link;
        this.fallback = fallback;
        this.noticeWaitNanos = noticeWait.toNanos();
        this.idleNanos = idle.toNanos();
        this.mtu = mtu;
        this.stats = stats;
        this.key = new RedirectCache.Key(TransportProtocol.UDP, listener.vip(), listener.redirectPort());
    }

    public UdpRelay start() throws IOException {
        selector = Selector.open();
        front = DatagramChannel.open(listener.listen().getAddress() instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
        try {
            front.bind(listener.listen());
        } catch (IOException e) {
            front.close();
            throw new IOException("cannot listen on udp " + listener.listen() + ": " + e.getMessage(), e);
        }
        front.configureBlocking(false);
        front.register(selector, SelectionKey.OP_READ, null);
        running = true;
        thread = new Thread(this::loop, "udp-" + listener.listen().getPort());
        thread.setDaemon(true);
        thread.start();
        LOG.info("listening: {}", listener);
        return this;
    }

    private void loop() {
        long nextSweep = System.nanoTime() + SWEEP_NANOS;
        try {
            while (running) {
                selector.select(50);
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey k = it.next();
                    it.remove();
                    if (!k.isValid() || !k.isReadable()) {
                        continue;
                    }
                    if (k.attachment() instanceof Session s) {
                        fromServer(s);
                    } else {
                        fromClient();
                    }
                }
                long now = System.nanoTime();
                if (now - nextSweep >= 0) {
                    sweep(now);
                    nextSweep = now + SWEEP_NANOS;
                }
            }
        } catch (IOException e) {
            if (running) {
                LOG.error("udp relay {} stopped: {}", listener, e.toString());
            }
        }
    }

    private void fromClient() throws IOException {
        for (int i = 0; i < 64; i++) {
            buf.clear();
            InetSocketAddress client = (InetSocketAddress) front.receive(buf);
            if (client == null) {
                return;
            }
            buf.flip();
            long now = System.nanoTime();
            Session s = byClient.get(client);
            if (s == null) {
                s = open(client, now);
                if (s == null) {
                    stats.inc(Counter.UDP_DROPPED);
                    continue;
                }
            }
            s.lastActive = now;
            up(s, now);
        }
    }

    private Session open(InetSocketAddress client, long now) {
        ProbeLink.Path path;
        try {
            path = link.prepare(listener.vip());
        } catch (IOException e) {
            LOG.warn("{}: no path to the VIP: {}", listener, e.getMessage());
            return null;
        }
        DatagramChannel back = null;
        try {
            back = DatagramChannel.open(path.source() instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
            back.bind(new InetSocketAddress(path.source(), 0));
            back.configureBlocking(false);
            int localPort = ((InetSocketAddress) back.getLocalAddress()).getPort();
            Resolution cached = resolver.cached(key);
            Session s = new Session(client, back, localPort, path, cached == null ? NEGOTIATING : cached.port(), now, now + noticeWaitNanos);
            back.register(selector, SelectionKey.OP_READ, s);
            byClient.put(client, s);
            byPort.put(localPort, s);
            stats.inc(Counter.UDP_SESSIONS);
            LOG.debug("{}: session for {} from port {} ({})", listener, client, localPort, cached == null ? "negotiating" : "cached " + cached.port());
            return s;
        } catch (IOException e) {
            LOG.warn("{}: cannot open a session socket: {}", listener, e.getMessage());
            if (back != null) {
                try {
                    back.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
            return null;
        }
    }

    private void up(Session s, long now) {
        int t = s.target;
        try {
            if (t == REFUSED) {
                stats.inc(Counter.UDP_DROPPED);
                return;
            }
            int headers = (s.path.source() instanceof Inet4Address ? 20 : 40) + 8 + 2 + 7 + 1;
            if (t == NEGOTIATING && buf.remaining() + headers <= mtu) {
                byte[] payload = new byte[buf.remaining()];
                buf.get(payload);
                CraftedPacket p = CraftedPacket.builder().udp()
                        .src(s.path.source(), s.localPort)
                        .dst(listener.vip(), listener.redirectPort())
                        .payload(payload)
                        .redirect(RedirectExtension.redirect())
                        .build();
                link.send(p, s.path);
                stats.inc(Counter.UDP_RAW_SENT);
            } else {
                // negotiated, or too big to go raw: the kernel sends it (plainly, to X while negotiating)
                s.back.send(buf, new InetSocketAddress(listener.vip(), t > 0 ? t : listener.redirectPort()));
            }
            stats.inc(Counter.UDP_DATAGRAMS_UP);
        } catch (IOException e) {
            stats.inc(Counter.UDP_DROPPED);
            LOG.debug("{}: send failed: {}", listener, e.getMessage());
        }
    }

    private void fromServer(Session s) throws IOException {
        for (int i = 0; i < 64; i++) {
            buf.clear();
            InetSocketAddress from = (InetSocketAddress) s.back.receive(buf);
            if (from == null) {
                return;
            }
            buf.flip();
            int t = s.target;
            if (!fromService(listener.vip(), listener.redirectPort(), t, s.heardService, from)) {
                // another host (or port) writing to the session's socket: not the server the app talks to
                stats.inc(Counter.UDP_FOREIGN_DROPPED);
                continue;
            }
            if (t > 0 && from.getPort() == t) {
                s.heardService = true;
            }
            s.lastActive = System.nanoTime();
            if (buf.remaining() == 0 && from.getPort() == listener.redirectPort() && s.target != listener.redirectPort()) {
                // an empty datagram from the redirect port is the notice itself: not for the application
                continue;
            }
            front.send(buf, s.client);
            stats.inc(Counter.UDP_DATAGRAMS_DOWN);
        }
    }

    /**
     * Whether a datagram from {@code from} may reach the application: it must come from the VIP,
     * from the session's service port, or from the redirect port until the service port has been
     * heard from (the first answer, and the notice, come from the redirect port).
     */
    static boolean fromService(InetAddress vip, int redirectPort, int target, boolean heardService, InetSocketAddress from) {
        if (from == null || !vip.equals(from.getAddress())) {
            return false;
        }
        int port = from.getPort();
        return (target > 0 && port == target) || (port == redirectPort && !heardService);
    }

    private void sweep(long now) {
        for (Session s : byClient.values()) {
            if (s.target == NEGOTIATING && now - s.deadline >= 0) {
                if (fallback == FallbackPolicy.FAIL) {
                    s.target = REFUSED;
                } else {
                    s.target = listener.redirectPort();
                }
                stats.inc(Counter.UDP_FALLBACKS);
                LOG.info("{}: no notice for client {}: {}", listener, s.client, fallback == FallbackPolicy.FAIL ? "dropping" : "plain");
            }
            if (now - s.lastActive >= idleNanos) {
                closeSession(s);
            }
        }
    }

    private void closeSession(Session s) {
        byClient.remove(s.client, s);
        byPort.remove(s.localPort, s);
        try {
            s.back.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public boolean onNotice(ParsedPacket p) {
        Session s = byPort.get(p.dstPort());
        if (s == null) {
            return false;
        }
        if (!p.between(listener.vip().getAddress(), s.path.source().getAddress())) {
            return false;
        }
        RedirectOptionScan ext = p.redirect();
        int x = listener.redirectPort();
        int current = s.target;
        VipPolicy policy = resolver.policy(listener.vip());
        if (ext.isConfirm() && (current == NEGOTIATING || current == REFUSED) && p.srcPort() == x) {
            int y = UdpProbe.confirmedPort(ext, x, policy);
            if (y < 0) {
                stats.inc(Counter.UDP_NOTICES_IGNORED);
                stats.inc(Counter.IGNORED_REDIRECTS);
                return true;
            }
            s.target = y;
            resolver.learn(key, y);
            stats.inc(Counter.UDP_NOTICES);
            LOG.info("{}: client {} moves to port {}", listener, s.client, y);
            return true;
        }
        if (ext.isRedirect() && !ext.isConfirm() && ext.port() != 0 && current > 0 && p.srcPort() == current) {
            if (resolver.onMidFlowRedirect(TransportProtocol.UDP, listener.vip(), x, ext.port())) {
                s.target = ext.port();
                stats.inc(Counter.UDP_NOTICES);
            }
            return true;
        }
        stats.inc(Counter.UDP_NOTICES_IGNORED);
        return true;
    }

    /** Bound listen address. */
    public InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) front.getLocalAddress();
    }

    @Override
    public void close() {
        running = false;
        if (selector != null) {
            selector.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Session s : byClient.values()) {
            closeSession(s);
        }
        try {
            if (front != null) {
                front.close();
            }
            if (selector != null) {
                selector.close();
            }
        } catch (IOException e) {
            // closing anyway
        }
    }
}
