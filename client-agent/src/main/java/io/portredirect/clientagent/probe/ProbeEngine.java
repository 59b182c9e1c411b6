package io.portredirect.clientagent.probe;

import io.portredirect.clientagent.config.ProbeConfig;
import io.portredirect.clientagent.negotiate.IgnoreReason;
import io.portredirect.clientagent.negotiate.NegativeCache;
import io.portredirect.clientagent.negotiate.Negotiator;
import io.portredirect.clientagent.negotiate.ProbeOutcome;
import io.portredirect.clientagent.negotiate.ProbeRoutes;
import io.portredirect.clientagent.negotiate.ProbeSpec;
import io.portredirect.clientagent.negotiate.ProbeStep;
import io.portredirect.clientagent.negotiate.Prober;
import io.portredirect.clientagent.negotiate.VipPolicy;
import io.portredirect.clientagent.stats.AgentStats;
import io.portredirect.clientagent.stats.Counter;
import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.IpProtocol;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.wire.RedirectExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link Negotiator}s live: takes a reserved probe port, sends the SYN through a
 * {@link ProbeLink}, feeds captured answers and timeouts to the negotiator and carries out its steps.
 * Probe state is guarded by the engine's lock, and each event runs on the thread that has it: a
 * probe starts on its caller's thread, an answer is handled on the capture's, a timeout on the
 * loop's. So neither the SYN nor the outcome waits for another thread to wake up (two hand-offs
 * per cold connection). Outcomes complete under the lock: their dependents must not block. A
 * SYN-ACK to a probe port with no probe waiting is reset, so no half-open connection is left
 * behind on a server even when its answer comes late.
 *
 * <p>Failed servers: a probe that gets no answer moves to a new source port (a new hash on the
 * balancer) when the config asks for it; the ports it used keep taking a late answer until it is
 * done. {@link ProbeRoutes} remembers which service port each source port's last answer named, so a
 * timeout on a port marks that server failed in the {@link NegativeCache}, and while it is, new
 * probes skip the source ports that led to it.
 */
public final class ProbeEngine implements Prober {
    private static final Logger LOG = LoggerFactory.getLogger(ProbeEngine.class);

    private final ProbeConfig config;
    private final Map<InetAddress, VipPolicy> policies;
    private final ProbeLink link;
    private final ScheduledExecutorService loop;
    /** Prepares probes asked for under the engine's lock whose path may wait for ARP (see {@link #probe}). */
    private final Executor completions;
    /** Guarded by this. */
    private boolean closed;
    private final AgentStats stats;
    private final int mss4;
    private final int mss6;
    private final ProbePortPool ports;
    private final NegativeCache failed;
    private final ProbeRoutes routes;
    private final SecureRandom random = new SecureRandom();
    private final Map<Integer, Pending> pending = new HashMap<>();

    /** One probe: the negotiator of each source port it used, the last one current. */
    private final class Pending {
        final List<Negotiator> tries = new ArrayList<>(2);
        final ProbeLink.Path path;
        final CompletableFuture<ProbeOutcome> result;
        ScheduledFuture<?> timer;

        Pending(Negotiator n, ProbeLink.Path path, CompletableFuture<ProbeOutcome> result) {
            this.tries.add(n);
            this.path = path;
            this.result = result;
        }

        Negotiator current() {
            return tries.get(tries.size() - 1);
        }

        Negotiator at(int localPort) {
            for (Negotiator n : tries) {
                if (n.spec().localPort() == localPort) {
                    return n;
                }
            }
            return null;
        }
    }

    /**
     * @param loop        runs the retry timers
     * @param completions where a probe asked for under the engine's lock (by an outcome's dependent:
     *                    a chained probe) is prepared when its path may wait for ARP; outcomes
     *                    complete on the thread that decided them
     * @param interfaceMtu MTU of the probe interface, for the MSS when the config leaves it at 0
     */
    public ProbeEngine(ProbeConfig config, Map<InetAddress, VipPolicy> policies, ProbeLink link, ScheduledExecutorService loop,
                       Executor completions, AgentStats stats, int interfaceMtu) {
        this(config, policies, link, loop, completions, stats, interfaceMtu, NegativeCache.disabled());
    }

    /** @param failed servers to steer clear of; shared with the resolver, which reports failed connects */
    public ProbeEngine(ProbeConfig config, Map<InetAddress, VipPolicy> policies, ProbeLink link, ScheduledExecutorService loop,
                       Executor completions, AgentStats stats, int interfaceMtu, NegativeCache failed) {
        this.config = config;
        this.policies = Map.copyOf(policies);
        this.link = link;
        this.loop = loop;
        this.completions = completions;
        this.stats = stats;
        this.mss4 = config.mss() > 0 ? config.mss() : Math.max(88, interfaceMtu - 40);
        this.mss6 = config.mss() > 0 ? config.mss() : Math.max(88, interfaceMtu - 60);
        this.ports = new ProbePortPool(config.sourcePorts());
        this.failed = failed;
        this.routes = new ProbeRoutes(config.sourcePorts());
    }

    @Override
    public boolean probesWithoutWaiting(InetAddress vip) {
        return link.cached(vip) != null;
    }

    @Override
    public CompletableFuture<ProbeOutcome> probe(InetAddress vip, int port, int previousPort) {
        if (Thread.holdsLock(this) && link.cached(vip) == null) {
            // asked for by an outcome's dependent (a chained probe), which must not wait for ARP
            return CompletableFuture.supplyAsync(() -> probe(vip, port, previousPort), completions).thenCompose(f -> f);
        }
        CompletableFuture<ProbeOutcome> f = new CompletableFuture<>();
        stats.inc(Counter.PROBES);
        VipPolicy policy = policies.get(vip);
        ProbeLink.Path path;
        try {
            if (policy == null) {
                throw new IOException("VIP " + vip.getHostAddress() + " is not configured");
            }
            path = link.prepare(vip);
        } catch (IOException e) {
            LOG.warn("probe to {}:{} not sent: {}", vip.getHostAddress(), port, e.getMessage());
            return notSent(f);
        }
        // the SYN leaves from the caller's thread: no wake-up of the loop before it
        synchronized (this) {
            if (closed) {
                return notSent(f);
            }
            begin(vip, port, previousPort, policy, path, f);
        }
        return f;
    }

    /**
     * Ends every waiting probe with NOT_SENT so no caller waits forever; call before the loop is
     * shut down. Their SYN-ACKs, if any come, meet the kernel (the guard is being removed) and are
     * reset by it.
     */
    public synchronized void close() {
        closed = true;
        for (Pending p : List.copyOf(pending.values())) {
            finish(p, p.current(), ProbeOutcome.of(ProbeOutcome.Result.NOT_SENT, 0));
        }
    }

    private CompletableFuture<ProbeOutcome> notSent(CompletableFuture<ProbeOutcome> f) {
        stats.inc(Counter.PROBE_NOT_SENT);
        f.complete(ProbeOutcome.of(ProbeOutcome.Result.NOT_SENT, 0));
        return f;
    }

    private void begin(InetAddress vip, int port, int previousPort, VipPolicy policy, ProbeLink.Path path, CompletableFuture<ProbeOutcome> f) {
        int localPort = acquire(vip, port);
        if (localPort < 0) {
            LOG.warn("probe to {}:{} not sent: all {} probe ports busy", vip.getHostAddress(), port, config.sourcePorts().size());
            notSent(f);
            return;
        }
        int mss = path.source().getAddress().length == 4 ? mss4 : mss6;
        ProbeSpec spec = new ProbeSpec(path.source(), localPort, vip, port, random.nextInt() & 0xFFFFFFFFL, mss, policy,
                config.retries(), config.timeout(), previousPort, 0, config.retryNewSourcePort());
        Negotiator n = new Negotiator(spec);
        Pending p = new Pending(n, path, f);
        pending.put(localPort, p);
        stats.pendingProbes().incrementAndGet();
        // a SYN the host failed to send (qdisc drop, full queue) is a lost packet: the retry timer
        // covers it as it covers one lost on the wire, instead of giving up on the first try
        transmit(n.start(), path, Counter.PROBE_SYNS);
        arm(p, n.currentWaitMillis());
    }

    /** A source port for a probe to vip:port, passing over ports whose last answer came from a failed server. */
    private int acquire(InetAddress vip, int port) {
        int localPort = ports.acquire(p -> {
            int y = routes.servicePort(vip, port, p);
            return y != 0 && failed.isFailed(vip, y);
        });
        if (ports.skipped() > 0) {
            stats.inc(Counter.NEGATIVE_CACHE_HITS);
        }
        return localPort;
    }

    private void arm(Pending p, long millis) {
        Negotiator n = p.current();
        try {
            p.timer = loop.schedule(() -> timedOut(p, n), millis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // the loop is shut down: nothing would ever end this probe
            finish(p, n, ProbeOutcome.of(ProbeOutcome.Result.NOT_SENT, 0));
        }
    }

    private synchronized void timedOut(Pending p, Negotiator n) {
        onTimeout(p, n);
    }

    private void onTimeout(Pending p, Negotiator n) {
        if (pending.get(n.spec().localPort()) != p || p.current() != n) {
            return;
        }
        ProbeStep s = n.onTimeout();
        if (s.kind() != ProbeStep.Kind.IGNORED) {
            noAnswer(p, n.spec());
        }
        if (s.kind() == ProbeStep.Kind.MOVE) {
            ProbeSpec spec = n.spec();
            int localPort = acquire(spec.vip(), spec.port());
            if (localPort >= 0) {
                Negotiator next = n.next(localPort, random.nextInt() & 0xFFFFFFFFL);
                p.tries.add(next);
                pending.put(localPort, p);
                stats.inc(Counter.PROBE_RETRIES_NEW_PORT);
                transmit(next.start(), p.path, Counter.PROBE_SYNS);
                arm(p, next.currentWaitMillis());
                return;
            }
        }
        if (s.kind() == ProbeStep.Kind.RETRY || s.kind() == ProbeStep.Kind.MOVE) {
            transmit(s.send(), p.path, Counter.PROBE_SYNS);
            arm(p, s.waitMillis());
        } else if (s.kind() == ProbeStep.Kind.DONE) {
            finish(p, n, s.outcome());
        }
    }

    /**
     * A SYN from spec's port went unanswered: the server that port led to last, if known, failed.
     * Other probes waiting on a port that leads to the same server (probes of other redirect ports
     * of the VIP, or of a chain: the resolver shares one probe per VIP:port) move on now rather than
     * each waiting out its own timeout.
     */
    private void noAnswer(Pending unanswered, ProbeSpec spec) {
        int y = routes.servicePort(spec.vip(), spec.port(), spec.localPort());
        if (y == 0 || failed.isFailed(spec.vip(), y)) {
            return;
        }
        long ms = failed.fail(spec.vip(), y);
        if (ms <= 0) {
            return;
        }
        stats.inc(Counter.SERVERS_MARKED_FAILED);
        LOG.info("server of {}:{} failed: probe from port {} unanswered; avoided for {} ms", spec.vip().getHostAddress(),
                y, spec.localPort(), ms);
        for (Pending other : List.copyOf(new LinkedHashSet<>(pending.values()))) {
            Negotiator n = other.current();
            ProbeSpec s = n.spec();
            // any redirect port of the VIP: Y names the server, whichever port's probe led there
            if (other != unanswered && !n.isDone() && s.vip().equals(spec.vip())
                    && routes.servicePort(s.vip(), s.port(), s.localPort()) == y && pending.get(s.localPort()) == other) {
                stats.inc(Counter.NEGATIVE_CACHE_HITS);
                other.timer.cancel(false);
                onTimeout(other, n);
            }
        }
    }

    /** True when the capture should hand this packet to {@link #onPacket}: TCP to a probe port, or ICMP quoting one. */
    public boolean wants(ParsedPacket p) {
        if (p.isTcp()) {
            return ports.contains(p.dstPort());
        }
        return p.isIcmpError() && p.quoted().hasPorts() && p.quoted().protocol() == IpProtocol.TCP && ports.contains(p.quoted().srcPort());
    }

    /** Handles a captured packet, on whichever thread captured it (the capture's, in the agent). */
    public synchronized void onPacket(ParsedPacket p) {
        int port = p.isTcp() ? p.dstPort() : p.quoted().srcPort();
        Pending pr = pending.get(port);
        Negotiator n = pr == null ? null : pr.at(port);
        if (n == null) {
            if (p.isTcp() && (p.tcpFlags() & (TcpView.SYN | TcpView.ACK)) == (TcpView.SYN | TcpView.ACK)) {
                stats.inc(Counter.LATE_ANSWERS);
                resetLate(p);
            }
            return;
        }
        ProbeStep s = n.onPacket(p);
        switch (s.kind()) {
            case NOT_MINE -> {
            }
            case IGNORED -> {
                count(s.reason());
                if (s.send() != null) {
                    transmit(s.send(), pr.path, Counter.PROBE_RSTS);
                }
                LOG.debug("probe {} ignored a packet: {}", port, s.reason());
            }
            case RETRY, MOVE -> {
                // the negotiator only asks for a retry on a timeout
                transmit(s.send(), pr.path, Counter.PROBE_SYNS);
                pr.timer.cancel(false);
                arm(pr, s.waitMillis());
            }
            case DONE -> {
                if (s.send() != null) {
                    transmit(s.send(), pr.path, Counter.PROBE_RSTS);
                }
                finish(pr, n, s.outcome());
            }
        }
    }

    private void count(IgnoreReason r) {
        stats.inc(switch (r) {
            case PORT_OUT_OF_RANGE -> Counter.IGNORED_REDIRECTS;
            case WRONG_ACK -> Counter.IGNORED_WRONG_ACK;
            case WRONG_SOURCE -> Counter.IGNORED_WRONG_SOURCE;
            default -> Counter.IGNORED_OTHER;
        });
    }

    /** Ends probe {@code p}, decided by the negotiator {@code by} (one of its tries). */
    private void finish(Pending p, Negotiator by, ProbeOutcome o) {
        int port = by.spec().localPort();
        boolean wasPending = false;
        for (Negotiator n : p.tries) {
            int lp = n.spec().localPort();
            if (pending.remove(lp, p)) {
                wasPending = true;
                // a late answer to another try now meets no probe and is reset
                ports.release(lp);
            }
        }
        if (!wasPending) {
            // finished already (close() meets a probe once per port it holds)
            return;
        }
        stats.pendingProbes().decrementAndGet();
        if (p.timer != null) {
            p.timer.cancel(false);
        }
        ProbeSpec s = by.spec();
        if (o.result() == ProbeOutcome.Result.REDIRECTED) {
            routes.learn(s.vip(), s.port(), port, o.port());
            failed.succeeded(s.vip(), o.port());
        } else if (o.result() != ProbeOutcome.Result.TIMED_OUT && o.result() != ProbeOutcome.Result.NOT_SENT) {
            // answered, but naming no server of its own: the old hint is stale
            routes.learn(s.vip(), s.port(), port, 0);
        }
        if (o.malformedOption()) {
            stats.inc(Counter.MALFORMED_OPTIONS);
        }
        stats.inc(switch (o.result()) {
            case REDIRECTED -> Counter.PROBE_REDIRECTED;
            case CONFIRMED_HERE -> Counter.PROBE_CONFIRMED_HERE;
            case CHAINED -> Counter.PROBE_CHAINED;
            case NOT_SUPPORTED -> Counter.PROBE_NOT_SUPPORTED;
            case REFUSED -> Counter.PROBE_REFUSED;
            case UNREACHABLE -> Counter.PROBE_UNREACHABLE;
            case TIMED_OUT -> Counter.PROBE_TIMED_OUT;
            case NOT_SENT -> Counter.PROBE_NOT_SENT;
        });
        // the waiting connection first (its upstream connect starts right here, on this thread, with
        // no hand-off to another): the log line costs a write to stderr
        p.result.complete(o);
        int retries = p.current().retriesUsed();
        LOG.info("probe {}:{} from port {} -> {}{} after {} retr{}{}", s.vip().getHostAddress(), s.port(), port, o.result(),
                o.port() != 0 ? " " + o.port() : "", retries, retries == 1 ? "y" : "ies",
                p.tries.size() > 1 ? " (" + p.tries.size() + " source ports)" : "");
    }

    /** Resets a SYN-ACK no probe waits for: seq = its ack, as TCP does for an unacceptable SYN-ACK. */
    private void resetLate(ParsedPacket p) {
        try {
            byte[] b = p.buffer();
            InetAddress from = InetAddress.getByAddress(Arrays.copyOfRange(b, p.srcAddrOffset(), p.srcAddrOffset() + p.addrLength()));
            InetAddress to = InetAddress.getByAddress(Arrays.copyOfRange(b, p.dstAddrOffset(), p.dstAddrOffset() + p.addrLength()));
            long ack = Bytes.u32(b, p.l4Offset() + TcpView.ACK_OFFSET);
            // only along a path a probe already resolved: the loop never asks the kernel or waits for
            // ARP on behalf of whoever sent a packet (the capture passes VIPs only anyway)
            ProbeLink.Path path = link.cached(from);
            if (path == null) {
                stats.inc(Counter.IGNORED_WRONG_SOURCE);
                return;
            }
            CraftedPacket rst = CraftedPacket.builder().src(to, p.dstPort()).dst(from, p.srcPort())
                    .tcp(TcpView.RST).seq(ack).window(0).redirect(RedirectExtension.redirect()).build();
            transmit(rst, path, Counter.PROBE_RSTS);
        } catch (UnknownHostException e) {
            // addresses come from a parsed packet: cannot happen
        }
    }

    private void transmit(CraftedPacket packet, ProbeLink.Path path, Counter what) {
        try {
            link.send(packet, path);
            stats.inc(what);
        } catch (IOException e) {
            stats.inc(Counter.SEND_FAILURES);
            LOG.warn("send failed: {}", e.getMessage());
        }
    }

    /** Probes waiting for an answer (for tests and stats). */
    synchronized int pendingCount() {
        return pending.size();
    }
}
