package io.portredirect.clientagent.negotiate;

import io.portredirect.clientagent.config.VipConfig;
import io.portredirect.protocol.config.PortRange;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.PacketParser;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.wire.RedirectExtension;
import io.portredirect.protocol.wire.RedirectOptionScan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The probe state machine against a table of answers, each judged by the real parser and negotiator. */
class NegotiatorTest {
    static final InetAddress LOCAL = addr("198.18.52.1");
    static final InetAddress VIP = addr("198.18.53.10");
    static final InetAddress OTHER = addr("198.18.53.11");
    static final InetAddress ROUTER = addr("198.18.52.254");
    static final int PROBE_PORT = 61000;
    static final int X = 80;
    // near the top of the sequence space, so the expected ack is computed modulo 2^32 somewhere
    static final long ISN = 0xFFFFFFF0L;
    static final long GOOD_ACK = ISN + 1;
    static final long SERVER_ISN = 777_000;
    static final VipPolicy POLICY = new VipPolicy(new VipConfig(VIP, List.of(new PortRange(20000, 20099))), Set.of(80, 81));

    static InetAddress addr(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static ProbeSpec spec() {
        return new ProbeSpec(LOCAL, PROBE_PORT, VIP, X, ISN, 1460, POLICY, 2, Duration.ofMillis(200), 0);
    }

    static CraftedPacket.Builder synAck() {
        return CraftedPacket.builder().src(VIP, X).dst(LOCAL, PROBE_PORT).tcp(TcpView.SYN | TcpView.ACK)
                .seq(SERVER_ISN).ack(GOOD_ACK).mss(1460);
    }

    static ParsedPacket parse(byte[] ip) {
        return PacketParser.parseIp(ip, 0, ip.length, new ParsedPacket());
    }

    static ParsedPacket parse(CraftedPacket p) {
        return parse(p.encode());
    }

    /** A SYN-ACK whose redirect option has length 6: malformed, so it must count as absent. */
    static ParsedPacket malformedOption() {
        byte[] b = synAck().redirect(RedirectExtension.confirm(20001)).build().encode();
        ParsedPacket p = parse(b);
        RedirectOptionScan s = p.redirect();
        b[s.optionOffset() + 1] = 6;
        return parse(b);
    }

    /** ICMP error from a router quoting our SYN (IP header + the first 8 bytes of TCP, as RFC 792 allows). */
    static ParsedPacket icmp(int type, int code, long quotedSeq) {
        byte[] syn = CraftedPacket.builder().src(LOCAL, PROBE_PORT).dst(VIP, X).tcp(TcpView.SYN).seq(quotedSeq)
                .redirect(RedirectExtension.redirect()).build().encode();
        return parse(CraftedPacket.builder().src(ROUTER, 0).dst(LOCAL, 0).icmp(type, code, 0).payload(Arrays.copyOf(syn, 28)).build());
    }

    static Stream<Arguments> answers() {
        return Stream.of(
                row("good: CONFIRM + OPT=20001", parse(synAck().redirect(RedirectExtension.confirm(20001)).build()),
                        ProbeStep.Kind.DONE, ProbeOutcome.Result.REDIRECTED, 20001, GOOD_ACK),
                row("no option: legacy server", parse(synAck().build()),
                        ProbeStep.Kind.DONE, ProbeOutcome.Result.NOT_SUPPORTED, X, GOOD_ACK),
                row("CONFIRM without port: stay on X", parse(synAck().redirect(RedirectExtension.of(0x02, 0)).build()),
                        ProbeStep.Kind.DONE, ProbeOutcome.Result.CONFIRMED_HERE, X, GOOD_ACK),
                row("CONFIRM + OPT=X", parse(synAck().redirect(RedirectExtension.confirm(X)).build()),
                        ProbeStep.Kind.DONE, ProbeOutcome.Result.CONFIRMED_HERE, X, GOOD_ACK),
                row("CONFIRM + unknown flag bits", parse(synAck().redirect(RedirectExtension.of(0x82, 20005)).build()),
                        ProbeStep.Kind.DONE, ProbeOutcome.Result.REDIRECTED, 20005, GOOD_ACK),
                row("port outside the allowed range", parse(synAck().redirect(RedirectExtension.confirm(40000)).build()),
                        ProbeStep.Kind.IGNORED, IgnoreReason.PORT_OUT_OF_RANGE, 0, null),
                row("port is a probe-range neighbour, not a service port", parse(synAck().redirect(RedirectExtension.confirm(20100)).build()),
                        ProbeStep.Kind.IGNORED, IgnoreReason.PORT_OUT_OF_RANGE, 0, null),
                row("wrong ack: reset it, keep waiting", parse(synAck().ack(5555).redirect(RedirectExtension.confirm(20001)).build()),
                        ProbeStep.Kind.IGNORED, IgnoreReason.WRONG_ACK, 0, 5555L),
                row("wrong source address", parse(synAck().src(OTHER, X).redirect(RedirectExtension.confirm(20001)).build()),
                        ProbeStep.Kind.IGNORED, IgnoreReason.WRONG_SOURCE, 0, null),
                row("wrong source port", parse(synAck().src(VIP, 81).redirect(RedirectExtension.confirm(20001)).build()),
                        ProbeStep.Kind.IGNORED, IgnoreReason.WRONG_SOURCE, 0, null),
                row("RST+ACK: refused", parse(synAck().tcp(TcpView.RST | TcpView.ACK).seq(0).build()),
                        ProbeStep.Kind.DONE, ProbeOutcome.Result.REFUSED, 0, null),
                row("RST+ACK with a wrong ack: blind reset ignored", parse(synAck().tcp(TcpView.RST | TcpView.ACK).ack(42).build()),
                        ProbeStep.Kind.IGNORED, IgnoreReason.WRONG_ACK, 0, null),
                row("RST without ACK", parse(synAck().tcp(TcpView.RST).ack(0).build()),
                        ProbeStep.Kind.IGNORED, IgnoreReason.WRONG_ACK, 0, null),
                row("REDIRECT + OPT=81: chain to another redirect port", parse(synAck().redirect(RedirectExtension.redirectTo(81)).build()),
                        ProbeStep.Kind.DONE, ProbeOutcome.Result.CHAINED, 81, GOOD_ACK),
                row("REDIRECT + OPT outside service and redirect ports", parse(synAck().redirect(RedirectExtension.redirectTo(9999)).build()),
                        ProbeStep.Kind.IGNORED, IgnoreReason.PORT_OUT_OF_RANGE, 0, null),
                row("REDIRECT alone doubles as CONFIRM", parse(synAck().redirect(RedirectExtension.redirect()).build()),
                        ProbeStep.Kind.DONE, ProbeOutcome.Result.CONFIRMED_HERE, X, GOOD_ACK),
                row("option without known flags", parse(synAck().redirect(RedirectExtension.of(0x80, 20001)).build()),
                        ProbeStep.Kind.DONE, ProbeOutcome.Result.NOT_SUPPORTED, X, GOOD_ACK),
                row("malformed option counts as absent", malformedOption(),
                        ProbeStep.Kind.DONE, ProbeOutcome.Result.NOT_SUPPORTED, X, GOOD_ACK),
                row("bare ACK", parse(synAck().tcp(TcpView.ACK).build()),
                        ProbeStep.Kind.IGNORED, IgnoreReason.UNEXPECTED_FLAGS, 0, null),
                row("to another probe port", parse(synAck().dst(LOCAL, PROBE_PORT + 1).redirect(RedirectExtension.confirm(20001)).build()),
                        ProbeStep.Kind.NOT_MINE, null, 0, null),
                row("ICMP port unreachable quoting the SYN", icmp(3, 3, ISN),
                        ProbeStep.Kind.DONE, ProbeOutcome.Result.UNREACHABLE, 0, null),
                row("ICMP host unreachable quoting the SYN", icmp(3, 1, ISN),
                        ProbeStep.Kind.DONE, ProbeOutcome.Result.UNREACHABLE, 0, null),
                row("ICMP time exceeded quoting the SYN", icmp(11, 0, ISN),
                        ProbeStep.Kind.DONE, ProbeOutcome.Result.UNREACHABLE, 0, null),
                row("ICMP fragmentation needed: soft", icmp(3, 4, ISN),
                        ProbeStep.Kind.IGNORED, IgnoreReason.SOFT_ICMP, 0, null),
                row("ICMP quoting another sequence number", icmp(3, 3, 12345),
                        ProbeStep.Kind.IGNORED, IgnoreReason.WRONG_ACK, 0, null));
    }

    static Arguments row(String name, ParsedPacket p, ProbeStep.Kind kind, Object why, int port, Long rstSeq) {
        return Arguments.of(name, p, kind, why, port, rstSeq);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("answers")
    void judgesAnswer(String name, ParsedPacket p, ProbeStep.Kind kind, Object why, int port, Long rstSeq) {
        Negotiator n = new Negotiator(spec());
        n.start();
        ProbeStep s = n.onPacket(p);
        assertEquals(kind, s.kind(), name);
        switch (kind) {
            case DONE -> {
                assertEquals(why, s.outcome().result());
                assertEquals(port, s.outcome().port());
                assertTrue(n.isDone());
            }
            case IGNORED -> {
                assertEquals(why, s.reason());
                assertFalse(n.isDone(), "an ignored answer must not end the probe");
            }
            default -> assertFalse(n.isDone());
        }
        if (rstSeq == null) {
            assertNull(s.send(), "nothing to send");
        } else {
            ParsedPacket rst = parse(s.send());
            assertEquals(TcpView.RST, rst.tcpFlags(), "a bare RST");
            assertEquals(rstSeq.longValue(), io.portredirect.protocol.packet.Bytes.u32(rst.buffer(), rst.l4Offset() + TcpView.SEQ_OFFSET));
            assertEquals(PROBE_PORT, rst.srcPort());
            assertEquals(X, rst.dstPort());
            assertTrue(rst.redirect().isRedirect(), "the RST carries REDIRECT so a balancer routes it like the SYN");
        }
    }

    @Test
    void malformedOptionIsReported() {
        Negotiator n = new Negotiator(spec());
        n.start();
        assertTrue(n.onPacket(malformedOption()).outcome().malformedOption());
    }

    @Test
    void synCarriesRedirectMssAndIsn() {
        ParsedPacket syn = parse(new Negotiator(spec()).start());
        assertEquals(TcpView.SYN, syn.tcpFlags());
        assertEquals(PROBE_PORT, syn.srcPort());
        assertEquals(X, syn.dstPort());
        assertEquals(ISN, io.portredirect.protocol.packet.Bytes.u32(syn.buffer(), syn.l4Offset() + TcpView.SEQ_OFFSET));
        assertTrue(syn.redirect().isRedirect());
        assertFalse(syn.redirect().isConfirm());
        assertEquals(0, syn.redirect().port());
        // MSS option first: kind 2, len 4, 1460
        int opt = syn.l4Offset() + TcpView.MIN_HEADER_LENGTH;
        assertArrayEquals(new byte[] {2, 4, 0x05, (byte) 0xB4}, Arrays.copyOfRange(syn.buffer(), opt, opt + 4));
    }

    @Test
    void synAfterAMoveNamesThePreviousPort() {
        ProbeSpec s = new ProbeSpec(LOCAL, PROBE_PORT, VIP, 20007, ISN, 1460, POLICY, 0, Duration.ofMillis(100), 20001);
        ParsedPacket syn = parse(new Negotiator(s).start());
        assertTrue(syn.redirect().isRedirect());
        assertEquals(20001, syn.redirect().port());
    }

    @Test
    void timeoutRetriesWithDoublingWaitThenGivesUp() {
        Negotiator n = new Negotiator(spec());
        CraftedPacket syn = n.start();
        assertEquals(200, n.currentWaitMillis());
        ProbeStep a = n.onTimeout();
        assertEquals(ProbeStep.Kind.RETRY, a.kind());
        assertEquals(400, a.waitMillis());
        assertArrayEquals(syn.encode(), a.send().encode(), "a retransmission is the same SYN");
        ProbeStep b = n.onTimeout();
        assertEquals(ProbeStep.Kind.RETRY, b.kind());
        assertEquals(800, b.waitMillis());
        ProbeStep c = n.onTimeout();
        assertEquals(ProbeStep.Kind.DONE, c.kind());
        assertEquals(ProbeOutcome.Result.TIMED_OUT, c.outcome().result());
        assertNull(c.send());
        assertEquals(2, n.retriesUsed());
    }

    @Test
    void withNewPortOnRetryATimeoutMovesAndTheNextNegotiatorContinuesTheSchedule() {
        ProbeSpec moving = new ProbeSpec(LOCAL, PROBE_PORT, VIP, X, ISN, 1460, POLICY, 2, Duration.ofMillis(200), 0, 0, true);
        Negotiator n = new Negotiator(moving);
        n.start();
        ProbeStep a = n.onTimeout();
        assertEquals(ProbeStep.Kind.MOVE, a.kind());
        assertEquals(400, a.waitMillis());
        Negotiator second = n.next(PROBE_PORT + 1, 4242);
        CraftedPacket syn2 = second.start();
        assertEquals(PROBE_PORT + 1, syn2.srcPort());
        assertEquals(4242, syn2.seq());
        assertEquals(400, second.currentWaitMillis(), "the schedule goes on where the first port left it");
        assertEquals(ProbeStep.Kind.MOVE, second.onTimeout().kind());
        Negotiator third = second.next(PROBE_PORT + 2, 4343);
        third.start();
        assertEquals(800, third.currentWaitMillis());
        assertEquals(ProbeOutcome.Result.TIMED_OUT, third.onTimeout().outcome().result());
        // the first port still takes its late answer
        ProbeStep late = n.onPacket(parse(synAck().redirect(RedirectExtension.confirm(20042)).build()));
        assertEquals(ProbeOutcome.Result.REDIRECTED, late.outcome().result());
    }

    @Test
    void answerToARetransmissionStillCounts() {
        Negotiator n = new Negotiator(spec());
        n.start();
        n.onTimeout();
        ProbeStep s = n.onPacket(parse(synAck().redirect(RedirectExtension.confirm(20042)).build()));
        assertEquals(ProbeOutcome.Result.REDIRECTED, s.outcome().result());
        assertEquals(20042, s.outcome().port());
    }

    @Test
    void forgedAnswerThenGenuineAnswer() {
        Negotiator n = new Negotiator(spec());
        n.start();
        assertEquals(IgnoreReason.PORT_OUT_OF_RANGE, n.onPacket(parse(synAck().redirect(RedirectExtension.confirm(40000)).build())).reason());
        ProbeStep s = n.onPacket(parse(synAck().redirect(RedirectExtension.confirm(20001)).build()));
        assertEquals(20001, s.outcome().port());
    }

    @Test
    void everythingAfterTheEndIsIgnored() {
        Negotiator n = new Negotiator(spec());
        n.start();
        n.onPacket(parse(synAck().redirect(RedirectExtension.confirm(20001)).build()));
        ProbeStep again = n.onPacket(parse(synAck().redirect(RedirectExtension.confirm(20002)).build()));
        assertEquals(IgnoreReason.FINISHED, again.reason());
        assertEquals(IgnoreReason.FINISHED, n.onTimeout().reason());
        assertEquals(20001, n.outcome().port());
    }

    @Test
    void ipv6Probe() {
        InetAddress local6 = addr("2001:2::1");
        InetAddress vip6 = addr("2001:2:0:1::10");
        VipPolicy p6 = new VipPolicy(new VipConfig(vip6, List.of(new PortRange(20000, 20099))), Set.of(443));
        Negotiator n = new Negotiator(new ProbeSpec(local6, PROBE_PORT, vip6, 443, 99, 1440, p6, 1, Duration.ofMillis(100), 0));
        ParsedPacket syn = parse(n.start());
        assertEquals(6, syn.ipVersion());
        assertTrue(syn.redirect().isRedirect());
        ProbeStep s = n.onPacket(parse(CraftedPacket.builder().src(vip6, 443).dst(local6, PROBE_PORT).tcp(TcpView.SYN | TcpView.ACK)
                .seq(5).ack(100).redirect(RedirectExtension.confirm(20003)).build()));
        assertEquals(ProbeOutcome.Result.REDIRECTED, s.outcome().result());
        assertEquals(20003, s.outcome().port());
        assertNotNull(s.send());
        assertEquals(6, parse(s.send()).ipVersion());
    }
}
