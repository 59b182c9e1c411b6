package io.portredirect.clientagent.negotiate;

import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.IcmpView;
import io.portredirect.protocol.packet.IpProtocol;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.QuotedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.wire.RedirectExtension;
import io.portredirect.protocol.wire.RedirectOptionScan;

/**
 * The state machine of one probe, free of I/O: it says which packet to send and how long to wait,
 * and judges every packet addressed to the probe's port. The live agent and the unit tests drive
 * the same code.
 *
 * <pre>
 *   start()            -> SYN + REDIRECT (+ MSS) from the probe port, ISN from the spec
 *   SYN-ACK, ack ok:
 *     CONFIRM + OPT=Y, Y allowed      -> DONE REDIRECTED(Y)      + RST
 *     CONFIRM (no OPT, or OPT=port)   -> DONE CONFIRMED_HERE     + RST
 *     REDIRECT (no CONFIRM) + OPT=Z   -> DONE CHAINED(Z)         + RST   (Z a service or redirect port)
 *     REDIRECT alone                  -> DONE CONFIRMED_HERE     + RST   (seed: REDIRECT doubles as CONFIRM)
 *     no option / malformed option    -> DONE NOT_SUPPORTED      + RST
 *     OPT outside the allowed ports   -> IGNORED (keep waiting; no RST, the real answer may follow)
 *   SYN-ACK, ack wrong                -> IGNORED + RST(seq = its ack)  (RFC 9293 SYN-SENT rule)
 *   RST+ACK, ack ok                   -> DONE REFUSED
 *   ICMP unreachable quoting our SYN  -> DONE UNREACHABLE
 *   timeout                           -> RETRY (same SYN, wait doubled) until retries run out, then DONE TIMED_OUT
 *   timeout, new-port-on-retry        -> MOVE instead of RETRY: the caller continues with {@link #next}
 *                                        (a fresh source port and ISN, so a new hash on the balancer and
 *                                        probably another server); this negotiator still takes a late
 *                                        answer on its own port
 * </pre>
 * Every RST carries REDIRECT so a balancer sends it to the server that answered (rule 2). Not
 * thread-safe: one thread drives a negotiator.
 */
public final class Negotiator {
    private final ProbeSpec spec;
    private final byte[] vip;
    private final byte[] local;
    private final CraftedPacket syn;
    private int attempt;
    private ProbeOutcome outcome;

    public Negotiator(ProbeSpec spec) {
        this.spec = spec;
        this.vip = spec.vip().getAddress();
        this.local = spec.local().getAddress();
        CraftedPacket.Builder b = CraftedPacket.builder()
                .src(spec.local(), spec.localPort())
                .dst(spec.vip(), spec.port())
                .tcp(TcpView.SYN)
                .seq(spec.isn())
                .window(65535)
                .redirect(spec.previousPort() == 0 ? RedirectExtension.redirect() : RedirectExtension.redirectTo(spec.previousPort()));
        if (spec.mss() > 0) {
            b.mss(spec.mss());
        }
        this.syn = b.build();
        this.attempt = spec.firstAttempt();
    }

    /**
     * After a MOVE: the negotiator that continues the schedule from {@code newLocalPort}, whose SYN
     * ({@link #start()}) waits the wait the MOVE named.
     */
    public Negotiator next(int newLocalPort, long newIsn) {
        return new Negotiator(spec.movedTo(newLocalPort, newIsn, attempt));
    }

    public ProbeSpec spec() {
        return spec;
    }

    /** The first SYN; wait {@link #currentWaitMillis()} for an answer. */
    public CraftedPacket start() {
        attempt = spec.firstAttempt();
        return syn;
    }

    /** How long to wait for an answer to the SYN last sent. */
    public long currentWaitMillis() {
        return spec.timeoutMillis(attempt);
    }

    /** Number of SYNs sent so far minus one. */
    public int retriesUsed() {
        return attempt;
    }

    public boolean isDone() {
        return outcome != null;
    }

    /** The outcome once done, else null. */
    public ProbeOutcome outcome() {
        return outcome;
    }

    /** The answer wait ran out. */
    public ProbeStep onTimeout() {
        if (outcome != null) {
            return ProbeStep.ignored(IgnoreReason.FINISHED, null);
        }
        if (attempt < spec.retries()) {
            attempt++;
            return spec.newPortOnRetry() ? ProbeStep.move(syn, spec.timeoutMillis(attempt))
                    : ProbeStep.retry(syn, spec.timeoutMillis(attempt));
        }
        return finish(ProbeOutcome.of(ProbeOutcome.Result.TIMED_OUT, 0), null);
    }

    /** Judges a parsed packet (frame or IP) that arrived for this probe's port. */
    public ProbeStep onPacket(ParsedPacket p) {
        if (!p.ok()) {
            return ProbeStep.notMine();
        }
        if (p.isTcp()) {
            if (p.dstPort() != spec.localPort()) {
                return ProbeStep.notMine();
            }
            if (outcome != null) {
                return ProbeStep.ignored(IgnoreReason.FINISHED, null);
            }
            return onTcp(p);
        }
        if (p.isIcmp() && p.isIcmpError()) {
            QuotedPacket q = p.quoted();
            if (!q.hasPorts() || q.protocol() != IpProtocol.TCP || q.srcPort() != spec.localPort()) {
                return ProbeStep.notMine();
            }
            if (outcome != null) {
                return ProbeStep.ignored(IgnoreReason.FINISHED, null);
            }
            return onIcmp(p, q);
        }
        return ProbeStep.notMine();
    }

    private ProbeStep onTcp(ParsedPacket p) {
        byte[] b = p.buffer();
        if (!p.between(vip, local) || p.srcPort() != spec.port()) {
            return ProbeStep.ignored(IgnoreReason.WRONG_SOURCE, null);
        }
        int flags = p.tcpFlags();
        long ack = Bytes.u32(b, p.l4Offset() + TcpView.ACK_OFFSET);
        boolean ackOk = (flags & TcpView.ACK) != 0 && ack == spec.expectedAck();
        if ((flags & TcpView.RST) != 0) {
            // RFC 9293 SYN-SENT: a RST counts only when it acknowledges our SYN
            return ackOk ? finish(ProbeOutcome.of(ProbeOutcome.Result.REFUSED, 0), null)
                    : ProbeStep.ignored(IgnoreReason.WRONG_ACK, null);
        }
        if ((flags & (TcpView.SYN | TcpView.ACK)) != (TcpView.SYN | TcpView.ACK)) {
            return ProbeStep.ignored(IgnoreReason.UNEXPECTED_FLAGS, null);
        }
        if (!ackOk) {
            // a stale or foreign SYN-ACK: reset it as TCP would, and keep waiting for ours
            return ProbeStep.ignored(IgnoreReason.WRONG_ACK, rst(ack));
        }
        RedirectOptionScan ext = p.redirect();
        CraftedPacket rst = rst(ack);
        if (!ext.isPresent()) {
            return finish(new ProbeOutcome(ProbeOutcome.Result.NOT_SUPPORTED, spec.port(), ext.isMalformed()), rst);
        }
        int opt = ext.port();
        if (ext.isConfirm()) {
            if (opt == 0 || opt == spec.port()) {
                return finish(ProbeOutcome.of(ProbeOutcome.Result.CONFIRMED_HERE, spec.port()), rst);
            }
            if (!spec.policy().allowsService(opt)) {
                return ProbeStep.ignored(IgnoreReason.PORT_OUT_OF_RANGE, null);
            }
            return finish(ProbeOutcome.of(ProbeOutcome.Result.REDIRECTED, opt), rst);
        }
        if (ext.isRedirect()) {
            if (opt == 0 || opt == spec.port()) {
                return finish(ProbeOutcome.of(ProbeOutcome.Result.CONFIRMED_HERE, spec.port()), rst);
            }
            if (!spec.policy().allowsChainTo(opt)) {
                return ProbeStep.ignored(IgnoreReason.PORT_OUT_OF_RANGE, null);
            }
            return finish(ProbeOutcome.of(ProbeOutcome.Result.CHAINED, opt), rst);
        }
        // the option with neither known flag set says nothing we can use
        return finish(ProbeOutcome.of(ProbeOutcome.Result.NOT_SUPPORTED, spec.port()), rst);
    }

    private ProbeStep onIcmp(ParsedPacket p, QuotedPacket q) {
        byte[] b = p.buffer();
        if (q.addrLength() != vip.length || !Bytes.equal(b, q.dstAddrOffset(), vip, 0, vip.length)
                || !Bytes.equal(b, q.srcAddrOffset(), local, 0, local.length) || q.dstPort() != spec.port()) {
            return ProbeStep.ignored(IgnoreReason.WRONG_SOURCE, null);
        }
        // RFC 5927: check the quoted sequence number when the quote is long enough to hold it
        int seqAt = q.l4Offset() + TcpView.SEQ_OFFSET;
        if (seqAt + 4 <= p.ipEnd() && Bytes.u32(b, seqAt) != spec.isn()) {
            return ProbeStep.ignored(IgnoreReason.WRONG_ACK, null);
        }
        boolean v4 = p.ipVersion() == 4;
        int type = p.icmpType();
        int code = p.icmpCode();
        boolean soft = v4 ? (type == IcmpView.V4_DEST_UNREACHABLE && code == IcmpView.V4_CODE_FRAG_NEEDED)
                || type == IcmpView.V4_SOURCE_QUENCH || type == IcmpView.V4_REDIRECT || type == IcmpView.V4_PARAMETER_PROBLEM
                : type == IcmpView.V6_PACKET_TOO_BIG || type == IcmpView.V6_PARAMETER_PROBLEM;
        if (soft) {
            return ProbeStep.ignored(IgnoreReason.SOFT_ICMP, null);
        }
        return finish(ProbeOutcome.of(ProbeOutcome.Result.UNREACHABLE, 0), null);
    }

    private ProbeStep finish(ProbeOutcome o, CraftedPacket send) {
        outcome = o;
        return ProbeStep.done(o, send);
    }

    /** RST for a SYN-ACK: seq = its ack, no ACK flag (RFC 9293), REDIRECT so it follows the probe. */
    private CraftedPacket rst(long seq) {
        return CraftedPacket.builder()
                .src(spec.local(), spec.localPort())
                .dst(spec.vip(), spec.port())
                .tcp(TcpView.RST)
                .seq(seq)
                .window(0)
                .redirect(RedirectExtension.redirect())
                .build();
    }
}
