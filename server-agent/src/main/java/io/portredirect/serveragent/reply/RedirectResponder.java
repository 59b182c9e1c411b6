package io.portredirect.serveragent.reply;

import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.EthernetView;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.wire.RedirectExtension;
import io.portredirect.protocol.wire.RedirectWire;
import io.portredirect.serveragent.config.ServerAgentConfig.AllFullAction;
import io.portredirect.serveragent.select.PortSelector;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * The server agent's decision, free of I/O: given one parsed packet that reached a redirect port,
 * the answer to send (or why none). A TCP SYN carrying REDIRECT gets a SYN-ACK carrying
 * REDIRECT_CONFIRM + REDIRECT_OPT = the chosen service port, with a stateless sequence number
 * ({@link SynCookie}), ack = client seq + 1, an MSS option, addresses, ports and MACs swapped. A
 * UDP datagram carrying REDIRECT gets an empty notice datagram whose surplus area carries the same
 * option. The client's RST closing a probe needs no answer. Thread-safe.
 */
public final class RedirectResponder {
    /** What became of a packet; each is counted by the agent. */
    public enum Verdict {
        SYN_ACK(true), UDP_NOTICE(true), RESET_ALL_FULL(true),
        DROP_ALL_FULL(false), PROBE_RST(false), NOT_REDIRECT(false), MALFORMED_OPTION(false),
        NOT_A_SYN(false), NOT_FOR_US(false), PROTOCOL_OFF(false), VLAN_UNSUPPORTED(false),
        FRAGMENT(false), PARSE_ERROR(false);

        private final boolean answered;

        Verdict(boolean answered) {
            this.answered = answered;
        }

        /** True when the verdict comes with a frame to send. */
        public boolean answered() {
            return answered;
        }
    }

    /** The verdict, the frame to send (null unless answered) and the port named (0 if none). */
    public record Reply(Verdict verdict, byte[] frame, int servicePort) {
        static Reply none(Verdict v) {
            return new Reply(v, null, 0);
        }
    }

    /** Announced TCP window of a probe answer; the probe carries no data. */
    static final int WINDOW = 64240;

    private final List<byte[]> vips;
    private final boolean[] redirectPort = new boolean[65536];
    private final PortSelector tcpSelector;
    private final PortSelector udpSelector;
    private final SynCookie cookie;
    private final int mss4;
    private final int mss6;
    private final boolean tcp;
    private final boolean udp;
    private final AllFullAction allFull;

    /**
     * @param mss4 MSS announced to IPv4 clients (interface MTU - 40)
     * @param mss6 MSS announced to IPv6 clients (interface MTU - 60)
     */
    public RedirectResponder(Collection<InetAddress> vips, Collection<Integer> redirectPorts, PortSelector tcpSelector,
                             PortSelector udpSelector, SynCookie cookie, int mss4, int mss6, boolean tcp, boolean udp,
                             AllFullAction allFull) {
        this.vips = vips.stream().map(InetAddress::getAddress).toList();
        for (int p : redirectPorts) {
            redirectPort[p] = true;
        }
        this.tcpSelector = tcpSelector;
        this.udpSelector = udpSelector;
        this.cookie = cookie;
        this.mss4 = mss4;
        this.mss6 = mss6;
        this.tcp = tcp;
        this.udp = udp;
        this.allFull = allFull;
    }

    /** Decides the answer to {@code p} (parsed from a frame or from the IP header). Never throws on bad input. */
    public Reply respond(ParsedPacket p) {
        if (!p.ok()) {
            return Reply.none(Verdict.PARSE_ERROR);
        }
        if (p.fragment() != ParsedPacket.Fragment.NONE) {
            return Reply.none(Verdict.FRAGMENT);
        }
        if (!(p.isTcp() || p.isUdp()) || !redirectPort[p.dstPort()] || !isVip(p)) {
            return Reply.none(Verdict.NOT_FOR_US);
        }
        if (p.redirect().isMalformed()) {
            return Reply.none(Verdict.MALFORMED_OPTION);
        }
        if (p.isTcp()) {
            return respondTcp(p);
        }
        return respondUdp(p);
    }

    private Reply respondTcp(ParsedPacket p) {
        int flags = p.tcpFlags();
        if ((flags & TcpView.RST) != 0) {
            return Reply.none(p.redirect().isRedirect() ? Verdict.PROBE_RST : Verdict.NOT_REDIRECT);
        }
        if ((flags & (TcpView.SYN | TcpView.ACK | TcpView.FIN)) != TcpView.SYN) {
            return Reply.none(Verdict.NOT_A_SYN);
        }
        if (!p.redirect().isRedirect()) {
            return Reply.none(Verdict.NOT_REDIRECT); // a legacy client: the kernel answers it
        }
        if (!tcp) {
            return Reply.none(Verdict.PROTOCOL_OFF);
        }
        if (p.vlanTags() > 0) {
            return Reply.none(Verdict.VLAN_UNSUPPORTED);
        }
        byte[] b = p.buffer();
        long clientSeq = Bytes.u32(b, p.l4Offset() + TcpView.SEQ_OFFSET);
        int port = tcpSelector.select();
        CraftedPacket.Builder out = turnAround(p);
        if (port == PortSelector.NONE) {
            if (allFull == AllFullAction.DROP) {
                return Reply.none(Verdict.DROP_ALL_FULL);
            }
            out.tcp(TcpView.RST | TcpView.ACK).seq(0).ack(clientSeq + 1).window(0)
                    .redirect(RedirectExtension.of(RedirectWire.FLAG_CONFIRM, 0));
            return new Reply(Verdict.RESET_ALL_FULL, out.build().encode(), 0);
        }
        long seq = cookie.value(b, p.srcAddrOffset(), p.dstAddrOffset(), p.addrLength(), p.srcPort(), p.dstPort(), clientSeq);
        out.tcp(TcpView.SYN | TcpView.ACK).seq(seq).ack(clientSeq + 1).window(WINDOW)
                .mss(p.ipVersion() == 6 ? mss6 : mss4)
                .redirect(RedirectExtension.confirm(port));
        return new Reply(Verdict.SYN_ACK, out.build().encode(), port);
    }

    private Reply respondUdp(ParsedPacket p) {
        if (!p.redirect().isRedirect()) {
            return Reply.none(Verdict.NOT_REDIRECT);
        }
        if (!udp) {
            return Reply.none(Verdict.PROTOCOL_OFF);
        }
        if (p.vlanTags() > 0) {
            return Reply.none(Verdict.VLAN_UNSUPPORTED);
        }
        int port = udpSelector.select();
        if (port == PortSelector.NONE) {
            return Reply.none(Verdict.DROP_ALL_FULL);
        }
        CraftedPacket.Builder out = turnAround(p).udp().redirect(RedirectExtension.confirm(port));
        return new Reply(Verdict.UDP_NOTICE, out.build().encode(), port);
    }

    /** A builder from the packet's destination back to its source, MACs swapped when it came in a frame. */
    private static CraftedPacket.Builder turnAround(ParsedPacket p) {
        byte[] b = p.buffer();
        CraftedPacket.Builder out = CraftedPacket.builder()
                .src(address(b, p.dstAddrOffset(), p.addrLength()), p.dstPort())
                .dst(address(b, p.srcAddrOffset(), p.addrLength()), p.srcPort())
                .ttl(64).dontFragment(true);
        if (p.frameOffset() >= 0) {
            int f = p.frameOffset();
            out.ethernet(Arrays.copyOfRange(b, f + EthernetView.DST_OFFSET, f + EthernetView.DST_OFFSET + 6),
                    Arrays.copyOfRange(b, f + EthernetView.SRC_OFFSET, f + EthernetView.SRC_OFFSET + 6));
        }
        return out;
    }

    private static InetAddress address(byte[] b, int off, int len) {
        try {
            return InetAddress.getByAddress(Arrays.copyOfRange(b, off, off + len));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // length is 4 or 16 by construction
        }
    }

    private boolean isVip(ParsedPacket p) {
        byte[] b = p.buffer();
        int off = p.dstAddrOffset();
        int len = p.addrLength();
        for (byte[] v : vips) {
            if (v.length == len && Arrays.equals(v, 0, len, b, off, off + len)) {
                return true;
            }
        }
        return false;
    }

}
