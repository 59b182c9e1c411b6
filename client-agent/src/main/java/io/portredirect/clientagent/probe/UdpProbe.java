package io.portredirect.clientagent.probe;

import io.portredirect.clientagent.negotiate.ProbeOutcome;
import io.portredirect.clientagent.negotiate.Prober;
import io.portredirect.clientagent.negotiate.VipPolicy;
import io.portredirect.clientagent.stats.AgentStats;
import io.portredirect.clientagent.stats.Counter;
import io.portredirect.protocol.config.PortRange;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.wire.RedirectExtension;
import io.portredirect.protocol.wire.RedirectOptionScan;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Negotiates a UDP redirect port with a datagram of the agent's own: an empty datagram to VIP:X
 * carrying REDIRECT in its surplus area, sent raw from the port of a kernel socket the probe holds
 * in the probe port range (so the notice's empty datagram lands in that socket, not in an ICMP
 * port unreachable), and answered by the server agent's notice, REDIRECT_CONFIRM +
 * REDIRECT_OPT=Y, which the capture hands to {@link #onNotice}. No application datagram is held
 * or spent on it.
 *
 * <pre>
 *   probe() --send--> WAITING --notice CONFIRM, Y allowed--> REDIRECTED (Y) / CONFIRMED_HERE (Y = X)
 *                     WAITING --timeout, retries left------> WAITING (the same datagram again,
 *                                                            from the same port, timeout doubled)
 *                     WAITING --timeout, none left---------> TIMED_OUT (a legacy server, or lost)
 * </pre>
 * Each probe holds its own source port, so probes of several slots land, by the balancer's hash,
 * on servers of their own.
 */
public final class UdpProbe implements Prober, CaptureDispatcher.UdpNoticeHandler, AutoCloseable {
    /**
     * How long a finished probe keeps its socket: an application on VIP:X may answer the empty
     * datagram too, after the notice, and a closed port would draw an ICMP error back to the VIP.
     */
    private static final long LINGER_MILLIS = 2000;
    private final ProbeLink link;
    private final Function<InetAddress, VipPolicy> policies;
    private final long timeoutNanos;
    private final int retries;
    private final AgentStats stats;
    private final ScheduledExecutorService timer;
    private final Map<Integer, Pending> pending = new ConcurrentHashMap<>();
    private final PortRange ports;
    /** Where the next bind starts in the range (probes come from one thread, the interceptor's). */
    private int next;
    private volatile boolean closed;

    private static final class Pending {
        final InetAddress vip;
        final int port;
        final InetAddress source;
        final int localPort;
        final DatagramChannel socket;
        final ProbeLink.Path path;
        final CraftedPacket datagram;
        final CompletableFuture<ProbeOutcome> done = new CompletableFuture<>();
        int sent;

        Pending(InetAddress vip, int port, ProbeLink.Path path, DatagramChannel socket, int localPort, CraftedPacket datagram) {
            this.vip = vip;
            this.port = port;
            this.source = path.source();
            this.path = path;
            this.socket = socket;
            this.localPort = localPort;
            this.datagram = datagram;
        }
    }

    /**
     * @param ports    the probe source ports (reserved from the kernel's ephemeral range)
     * @param policies the VIP's policy (which service ports a notice may name), or null for an unknown VIP
     * @param timeout  the first wait for a notice; each retry doubles it
     */
    public UdpProbe(ProbeLink link, PortRange ports, Function<InetAddress, VipPolicy> policies, Duration timeout, int retries,
                    AgentStats stats) {
        this.link = link;
        this.ports = ports;
        this.policies = policies;
        this.timeoutNanos = timeout.toNanos();
        this.retries = retries;
        this.stats = stats;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "udp-probe");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public CompletableFuture<ProbeOutcome> probe(InetAddress vip, int port, int previousPort) {
        stats.inc(Counter.PROBES);
        DatagramChannel socket = null;
        try {
            ProbeLink.Path path = link.prepare(vip);
            socket = DatagramChannel.open(path.source() instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
            int local = bindInRange(socket, path.source());
            CraftedPacket datagram = CraftedPacket.builder().udp()
                    .src(path.source(), local)
                    .dst(vip, port)
                    .payload(new byte[0])
                    .redirect(previousPort == 0 ? RedirectExtension.redirect() : RedirectExtension.redirectTo(previousPort))
                    .build();
            Pending p = new Pending(vip, port, path, socket, local, datagram);
            pending.put(local, p);
            send(p);
            return p.done;
        } catch (IOException | RuntimeException e) {
            if (socket != null) {
                close(socket);
            }
            stats.inc(Counter.PROBE_NOT_SENT);
            return CompletableFuture.completedFuture(ProbeOutcome.of(ProbeOutcome.Result.NOT_SENT, 0));
        }
    }

    /**
     * Binds {@code socket} to a free port of the probe range, which the probe guard reserves from
     * the kernel's ephemeral ports. Not an ephemeral port: the notice leaves a conntrack entry
     * (VIP:X to that port) behind, and an application socket given the same port later would send
     * to VIP:X as that entry's reply, past the DNAT of the nat hook.
     */
    private int bindInRange(DatagramChannel socket, InetAddress source) throws IOException {
        int size = ports.size();
        for (int i = 0; i < size; i++) {
            int port = ports.first() + Math.floorMod(next++, size);
            try {
                socket.bind(new InetSocketAddress(source, port));
                return port;
            } catch (java.net.BindException e) {
                // in use (a lingering probe, or a TCP-only neighbour's UDP socket): the next one
            }
        }
        throw new IOException("no free UDP port in the probe range " + ports.first() + "-" + ports.last());
    }

    private void send(Pending p) {
        if (p.done.isDone() || closed) {
            return;
        }
        if (p.sent > retries) {
            finish(p, ProbeOutcome.of(ProbeOutcome.Result.TIMED_OUT, 0), Counter.PROBE_TIMED_OUT);
            return;
        }
        try {
            link.send(p.datagram, p.path);
            stats.inc(Counter.UDP_RAW_SENT);
        } catch (IOException e) {
            // lost like a datagram on the wire: the timer sends it again
            stats.inc(Counter.SEND_FAILURES);
        }
        long wait = timeoutNanos << Math.min(p.sent, 20);
        p.sent++;
        try {
            timer.schedule(() -> send(p), wait, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // closing: no resend
        }
    }

    private void finish(Pending p, ProbeOutcome outcome, Counter counter) {
        if (pending.remove(p.localPort, p)) {
            try {
                timer.schedule(() -> close(p.socket), closed ? 0 : LINGER_MILLIS, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                close(p.socket);
            }
            stats.inc(counter);
            p.done.complete(outcome);
        }
    }

    @Override
    public boolean onNotice(ParsedPacket packet) {
        Pending p = pending.get(packet.dstPort());
        if (p == null || !from(packet, p)) {
            return false;
        }
        int y = confirmedPort(packet.redirect(), p.port, policies.apply(p.vip));
        if (y <= 0) {
            stats.inc(Counter.UDP_NOTICES_IGNORED);
            if (y < 0) {
                stats.inc(Counter.IGNORED_REDIRECTS);
            }
            return true;
        }
        stats.inc(Counter.UDP_NOTICES);
        if (y == p.port) {
            finish(p, ProbeOutcome.of(ProbeOutcome.Result.CONFIRMED_HERE, y), Counter.PROBE_CONFIRMED_HERE);
        } else {
            finish(p, ProbeOutcome.of(ProbeOutcome.Result.REDIRECTED, y), Counter.PROBE_REDIRECTED);
        }
        return true;
    }

    /** The notice comes from VIP:X to our source address. */
    private static boolean from(ParsedPacket packet, Pending p) {
        return packet.srcPort() == p.port && packet.between(p.vip.getAddress(), p.source.getAddress());
    }

    /**
     * What a notice from VIP:{@code x} says: the port it confirms (Y, or X itself when it names
     * none), 0 when it confirms nothing, -1 when it names a port the VIP's policy does not allow.
     */
    public static int confirmedPort(RedirectOptionScan ext, int x, VipPolicy policy) {
        if (!ext.isPresent() || !ext.isConfirm()) {
            return 0;
        }
        int y = ext.port() == 0 ? x : ext.port();
        if (y != x && (policy == null || !policy.allowsService(y))) {
            return -1;
        }
        return y;
    }

    /** Probes waiting for a notice. */
    public int waiting() {
        return pending.size();
    }

    private static void close(DatagramChannel socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        // what is left to run: resends (now no-ops) and lingering sockets' closes
        timer.shutdownNow().forEach(Runnable::run);
        for (Pending p : pending.values()) {
            finish(p, ProbeOutcome.of(ProbeOutcome.Result.NOT_SENT, 0), Counter.PROBE_NOT_SENT);
        }
    }
}
