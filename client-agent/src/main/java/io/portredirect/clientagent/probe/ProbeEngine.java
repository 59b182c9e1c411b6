package io.portredirect.clientagent.probe;

import io.portredirect.clientagent.config.ProbeConfig;
import io.portredirect.clientagent.negotiate.IgnoreReason;
import io.portredirect.clientagent.negotiate.Negotiator;
import io.portredirect.clientagent.negotiate.ProbeOutcome;
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
import java.util.Arrays;
import java.util.HashMap;
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
 * All probe state lives on one single-threaded loop (the same loop the capture dispatcher feeds), so
 * there are no locks. A SYN-ACK to a probe port with no probe waiting is reset, so no half-open
 * connection is left behind on a server even when its answer comes late.
 */
public final class ProbeEngine implements Prober {
    private static final Logger LOG = LoggerFactory.getLogger(ProbeEngine.class);

    private final ProbeConfig config;
    private final Map<InetAddress, VipPolicy> policies;
    private final ProbeLink link;
    private final ScheduledExecutorService loop;
    private final Executor completions;
    private final AgentStats stats;
    private final int mss4;
    private final int mss6;
    private final ProbePortPool ports;
    private final SecureRandom random = new SecureRandom();
    private final Map<Integer, Pending> pending = new HashMap<>();

    private final class Pending {
        final Negotiator negotiator;
        final ProbeLink.Path path;
        final CompletableFuture<ProbeOutcome> result;
        ScheduledFuture<?> timer;

        Pending(Negotiator n, ProbeLink.Path path, CompletableFuture<ProbeOutcome> result) {
            this.negotiator = n;
            this.path = path;
            this.result = result;
        }
    }

    /**
     * @param loop        single-threaded: every probe event runs here
     * @param completions where outcome futures complete (their dependents may block, the loop must not)
     * @param interfaceMtu MTU of the probe interface, for the MSS when the config leaves it at 0
     */
    public ProbeEngine(ProbeConfig config, Map<InetAddress, VipPolicy> policies, ProbeLink link, ScheduledExecutorService loop,
                       Executor completions, AgentStats stats, int interfaceMtu) {
        this.config = config;
        this.policies = Map.copyOf(policies);
        this.link = link;
        this.loop = loop;
        this.completions = completions;
        this.stats = stats;
        this.mss4 = config.mss() > 0 ? config.mss() : Math.max(88, interfaceMtu - 40);
        this.mss6 = config.mss() > 0 ? config.mss() : Math.max(88, interfaceMtu - 60);
        this.ports = new ProbePortPool(config.sourcePorts());
    }

    @Override
    public CompletableFuture<ProbeOutcome> probe(InetAddress vip, int port, int previousPort) {
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
        try {
            loop.execute(() -> begin(vip, port, previousPort, policy, path, f));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return notSent(f);
        }
        return f;
    }

    /**
     * Ends every waiting probe with NOT_SENT so no caller waits forever; call before the loop is
     * shut down. Their SYN-ACKs, if any come, meet the kernel (the guard is being removed) and are
     * reset by it.
     */
    public void close() {
        try {
            loop.submit(() -> {
                for (Pending p : List.copyOf(pending.values())) {
                    finish(p, ProbeOutcome.of(ProbeOutcome.Result.NOT_SENT, 0));
                }
            }).get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the loop is gone already: nothing is waiting on it
        }
    }

    private CompletableFuture<ProbeOutcome> notSent(CompletableFuture<ProbeOutcome> f) {
        stats.inc(Counter.PROBE_NOT_SENT);
        f.complete(ProbeOutcome.of(ProbeOutcome.Result.NOT_SENT, 0));
        return f;
    }

    private void begin(InetAddress vip, int port, int previousPort, VipPolicy policy, ProbeLink.Path path, CompletableFuture<ProbeOutcome> f) {
        int localPort = ports.acquire();
        if (localPort < 0) {
            LOG.warn("probe to {}:{} not sent: all {} probe ports busy", vip.getHostAddress(), port, config.sourcePorts().size());
            notSent(f);
            return;
        }
        int mss = path.source().getAddress().length == 4 ? mss4 : mss6;
        ProbeSpec spec = new ProbeSpec(path.source(), localPort, vip, port, random.nextInt() & 0xFFFFFFFFL, mss, policy,
                config.retries(), config.timeout(), previousPort);
        Negotiator n = new Negotiator(spec);
        Pending p = new Pending(n, path, f);
        pending.put(localPort, p);
        stats.pendingProbes().incrementAndGet();
        // a SYN the host failed to send (qdisc drop, full queue) is a lost packet: the retry timer
        // covers it as it covers one lost on the wire, instead of giving up on the first try
        transmit(n.start(), path, Counter.PROBE_SYNS);
        arm(p, n.currentWaitMillis());
    }

    private void arm(Pending p, long millis) {
        p.timer = loop.schedule(() -> onTimeout(p), millis, TimeUnit.MILLISECONDS);
    }

    private void onTimeout(Pending p) {
        if (pending.get(p.negotiator.spec().localPort()) != p) {
            return;
        }
        ProbeStep s = p.negotiator.onTimeout();
        if (s.kind() == ProbeStep.Kind.RETRY) {
            transmit(s.send(), p.path, Counter.PROBE_SYNS);
            arm(p, s.waitMillis());
        } else if (s.kind() == ProbeStep.Kind.DONE) {
            finish(p, s.outcome());
        }
    }

    /** True when the capture should hand this packet to {@link #onPacket}: TCP to a probe port, or ICMP quoting one. */
    public boolean wants(ParsedPacket p) {
        if (p.isTcp()) {
            return ports.contains(p.dstPort());
        }
        return p.isIcmpError() && p.quoted().hasPorts() && p.quoted().protocol() == IpProtocol.TCP && ports.contains(p.quoted().srcPort());
    }

    /** Handles a captured packet on the loop thread. */
    public void onPacket(ParsedPacket p) {
        int port = p.isTcp() ? p.dstPort() : p.quoted().srcPort();
        Pending pr = pending.get(port);
        if (pr == null) {
            if (p.isTcp() && (p.tcpFlags() & (TcpView.SYN | TcpView.ACK)) == (TcpView.SYN | TcpView.ACK)) {
                stats.inc(Counter.LATE_ANSWERS);
                resetLate(p);
            }
            return;
        }
        ProbeStep s = pr.negotiator.onPacket(p);
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
            case RETRY -> {
                transmit(s.send(), pr.path, Counter.PROBE_SYNS);
                pr.timer.cancel(false);
                arm(pr, s.waitMillis());
            }
            case DONE -> {
                if (s.send() != null) {
                    transmit(s.send(), pr.path, Counter.PROBE_RSTS);
                }
                finish(pr, s.outcome());
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

    private void finish(Pending p, ProbeOutcome o) {
        int port = p.negotiator.spec().localPort();
        if (pending.remove(port, p)) {
            stats.pendingProbes().decrementAndGet();
        }
        if (p.timer != null) {
            p.timer.cancel(false);
        }
        ports.release(port);
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
        ProbeSpec s = p.negotiator.spec();
        LOG.info("probe {}:{} from port {} -> {}{} after {} retr{}", s.vip().getHostAddress(), s.port(), port, o.result(),
                o.port() != 0 ? " " + o.port() : "", p.negotiator.retriesUsed(), p.negotiator.retriesUsed() == 1 ? "y" : "ies");
        completions.execute(() -> p.result.complete(o));
    }

    /** Resets a SYN-ACK no probe waits for: seq = its ack, as TCP does for an unacceptable SYN-ACK. */
    private void resetLate(ParsedPacket p) {
        try {
            byte[] b = p.buffer();
            InetAddress from = InetAddress.getByAddress(Arrays.copyOfRange(b, p.srcAddrOffset(), p.srcAddrOffset() + p.addrLength()));
            InetAddress to = InetAddress.getByAddress(Arrays.copyOfRange(b, p.dstAddrOffset(), p.dstAddrOffset() + p.addrLength()));
            long ack = Bytes.u32(b, p.l4Offset() + TcpView.ACK_OFFSET);
            CraftedPacket rst = CraftedPacket.builder().src(to, p.dstPort()).dst(from, p.srcPort())
                    .tcp(TcpView.RST).seq(ack).window(0).redirect(RedirectExtension.redirect()).build();
            transmit(rst, link.prepare(from), Counter.PROBE_RSTS);
        } catch (UnknownHostException e) {
            // addresses come from a parsed packet: cannot happen
        } catch (IOException e) {
            LOG.debug("cannot reset a late answer: {}", e.getMessage());
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

    /** Probes waiting for an answer (for tests and stats; call on the loop). */
    int pendingCount() {
        return pending.size();
    }
}
