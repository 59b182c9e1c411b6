package io.portredirect.clientagent.negotiate;

import io.portredirect.clientagent.stats.AgentStats;
import io.portredirect.clientagent.stats.Counter;
import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.wire.RedirectOptionScan;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Recognises a mid-connection redirect (seed 002, "Transmission of data"): a non-SYN segment from
 * VIP:Y to one of our established flows carrying REDIRECT + REDIRECT_OPT=Z. New connections then go
 * to Z; the established connection is left to drain untouched.
 *
 * <pre>
 *   segment with REDIRECT + port --flow unknown----------------> ignored (mid_flow_ignored)
 *                                --flow's SYN-ACK never seen----> ignored (mid_flow_no_handshake)
 *                                --seq outside receive window---> ignored (mid_flow_out_of_window)
 *                                --in window--> Resolver.onMidFlowRedirect (port allowed? chain short enough?)
 *   SYN-ACK from VIP:Y to a local port --> the flow's window starts (FlowRegistry.handshake)
 * </pre>
 * The window check ({@link ReceiveWindow}) keeps an off-path sender, who must guess the sequence
 * number, from steering new connections.
 */
public final class MidFlowWatcher {
    /** Slack when the kernel's receive buffer maximum cannot be read: Linux's default tcp_rmem maximum. */
    public static final long DEFAULT_SLACK = 6 * 1024 * 1024;

    private final FlowRegistry flows;
    private final Resolver resolver;
    private final AgentStats stats;
    private final long slack;

    public MidFlowWatcher(FlowRegistry flows, Resolver resolver, AgentStats stats) {
        this(flows, resolver, stats, DEFAULT_SLACK);
    }

    /** @param slack the largest receive window the kernel may advertise (see {@link ReceiveWindow}) */
    public MidFlowWatcher(FlowRegistry flows, Resolver resolver, AgentStats stats, long slack) {
        this.flows = flows;
        this.resolver = resolver;
        this.stats = stats;
        this.slack = slack;
    }

    /** The kernel's largest TCP receive buffer ({@code net.ipv4.tcp_rmem}, third field), read once at start. */
    public static long kernelReceiveBufferMax() {
        try {
            String[] f = Files.readString(Path.of("/proc/sys/net/ipv4/tcp_rmem")).trim().split("\\s+");
            return Math.max(65536, Long.parseLong(f[f.length - 1]));
        } catch (IOException | RuntimeException e) {
            return DEFAULT_SLACK;
        }
    }

    /** A captured SYN-ACK from a VIP: the start of that flow's receive window. */
    public void onHandshake(ParsedPacket p) {
        InetAddress vip = source(p);
        if (vip != null) {
            flows.handshake(p.dstPort(), vip, p.srcPort(), Bytes.u32(p.buffer(), p.l4Offset() + TcpView.SEQ_OFFSET));
        }
    }

    /** Looks at a captured TCP segment; returns true when it moved the cache. */
    public boolean onSegment(ParsedPacket p) {
        if (!p.ok() || !p.isTcp() || (p.tcpFlags() & (TcpView.SYN | TcpView.RST)) != 0) {
            return false;
        }
        RedirectOptionScan ext = p.redirect();
        if (!ext.isRedirect() || ext.port() == 0) {
            return false;
        }
        InetAddress vip = source(p);
        if (vip == null) {
            return false;
        }
        FlowRegistry.Flow flow = flows.lookup(p.dstPort(), vip, p.srcPort());
        if (flow == null) {
            stats.inc(Counter.MID_FLOW_IGNORED);
            return false;
        }
        long seq = Bytes.u32(p.buffer(), p.l4Offset() + TcpView.SEQ_OFFSET);
        switch (flow.window().check(seq, slack)) {
            case NO_HANDSHAKE -> {
                stats.inc(Counter.MID_FLOW_NO_HANDSHAKE);
                return false;
            }
            case OUT_OF_WINDOW -> {
                stats.inc(Counter.MID_FLOW_OUT_OF_WINDOW);
                return false;
            }
            default -> {
            }
        }
        return resolver.onMidFlowRedirect(flow.protocol(), flow.vip(), flow.redirectPort(), ext.port());
    }

    private static InetAddress source(ParsedPacket p) {
        try {
            byte[] b = p.buffer();
            return InetAddress.getByAddress(Arrays.copyOfRange(b, p.srcAddrOffset(), p.srcAddrOffset() + p.addrLength()));
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Formats the segment's addresses, for logs. */
    public static String describe(ParsedPacket p) {
        return Bytes.ip(p.buffer(), p.srcAddrOffset(), p.addrLength()) + ":" + p.srcPort() + " > "
                + Bytes.ip(p.buffer(), p.dstAddrOffset(), p.addrLength()) + ":" + p.dstPort() + " " + p.redirect();
    }
}
