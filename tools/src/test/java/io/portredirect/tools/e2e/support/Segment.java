package io.portredirect.tools.e2e.support;

import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.IpProtocol;
import io.portredirect.protocol.packet.PacketParser;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.wire.RedirectWire;
import io.portredirect.tools.pcap.Frame;
import io.portredirect.tools.pcap.LinkType;

import java.time.Instant;

/**
 * One captured TCP or UDP packet, decoded by the protocol module's {@link PacketParser} into an
 * immutable value (the parser's result is reused, this is not): addresses, ports, TCP flags and
 * numbers, the redirect option (flags, port, or malformed), payload length.
 *
 * @param index         0-based position in the capture
 * @param redirectFlags the option's flags byte, -1 when the packet carries no redirect option
 * @param redirectPort  REDIRECT_OPT, 0 when absent
 */
public record Segment(int index, Instant time, int protocol, String src, int srcPort, String dst, int dstPort, int tcpFlags,
                      long seq, long ack, int redirectFlags, int redirectPort, boolean redirectMalformed, int payloadLength) {

    /** Decodes a frame; null for what is not TCP/UDP over IP or does not parse. */
    public static Segment of(int index, Frame f) {
        ParsedPacket p = new ParsedPacket();
        byte[] b = f.data();
        if (f.link() == LinkType.ETHERNET) {
            PacketParser.parseFrame(b, 0, b.length, p);
        } else {
            int off = f.link() == LinkType.LINUX_SLL ? LinkType.SLL_HEADER_LENGTH : 0;
            PacketParser.parseIp(b, off, b.length - off, p);
        }
        if (!p.ok() || !(p.isTcp() || p.isUdp())) {
            return null;
        }
        String src = Bytes.ip(b, p.srcAddrOffset(), p.addrLength());
        String dst = Bytes.ip(b, p.dstAddrOffset(), p.addrLength());
        long seq = 0;
        long ack = 0;
        int payload;
        if (p.isTcp()) {
            seq = Bytes.u32(b, p.l4Offset() + TcpView.SEQ_OFFSET);
            ack = Bytes.u32(b, p.l4Offset() + TcpView.ACK_OFFSET);
            payload = p.ipEnd() - p.l4Offset() - p.tcpHeaderLength();
        } else {
            payload = p.udpLength() - 8;
        }
        var r = p.redirect();
        return new Segment(index, f.time(), p.protocol(), src, p.srcPort(), dst, p.dstPort(), p.isTcp() ? p.tcpFlags() : 0, seq, ack,
                r.isPresent() ? r.flags() : -1, r.isPresent() ? Math.max(0, r.port()) : 0, r.isMalformed(), Math.max(0, payload));
    }

    public boolean isTcp() {
        return protocol == IpProtocol.TCP;
    }

    public boolean isUdp() {
        return protocol == IpProtocol.UDP;
    }

    private boolean only(int flags) {
        return isTcp() && (tcpFlags & (TcpView.SYN | TcpView.ACK | TcpView.RST | TcpView.FIN)) == flags;
    }

    public boolean isSyn() {
        return only(TcpView.SYN);
    }

    public boolean isSynAck() {
        return only(TcpView.SYN | TcpView.ACK);
    }

    /** RST with or without ACK. */
    public boolean isRst() {
        return isTcp() && (tcpFlags & TcpView.RST) != 0;
    }

    public boolean hasRedirectOption() {
        return redirectFlags >= 0;
    }

    /** Carries the REDIRECT flag. */
    public boolean redirect() {
        return redirectFlags >= 0 && (redirectFlags & RedirectWire.FLAG_REDIRECT) != 0;
    }

    /** Carries REDIRECT_CONFIRM. */
    public boolean confirm() {
        return redirectFlags >= 0 && (redirectFlags & RedirectWire.FLAG_CONFIRM) != 0;
    }

    /** Same TCP/UDP flow in either direction. */
    public boolean sameFlow(Segment o) {
        return protocol == o.protocol && (src.equals(o.src) && srcPort == o.srcPort && dst.equals(o.dst) && dstPort == o.dstPort
                || src.equals(o.dst) && srcPort == o.dstPort && dst.equals(o.src) && dstPort == o.srcPort);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append('#').append(index).append(' ').append(isTcp() ? "TCP " : "UDP ").append(src).append(':').append(srcPort)
                .append(" > ").append(dst).append(':').append(dstPort);
        if (isTcp()) {
            sb.append(" [");
            if ((tcpFlags & TcpView.SYN) != 0) {
                sb.append('S');
            }
            if ((tcpFlags & TcpView.FIN) != 0) {
                sb.append('F');
            }
            if ((tcpFlags & TcpView.RST) != 0) {
                sb.append('R');
            }
            if ((tcpFlags & TcpView.PSH) != 0) {
                sb.append('P');
            }
            if ((tcpFlags & TcpView.ACK) != 0) {
                sb.append('.');
            }
            sb.append("] seq ").append(seq).append(" ack ").append(ack);
        }
        if (redirectMalformed) {
            sb.append(" redirect=MALFORMED");
        } else if (hasRedirectOption()) {
            sb.append(" redirect=").append(redirect() ? "R" : "").append(confirm() ? "C" : "")
                    .append(redirectPort > 0 ? " opt=" + redirectPort : "");
        }
        sb.append(" len ").append(payloadLength);
        return sb.toString();
    }
}
