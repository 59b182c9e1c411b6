package io.portredirect.clientagent.negotiate;

import io.portredirect.clientagent.stats.AgentStats;
import io.portredirect.clientagent.stats.Counter;
import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.wire.RedirectOptionScan;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * Recognises a mid-connection redirect (seed 002, "Transmission of data"): a non-SYN segment from
 * VIP:Y to one of our established flows carrying REDIRECT + REDIRECT_OPT=Z. New connections then go
 * to Z; the established connection is left to drain untouched.
 */
public final class MidFlowWatcher {
    private final FlowRegistry flows;
    private final Resolver resolver;
    private final AgentStats stats;

    public MidFlowWatcher(FlowRegistry flows, Resolver resolver, AgentStats stats) {
        this.flows = flows;
        this.resolver = resolver;
        this.stats = stats;
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
        InetAddress vip;
        try {
            byte[] b = p.buffer();
            vip = InetAddress.getByAddress(Arrays.copyOfRange(b, p.srcAddrOffset(), p.srcAddrOffset() + p.addrLength()));
        } catch (UnknownHostException e) {
            return false;
        }
        FlowRegistry.Flow flow = flows.lookup(p.dstPort(), vip, p.srcPort());
        if (flow == null) {
            stats.inc(Counter.MID_FLOW_IGNORED);
            return false;
        }
        return resolver.onMidFlowRedirect(flow.protocol(), flow.vip(), flow.redirectPort(), ext.port());
    }

    /** Formats the segment's addresses, for logs. */
    public static String describe(ParsedPacket p) {
        return Bytes.ip(p.buffer(), p.srcAddrOffset(), p.addrLength()) + ":" + p.srcPort() + " > "
                + Bytes.ip(p.buffer(), p.dstAddrOffset(), p.addrLength()) + ":" + p.dstPort() + " " + p.redirect();
    }
}
