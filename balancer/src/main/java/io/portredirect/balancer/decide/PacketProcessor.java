package io.portredirect.balancer.decide;

import io.portredirect.balancer.config.ForwardingMode;
import io.portredirect.balancer.config.Policies;
import io.portredirect.balancer.icmp.TooBig;
import io.portredirect.balancer.metrics.BalancerCounters;
import io.portredirect.balancer.metrics.RedirectPortCounters;
import io.portredirect.balancer.metrics.ServerCounters;
import io.portredirect.balancer.rewrite.FrameRewriter;
import io.portredirect.balancer.table.FlowHash;
import io.portredirect.balancer.table.FlowIndex;
import io.portredirect.balancer.table.ForwardingTables;
import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.EthernetView;
import io.portredirect.protocol.packet.IcmpView;
import io.portredirect.protocol.packet.IpProtocol;
import io.portredirect.protocol.packet.PacketParser;
import io.portredirect.protocol.packet.ParseError;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.QuotedPacket;
import io.portredirect.protocol.wire.RedirectOptionScan;

import java.util.function.Supplier;

/**
 * The stateless decision of DESIGN.md section 2 and the rewrite that follows it, on raw frames.
 * One instance per I/O thread: it reuses one {@link ParsedPacket}, allocates nothing per packet
 * and keeps no per-flow state, so the same packet gets the same verdict on any replica, before or
 * after a restart. The tables are read once per packet from the supplier, so a swap takes effect
 * at the next packet.
 */
public final class PacketProcessor {
    /** Verdict: drop the frame (see {@link #lastDropReason()}). */
    public static final int DROP = -1;
    /** Verdict of {@link #fromServer}: send the rewritten frame out of the network interface. */
    public static final int TO_NETWORK = -2;
    /** Verdict of {@link #fromServer}: not the balancer's traffic, leave it to the kernel. */
    public static final int PASS = -3;
    /**
     * Verdict of {@link #fromNetwork}: the packet does not fit its server's link and must not be
     * fragmented; it is dropped ({@link DropReason#TOO_BIG}) and {@link #reply()} holds the ICMP
     * error to send back out of the network side.
     */
    public static final int TOO_BIG = -4;

    private static final int DROP_RULE = Rule.NONE.ordinal();

    private final Supplier<ForwardingTables> tables;
    private final BalancerCounters counters;
    private final ParsedPacket parsed = new ParsedPacket();
    private final FrameRewriter rewriter = new FrameRewriter();
    /** Rules 2 and 4 place flows as the nft dataplane does; holds the key scratch, confined like the rest. */
    private final FlowIndex flowIndex = new FlowIndex();
    private ForwardingTables bound;
    private ServerCounters[] serverCounters;
    private RedirectPortCounters[] redirectCounters;
    private int lastDropReason = -1;
    private int lastRule = DROP_RULE;
    /** Drop reason of the decision in progress (set together with returning DROP). */
    private int pendingDrop;
    /** MTU of each server's link by server index (0: unknown), or null: no check. */
    private int[] egressMtu;
    private final byte[] reply = new byte[TooBig.MAX_FRAME];
    private int replyLength;

    public PacketProcessor(Supplier<ForwardingTables> tables, BalancerCounters counters) {
        this.tables = tables;
        this.counters = counters;
    }

    /** Ordinal of the {@link DropReason} of the last DROP. */
    public int lastDropReason() {
        return lastDropReason;
    }

    /** Ordinal of the {@link Rule} behind the last verdict. */
    public int lastRule() {
        return lastRule;
    }

    /**
     * Sets the MTU of each server's link (by server index of the current tables; 0 unknown), or
     * null for no check. A packet larger than its server's MTU gets what a router would answer.
     */
    public void egressMtu(int[] mtuByServer) {
        this.egressMtu = mtuByServer;
    }

    /** The ICMP error frame of the last {@link #TOO_BIG} verdict (valid until the next call). */
    public byte[] reply() {
        return reply;
    }

    /** Length of {@link #reply()}. */
    public int replyLength() {
        return replyLength;
    }

    /** The packet as last parsed (valid until the next call; for logs and tests). */
    public ParsedPacket lastPacket() {
        return parsed;
    }

    /**
     * Decides where an Ethernet frame from the network goes and rewrites it in place for that
     * server's mode.
     *
     * @return the server index, or {@link #DROP}
     */
    public int fromNetwork(byte[] frame, int offset, int length) {
        ForwardingTables t = bind();
        counters.countNetworkFrame();
        int mac = length < EthernetView.HEADER_LENGTH ? 0 : t.destinationMac(frame, offset + EthernetView.DST_OFFSET);
        if (mac < 0) {
            return drop(DropReason.NOT_OUR_MAC, DROP_RULE);
        }
        if (isVlanTagged(frame, offset, length)) {
            return drop(DropReason.VLAN_TAGGED, DROP_RULE);
        }
        ParsedPacket p = PacketParser.parseFrame(frame, offset, length, parsed);
        if (!p.ok()) {
            if (p.error() == ParseError.UNSUPPORTED_ETHERTYPE) {
                return drop(DropReason.NOT_IP, DROP_RULE);
            }
            counters.countParseError(p.error());
            return drop(DropReason.MALFORMED, DROP_RULE);
        }
        int vip = t.vipIndex(frame, p.dstAddrOffset(), p.addrLength());
        if (vip < 0) {
            return drop(DropReason.NOT_VIP, DROP_RULE);
        }
        if (mac > 0) {
            // a router forwards only frames sent to it, never a broadcast or multicast one
            return drop(DropReason.NOT_OUR_MAC, DROP_RULE);
        }
        RedirectOptionScan option = p.redirect();
        if (option.isMalformed() && (p.isTcp() || p.isUdp())) {
            counters.countMalformed(option.reason());
        }
        int rule = decide(t, p, vip);
        int s = rule >>> 8;
        rule &= 0xFF;
        if (s == 0xFFFFFF) {
            return drop(DropReason.of(pendingDrop), rule);
        }
        if (t.mode(s) == ForwardingMode.L3) {
            if (!t.hasAddress(s, p.ipVersion())) {
                return drop(DropReason.L3_NO_ADDRESS, rule);
            }
            if (t.returnVip(s, p.ipVersion()) != vip) {
                return drop(DropReason.L3_VIP_MISMATCH, rule);
            }
        }
        if (egressMtu != null && tooBig(s, p)) {
            return tooBigVerdict(t, p, offset, s, rule);
        }
        rewriter.toServer(t, s, p);
        serverCounters[s].toServer(length);
        counters.countDecision(rule);
        lastRule = rule;
        return s;
    }

    /**
     * The check the network reader makes before anything else, ARP/NDP included: false (counted
     * as a {@link DropReason#NOT_OUR_MAC} drop) when the frame is addressed to another host's
     * MAC. The kernel filter already keeps those out; this holds when it is not applied.
     */
    public boolean admits(byte[] frame, int offset, int length) {
        ForwardingTables t = bind();
        if (length < EthernetView.HEADER_LENGTH || t.destinationMac(frame, offset + EthernetView.DST_OFFSET) >= 0) {
            return true;
        }
        counters.countNetworkFrame();
        drop(DropReason.NOT_OUR_MAC, DROP_RULE);
        return false;
    }

    /**
     * Handles a frame captured on a server's interface: the balancer's return traffic goes to the
     * network (MACs toward the next hop; l3: source back to the VIP); anything else is passed.
     *
     * @param serverIndex a server on the interface the frame was captured on
     * @return {@link #TO_NETWORK}, {@link #DROP} or {@link #PASS}
     */
    public int fromServer(int serverIndex, byte[] frame, int offset, int length) {
        ForwardingTables t = bind();
        counters.countServerFrame();
        int rule = Rule.RETURN.ordinal();
        if (serverIndex < 0 || serverIndex >= t.serverCount()) {
            return drop(DropReason.UNKNOWN_SERVER, rule);
        }
        if (isVlanTagged(frame, offset, length)) {
            return drop(DropReason.VLAN_TAGGED, rule);
        }
        ParsedPacket p = PacketParser.parseFrame(frame, offset, length, parsed);
        if (!p.ok()) {
            return pass();
        }
        int s = serverIndex;
        int vip = -1;
        if (t.vipIndex(frame, p.srcAddrOffset(), p.addrLength()) < 0) {
            s = t.l3ServerByAddress(frame, p.srcAddrOffset(), p.addrLength(), serverIndex);
            if (s < 0 || !sentForBalancer(t, s, p)) {
                return pass();
            }
            vip = t.returnVip(s, p.ipVersion());
            if (vip < 0) {
                return pass();
            }
        }
        if (!t.nextHopResolved()) {
            return drop(DropReason.NEXT_HOP_UNRESOLVED, rule);
        }
        rewriter.toNetwork(t, vip, p);
        serverCounters[s].fromServer(length);
        counters.countDecision(rule);
        lastRule = rule;
        return TO_NETWORK;
    }

    private boolean tooBig(int s, ParsedPacket p) {
        int[] mtu = egressMtu;
        return s < mtu.length && mtu[s] > 0 && p.ipEnd() - p.l3Offset() > mtu[s];
    }

    /** Kept out of {@link #fromNetwork} so the common path stays small for the JIT. */
    private int tooBigVerdict(ForwardingTables t, ParsedPacket p, int offset, int s, int rule) {
        drop(DropReason.TOO_BIG, rule);
        if (!TooBig.dontFragment(p)) {
            return DROP; // a router would fragment it; we do not
        }
        replyLength = TooBig.build(p, offset, egressMtu[s], t.networkMacView(), reply);
        return TOO_BIG;
    }

    /**
     * 802.1Q or 802.1ad: untagged interfaces only. The config names interfaces, not VLANs, so the
     * tag's meaning on the other side is unknown; forwarding it as is would leak frames between
     * VLANs, and stripping it would merge them. (The kernel strips tags into metadata and libpcap
     * puts them back into the captured frame, so a tagged frame is seen here as on the wire.)
     */
    static boolean isVlanTagged(byte[] frame, int offset, int length) {
        if (length < EthernetView.HEADER_LENGTH) {
            return false;
        }
        int type = Bytes.u16(frame, offset + EthernetView.TYPE_OFFSET);
        return type == IpProtocol.ETHERTYPE_VLAN || type == IpProtocol.ETHERTYPE_QINQ;
    }

    /**
     * An l3 server's packet is ours when it answers on a port the balancer gave it, is ICMP
     * (echo replies, errors about client packets), or is a non-first fragment (its ports are in
     * the first one; the server's own fragmented traffic would be rewritten too, see README).
     * Neighbour discovery (ICMPv6 133-137) is the server talking to its gateway: never ours.
     */
    private static boolean sentForBalancer(ForwardingTables t, int s, ParsedPacket p) {
        if (p.fragment() == ParsedPacket.Fragment.NON_FIRST) {
            return true;
        }
        if (p.isIcmp()) {
            return !(p.protocol() == IpProtocol.ICMPV6 && p.icmpType() >= IcmpView.V6_ROUTER_SOLICITATION
                    && p.icmpType() <= IcmpView.V6_REDIRECT);
        }
        return (p.isTcp() || p.isUdp()) && t.servesPort(s, t.returnVip(s, p.ipVersion()), p.protocol(), p.srcPort());
    }

    /**
     * Rules 1-7 for a packet to VIP index {@code vip}. Returns {@code server << 8 | rule}; server
     * 0xFFFFFF means drop with {@link #pendingDrop}. Packing avoids a result object.
     */
    private int decide(ForwardingTables t, ParsedPacket p, int vip) {
        if (p.fragment() == ParsedPacket.Fragment.NON_FIRST) {
            return policy(t.policies().fragments() == Policies.Fragments.DEFAULT ? t.defaultServer() : -1,
                    Rule.FRAGMENT_POLICY, DropReason.FRAGMENT_POLICY);
        }
        byte[] b = p.buffer();
        if (p.isTcp() || p.isUdp()) {
            int proto = p.protocol();
            int d = p.dstPort();
            int owner = t.serviceOwner(vip, proto, d);
            if (owner >= 0) {
                return verdict(owner, Rule.SERVICE_PORT);
            }
            int slot = t.redirectSlot(vip, proto, d);
            if (slot >= 0) {
                if (p.redirect().isRedirect()) {
                    int i = flowIndex.of(b, p.srcAddrOffset(), p.dstAddrOffset(), p.addrLength(), p.srcPort(), d, proto, t.tableSize());
                    redirectCounters[slot].negotiation();
                    return verdict(t.pickRedirect(slot, i), Rule.REDIRECT_HASH);
                }
                int legacy = t.redirectOwner(slot);
                if (legacy >= 0) {
                    return verdict(legacy, Rule.LEGACY_OWNER);
                }
                return policy(t.defaultServer(), Rule.LEGACY_DEFAULT, DropReason.LEGACY_NO_SERVER);
            }
        } else if (p.isIcmp()) {
            int obsolete = redirectOrQuench(t, p);
            if (obsolete >= 0) {
                return policy(-1, Rule.ICMP_ERROR_POLICY, DropReason.of(obsolete));
            }
            if (p.isIcmpError()) {
                return icmpError(t, p);
            }
            if (isEcho(p)) {
                return echo(t, p);
            }
        }
        return policy(t.defaultServer(), Rule.DEFAULT, DropReason.NO_RULE);
    }

    /** Rule 4: route by the quoted packet, which our server sent: source VIP:Y, destination the client. */
    private int icmpError(ForwardingTables t, ParsedPacket p) {
        QuotedPacket q = p.quoted();
        if (!q.hasPorts() || q.addrLength() != p.addrLength()) {
            return icmpErrorPolicy(t, DropReason.ICMP_QUOTE_TRUNCATED);
        }
        byte[] b = p.buffer();
        // the quote's source is the VIP the flow was addressed to: its ports decide
        int vip = t.vipIndex(b, q.srcAddrOffset(), q.addrLength());
        if (vip < 0) {
            return icmpErrorPolicy(t, DropReason.ICMP_QUOTE_NOT_OURS);
        }
        int proto = q.protocol();
        int y = q.srcPort();
        int owner = t.serviceOwner(vip, proto, y);
        if (owner >= 0) {
            return verdict(owner, Rule.ICMP_ERROR_SERVICE_PORT);
        }
        int slot = t.redirectSlot(vip, proto, y);
        if (slot >= 0) {
            // the quote runs server -> client, so swap it back into rule 2's (client, VIP) order
            int i = flowIndex.of(b, q.dstAddrOffset(), q.srcAddrOffset(), q.addrLength(), q.dstPort(), y, proto, t.tableSize());
            return verdict(t.pickRedirect(slot, i), Rule.ICMP_ERROR_REDIRECT_HASH);
        }
        return icmpErrorPolicy(t, DropReason.ICMP_QUOTE_UNKNOWN_PORT);
    }

    private int icmpErrorPolicy(ForwardingTables t, DropReason why) {
        return policy(t.policies().icmpError() == Policies.IcmpError.DEFAULT ? t.defaultServer() : -1, Rule.ICMP_ERROR_POLICY, why);
    }

    /**
     * The drop reason of an ICMPv4 redirect or source quench when policy drops them, else -1.
     * Nothing legitimate sends either to a VIP from outside: a redirect would tell a server to
     * reroute, and source quench is deprecated (RFC 6633).
     */
    private static int redirectOrQuench(ForwardingTables t, ParsedPacket p) {
        if (p.ipVersion() != 4 || p.protocol() != IpProtocol.ICMP
                || t.policies().icmpRedirectQuench() != Policies.IcmpRedirectQuench.DROP) {
            return -1;
        }
        int type = p.icmpType();
        if (type == IcmpView.V4_REDIRECT) {
            return DropReason.ICMP_REDIRECT.ordinal();
        }
        return type == IcmpView.V4_SOURCE_QUENCH ? DropReason.ICMP_SOURCE_QUENCH.ordinal() : -1;
    }

    /** Rule 5. */
    private int echo(ForwardingTables t, ParsedPacket p) {
        int s;
        if (t.policies().icmpEcho() == Policies.IcmpEcho.BALANCE) {
            // FlowHash, not FlowIndex: the nft ruleset leaves echo balance to Java (java_echo_balance),
            // so there is no kernel placement to agree with and switching would only move pings;
            // worth switching together with an nft rule that balances echo itself
            long h = FlowHash.flow(p.buffer(), p.srcAddrOffset(), p.dstAddrOffset(), p.addrLength(), 0, 0, p.protocol());
            s = t.balanceEcho(h);
        } else {
            s = t.echoServer();
        }
        return policy(s, Rule.ICMP_ECHO_POLICY, DropReason.ICMP_ECHO_POLICY);
    }

    private static boolean isEcho(ParsedPacket p) {
        int type = p.icmpType();
        if (p.ipVersion() == 4 && p.protocol() == IpProtocol.ICMP) {
            return type == IcmpView.V4_ECHO_REQUEST || type == IcmpView.V4_ECHO_REPLY;
        }
        return p.ipVersion() == 6 && p.protocol() == IpProtocol.ICMPV6
                && (type == IcmpView.V6_ECHO_REQUEST || type == IcmpView.V6_ECHO_REPLY);
    }

    private static int verdict(int server, Rule rule) {
        return (server << 8) | rule.ordinal();
    }

    private int policy(int server, Rule rule, DropReason otherwise) {
        if (server >= 0) {
            return verdict(server, rule);
        }
        pendingDrop = otherwise.ordinal();
        return (0xFFFFFF << 8) | rule.ordinal();
    }

    private int drop(DropReason why, int rule) {
        lastDropReason = why.ordinal();
        lastRule = rule;
        counters.countDrop(lastDropReason);
        return DROP;
    }

    private int pass() {
        lastRule = Rule.PASS.ordinal();
        counters.countDecision(lastRule);
        return PASS;
    }

    /** Reads the current tables; on a swap, looks up the counters of the new servers and ports (off the per-packet path). */
    private ForwardingTables bind() {
        ForwardingTables t = tables.get();
        if (t != bound) {
            ServerCounters[] sc = new ServerCounters[t.serverCount()];
            for (int i = 0; i < sc.length; i++) {
                sc[i] = counters.server(t.serverName(i));
            }
            RedirectPortCounters[] rc = new RedirectPortCounters[t.redirectSlotCount()];
            for (int i = 0; i < rc.length; i++) {
                rc[i] = counters.redirectPort(t.redirectSlotPort(i), t.redirectSlotProtocol(i));
            }
            serverCounters = sc;
            redirectCounters = rc;
            bound = t;
        }
        return t;
    }
}
