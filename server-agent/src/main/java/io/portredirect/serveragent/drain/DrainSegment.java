package io.portredirect.serveragent.drain;

import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.EthernetView;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.wire.RedirectExtension;
import io.portredirect.protocol.wire.RedirectWire;
import io.portredirect.protocol.wire.TcpOptionWalker;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * The mid-connection redirect segment (seed 002, "Transmission of data"): from the server end of
 * an established flow, a pure ACK carrying REDIRECT + REDIRECT_OPT = Z, built from a segment the
 * client just sent on that flow so it sits exactly where the client expects it: seq = the
 * client's ack (its RCV.NXT), ack = the client's seq + payload length (its SND.NXT), timestamps
 * echoed when the flow uses them (TSval = the client's TSecr, so PAWS accepts it).
 */
public final class DrainSegment {
    private DrainSegment() {
    }

    /**
     * Builds the segment. {@code clientSegment} must be a parsed TCP segment from the client to the
     * server end of the flow, carrying ACK.
     *
     * @param srcMac the server interface's MAC, or null to answer without Ethernet (raw-IP link)
     * @param dstMac the next hop towards the client; null to use the segment's source MAC
     * @param window the window field to announce (see {@link Flow#windowField()})
     * @return the frame, or null when the segment is not usable (no ACK, SYN or RST set)
     */
    public static byte[] build(ParsedPacket clientSegment, int z, int window, byte[] srcMac, byte[] dstMac) {
        ParsedPacket p = clientSegment;
        if (!p.ok() || !p.isTcp()) {
            return null;
        }
        int flags = p.tcpFlags();
        if ((flags & TcpView.ACK) == 0 || (flags & (TcpView.SYN | TcpView.RST)) != 0) {
            return null;
        }
        byte[] b = p.buffer();
        int l4 = p.l4Offset();
        long seq = Bytes.u32(b, l4 + TcpView.SEQ_OFFSET);
        long ack = Bytes.u32(b, l4 + TcpView.ACK_OFFSET);
        int payload = p.l4Length() - p.tcpHeaderLength();
        long clientNext = seq + payload + ((flags & TcpView.FIN) != 0 ? 1 : 0);
        CraftedPacket.Builder out = CraftedPacket.builder()
                .src(address(b, p.dstAddrOffset(), p.addrLength()), p.dstPort())
                .dst(address(b, p.srcAddrOffset(), p.addrLength()), p.srcPort())
                .tcp(TcpView.ACK).seq(ack).ack(clientNext).window(window)
                .redirect(RedirectExtension.redirectTo(z));
        long[] ts = timestamps(b, l4 + TcpView.MIN_HEADER_LENGTH, p.tcpHeaderLength() - TcpView.MIN_HEADER_LENGTH);
        if (ts != null) {
            out.timestamps(ts[1], ts[0]);
        }
        if (srcMac != null && p.frameOffset() >= 0) {
            int f = p.frameOffset();
            byte[] to = dstMac != null ? dstMac : Arrays.copyOfRange(b, f + EthernetView.SRC_OFFSET, f + EthernetView.SRC_OFFSET + 6);
            out.ethernet(srcMac, to);
        }
        return out.build().encode();
    }

    /** {TSval, TSecr} of the segment, or null. */
    static long[] timestamps(byte[] b, int off, int len) {
        long[] ts = new long[2];
        boolean[] found = new boolean[1];
        TcpOptionWalker.walk(b, off, len, (buf, o, kind, l) -> {
            if (kind == RedirectWire.TCP_TIMESTAMPS && l == 10) {
                ts[0] = Bytes.u32(buf, o + 2);
                ts[1] = Bytes.u32(buf, o + 6);
                found[0] = true;
                return false;
            }
            return true;
        });
        return found[0] ? ts : null;
    }

    private static InetAddress address(byte[] b, int off, int len) {
        try {
            return InetAddress.getByAddress(Arrays.copyOfRange(b, off, off + len));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
