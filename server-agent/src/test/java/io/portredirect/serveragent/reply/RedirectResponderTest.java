package io.portredirect.serveragent.reply;

import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.EthernetView;
import io.portredirect.protocol.packet.PacketParser;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.packet.TransportChecksum;
import io.portredirect.protocol.wire.RedirectExtension;
import io.portredirect.protocol.wire.RedirectWire;
import io.portredirect.protocol.wire.TcpOptionWalker;
import io.portredirect.serveragent.config.ServerAgentConfig.AllFullAction;
import io.portredirect.serveragent.reply.RedirectResponder.Reply;
import io.portredirect.serveragent.reply.RedirectResponder.Verdict;
import io.portredirect.serveragent.select.PortSelector;
import io.portredirect.serveragent.select.RoundRobinSelector;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedirectResponderTest {
    static final byte[] CLIENT_MAC = {0x02, 0, 0, 0, 0, 0x01};
    static final byte[] SERVER_MAC = {0x02, 0, 0, 0, 0, 0x02};
    static final InetAddress CLIENT = ip("198.18.1.2");
    static final InetAddress VIP = ip("198.18.0.10");
    static final InetAddress CLIENT6 = ip("2001:2:1::2");
    static final InetAddress VIP6 = ip("2001:2::10");
    static final long CLIENT_SEQ = 0xFFFFFFFFL; // ack wraps to 0

    static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static RedirectResponder responder(PortSelector tcp, AllFullAction allFull) {
        return new RedirectResponder(List.of(VIP, VIP6), List.of(8000), tcp, new RoundRobinSelector(new int[] {8001, 8002}),
                new SynCookie(42), 1460, 1440, true, true, allFull);
    }

    static RedirectResponder responder() {
        return responder(new RoundRobinSelector(new int[] {8001, 8002}), AllFullAction.RESET);
    }

    static CraftedPacket.Builder syn(InetAddress src, InetAddress dst, int dport) {
        return CraftedPacket.builder().ethernet(CLIENT_MAC, SERVER_MAC).src(src, 40001).dst(dst, dport)
                .tcp(TcpView.SYN).seq(CLIENT_SEQ).mss(1460).sackPermitted(true).timestamps(1000, 0).windowScale(7)
                .redirect(RedirectExtension.redirect());
    }

    static ParsedPacket parse(byte[] frame) {
        return PacketParser.parseFrame(frame, 0, frame.length, new ParsedPacket());
    }

    static int mssOption(ParsedPacket p) {
        int[] mss = {-1};
        TcpOptionWalker.walk(p.buffer(), p.l4Offset() + TcpView.MIN_HEADER_LENGTH, p.tcpHeaderLength() - TcpView.MIN_HEADER_LENGTH,
                (b, off, kind, len) -> {
                    if (kind == RedirectWire.TCP_MSS) {
                        mss[0] = Bytes.u16(b, off + 2);
                    }
                    return true;
                });
        return mss[0];
    }

    @Test
    void redirectSynGetsAConfirmingSynAckWithSwappedEndsAndValidChecksums() {
        Reply r = responder().respond(parse(syn(CLIENT, VIP, 8000).build().encode()));
        assertEquals(Verdict.SYN_ACK, r.verdict());
        assertEquals(8001, r.servicePort());
        ParsedPacket p = parse(r.frame());
        assertTrue(p.ok(), () -> "parses: " + p.error());
        assertArrayEquals(CLIENT_MAC, Arrays.copyOfRange(r.frame(), EthernetView.DST_OFFSET, 6));
        assertArrayEquals(SERVER_MAC, Arrays.copyOfRange(r.frame(), EthernetView.SRC_OFFSET, 12));
        assertEquals("198.18.0.10", Bytes.ip(r.frame(), p.srcAddrOffset(), 4));
        assertEquals("198.18.1.2", Bytes.ip(r.frame(), p.dstAddrOffset(), 4));
        assertEquals(8000, p.srcPort());
        assertEquals(40001, p.dstPort());
        assertEquals(TcpView.SYN | TcpView.ACK, p.tcpFlags());
        assertEquals(0L, Bytes.u32(r.frame(), p.l4Offset() + TcpView.ACK_OFFSET), "ack = client seq + 1 (mod 2^32)");
        assertTrue(p.redirect().isConfirm());
        assertFalse(p.redirect().isRedirect());
        assertEquals(8001, p.redirect().port());
        assertEquals(1460, mssOption(p));
        assertEquals(TransportChecksum.Verdict.VALID, TransportChecksum.verify(p));
        assertEquals(TransportChecksum.Verdict.VALID, TransportChecksum.verifyIpHeader(p));
    }

    @Test
    void sequenceNumberIsStatelessSameSynSameSeqAndTheNextSynNamesTheNextPort() {
        RedirectResponder resp = responder();
        byte[] synFrame = syn(CLIENT, VIP, 8000).build().encode();
        ParsedPacket a = parse(resp.respond(parse(synFrame)).frame());
        long seqA = Bytes.u32(a.buffer(), a.l4Offset() + TcpView.SEQ_OFFSET);
        Reply again = resp.respond(parse(synFrame));
        ParsedPacket b = parse(again.frame());
        assertEquals(seqA, Bytes.u32(b.buffer(), b.l4Offset() + TcpView.SEQ_OFFSET), "a retransmitted SYN gets the same ISN");
        assertEquals(8002, again.servicePort(), "round robin moves on");
        ParsedPacket other = parse(resp.respond(parse(syn(CLIENT, VIP, 8000).src(CLIENT, 40002).build().encode())).frame());
        assertFalse(seqA == Bytes.u32(other.buffer(), other.l4Offset() + TcpView.SEQ_OFFSET), "another flow, another ISN");
    }

    @Test
    void ipv6SynGetsAnIpv6SynAckWithTheIpv6Mss() {
        Reply r = responder().respond(parse(syn(CLIENT6, VIP6, 8000).build().encode()));
        assertEquals(Verdict.SYN_ACK, r.verdict());
        ParsedPacket p = parse(r.frame());
        assertEquals(6, p.ipVersion());
        assertEquals("2001:2:0:0:0:0:0:10", InetAddressText.of(r.frame(), p.srcAddrOffset()));
        assertEquals(1440, mssOption(p));
        assertEquals(TransportChecksum.Verdict.VALID, TransportChecksum.verify(p));
    }

    @Test
    void packetsTheAgentMustNotAnswer() {
        RedirectResponder r = responder();
        assertEquals(Verdict.NOT_REDIRECT, r.respond(parse(syn(CLIENT, VIP, 8000).redirect(null).build().encode())).verdict(),
                "a legacy SYN is the kernel's");
        assertEquals(Verdict.PROBE_RST, r.respond(parse(syn(CLIENT, VIP, 8000).tcp(TcpView.RST).build().encode())).verdict());
        assertEquals(Verdict.NOT_A_SYN, r.respond(parse(syn(CLIENT, VIP, 8000).tcp(TcpView.ACK).build().encode())).verdict());
        assertEquals(Verdict.NOT_FOR_US, r.respond(parse(syn(CLIENT, ip("198.18.0.11"), 8000).build().encode())).verdict());
        assertEquals(Verdict.NOT_FOR_US, r.respond(parse(syn(CLIENT, VIP, 8001).build().encode())).verdict());
        byte[] bad = syn(CLIENT, VIP, 8000).redirect(RedirectExtension.redirectTo(9)).build().encode();
        ParsedPacket p = parse(bad);
        int opt = p.redirect().optionOffset();
        bad[opt + RedirectWire.PORT_OFFSET] = 0;
        bad[opt + RedirectWire.PORT_OFFSET + 1] = 0; // REDIRECT_OPT 0 is malformed
        assertEquals(Verdict.MALFORMED_OPTION, r.respond(parse(bad)).verdict());
        assertEquals(Verdict.PARSE_ERROR, r.respond(parse(Arrays.copyOf(bad, 30))).verdict());
    }

    @Test
    void everyServicePortFullMeansAResetWithConfirmOrNothing() {
        PortSelector none = () -> PortSelector.NONE;
        Reply reset = responder(none, AllFullAction.RESET).respond(parse(syn(CLIENT, VIP, 8000).build().encode()));
        assertEquals(Verdict.RESET_ALL_FULL, reset.verdict());
        ParsedPacket p = parse(reset.frame());
        assertEquals(TcpView.RST | TcpView.ACK, p.tcpFlags());
        assertTrue(p.redirect().isConfirm());
        assertEquals(0, p.redirect().port());
        assertEquals(TransportChecksum.Verdict.VALID, TransportChecksum.verify(p));
        Reply drop = responder(none, AllFullAction.DROP).respond(parse(syn(CLIENT, VIP, 8000).build().encode()));
        assertEquals(Verdict.DROP_ALL_FULL, drop.verdict());
        assertNull(drop.frame());
    }

    @Test
    void redirectDatagramGetsANoticeWithTheOptionInTheSurplusArea() {
        byte[] dgram = CraftedPacket.builder().ethernet(CLIENT_MAC, SERVER_MAC).src(CLIENT, 5353).dst(VIP, 8000).udp()
                .payload("first".getBytes()).redirect(RedirectExtension.redirect()).build().encode();
        Reply r = responder().respond(parse(dgram));
        assertEquals(Verdict.UDP_NOTICE, r.verdict());
        ParsedPacket p = parse(r.frame());
        assertTrue(p.isUdp());
        assertEquals(8000, p.srcPort());
        assertEquals(5353, p.dstPort());
        assertEquals(8, p.udpLength(), "no payload");
        assertTrue(p.udpSurplusLength() > 0);
        assertTrue(p.redirect().isConfirm());
        assertEquals(8001, p.redirect().port());
        assertEquals(TransportChecksum.Verdict.VALID, TransportChecksum.verify(p));
        byte[] plain = CraftedPacket.builder().ethernet(CLIENT_MAC, SERVER_MAC).src(CLIENT, 5353).dst(VIP, 8000).udp()
                .payload("x".getBytes()).build().encode();
        assertEquals(Verdict.NOT_REDIRECT, responder().respond(parse(plain)).verdict());
    }

    @Test
    void rawIpInputGetsRawIpOutput() {
        byte[] ipOnly = syn(CLIENT, VIP, 8000).build().encode();
        ipOnly = Arrays.copyOfRange(ipOnly, EthernetView.HEADER_LENGTH, ipOnly.length);
        Reply r = responder().respond(PacketParser.parseIp(ipOnly, 0, ipOnly.length, new ParsedPacket()));
        assertEquals(Verdict.SYN_ACK, r.verdict());
        assertEquals(0x45, r.frame()[0] & 0xFF, "starts with the IPv4 header");
    }

    /** IPv6 text without the JDK's zone handling. */
    static final class InetAddressText {
        static String of(byte[] b, int off) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 16; i += 2) {
                sb.append(i > 0 ? ":" : "").append(Integer.toHexString(Bytes.u16(b, off + i)));
            }
            return sb.toString();
        }
    }
}
