package io.portredirect.balancer.nft;

import io.portredirect.balancer.config.ForwardingMode;
import io.portredirect.balancer.config.Policies;
import io.portredirect.balancer.table.FlowIndex;
import io.portredirect.balancer.table.ForwardingTables;
import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.IpProtocol;
import io.portredirect.protocol.wire.RedirectWire;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Renders {@link ForwardingTables} as one {@code nft -f} file: {@code table netdev portredirect}
 * with an ingress chain on the network interface (and on the interfaces of l3 and raw servers,
 * for their return traffic), so the kernel forwards what the Java decision would.
 *
 * <p>Pure and deterministic: the same tables and generation give the same bytes (maps sorted by
 * key, chains and counters named after servers, ports, VIPs and reasons, never after list positions
 * that a reordered config would move). Port maps are keyed by VIP, protocol and port, one map per
 * IP version ({@code ip daddr . meta l4proto . th dport}), as the Java lookup is. Counters are named {@code rule_<Rule>}, {@code drop_<DropReason>}
 * (the Java decision's names), {@code fwd_<server>} and {@code java_<why>}.
 *
 * <p>Redirect ports: nft sees only the FIRST TCP option of kind 253; when it carries our ExID, a
 * length of 5 (or 7 with a non-zero port) and a flags byte in {@link #REDIRECT_FLAG_VALUES}, the
 * flow is hashed with {@code jhash <client> . <cport> . <vip> . <port> . meta l4proto mod SIZE
 * seed} {@link FlowIndex#SEED} into a map whose content is exactly the group's Maglev table, keyed
 * by table index: the index {@link FlowIndex} gives the Java decision for the same flow, so both
 * pick the same server. Known differences from the Java scan: a second option with our ExID
 * (Java: malformed, legacy owner), a malformed option area after our option, and our option with
 * a length that runs past the header (nft's option parser cannot tell it from no option) are not
 * seen: all go to the legacy owner as in Java, without Java's {@code malformed_options} count; a
 * first kind-253 option with another ExID goes to the Java path.
 *
 * <p>Left to the Java path ({@code java_*} counters): with a {@link JavaPath} the frame is forwarded
 * to the veth Java reads (there is no NFQUEUE in this kernel), without one it is accepted. ARP/ND is
 * copied to the Java path and also accepted; what is not addressed to a VIP is accepted. Java gets UDP redirect ports (the option sits in the surplus area, past the IP
 * payload nft loads); ICMP errors whose quote has IPv4 options, IPv6 extension headers or is a
 * fragment; ICMP errors for l3 servers (the quote needs rewriting too); {@code icmpEcho: balance}
 * (its hash key is not shared with Java yet); protocols other than TCP, UDP and ICMP; packets
 * whose headers do not load or are not whole (a TCP data offset past the packet's end): malformed.
 *
 * <p>The fast path: the network side's first rule looks up {@code ip daddr . meta l4proto . th
 * dport} in one map per IP version for frames to our MAC, and its target forwards in one rule that
 * also checks the TCP header is whole, with one counter ({@code service_NAME}, {@code legacy_NAME},
 * read as the decision's and the forward's, {@link #countedAs}): a rule per packet costs, the
 * kernel's own routing being the baseline.
 */
public final class NftRuleset {
    /** The nft table (family netdev). */
    public static final String TABLE = "portredirect";
    /** Every flags byte with REDIRECT set: a set match, since {@code & 0x01} on a raw TCP option crashes {@code nft list} (1.0.6). */
    public static final List<Integer> REDIRECT_FLAG_VALUES = IntStream.range(0, 256)
            .filter(f -> (f & RedirectWire.FLAG_REDIRECT) != 0).boxed().toList();

    private static final String ICMP4_ERRORS = "{ destination-unreachable, source-quench, redirect, time-exceeded, parameter-problem }";
    private static final String ND_TYPES = "{ nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, nd-redirect }";
    private static final String ICMP6_ERRORS = "{ destination-unreachable, packet-too-big, time-exceeded, parameter-problem }";
    /** The quoted packet of an ICMP error starts 8 bytes after the ICMP header start; offsets in bits from {@code @th}. */
    private static final String Q4_PROTO = "@th,136,8";
    private static final String Q4_SADDR = "@th,160,32";
    private static final String Q4_DADDR = "@th,192,32";
    private static final String Q4_SPORT = "@th,224,16";
    private static final String Q4_DPORT = "@th,240,16";
    private static final String Q6_PROTO = "@th,112,8";
    private static final String Q6_SADDR = "@th,128,128";
    private static final String Q6_DADDR = "@th,256,128";
    private static final String Q6_SPORT = "@th,384,16";
    private static final String Q6_DPORT = "@th,400,16";
    /**
     * TCP data offsets in the order the fast path tries them: 8 (timestamps, most segments of a
     * Linux peer), 5 (no options), 10 (a SYN's), then the rest. nft cannot compare the offset with
     * the packet's length, so a header is whole when the last byte its offset names loads: one
     * rule per offset ({@link #wholeTcpHeader}); an offset under 5 matches none. (A TCP option
     * test does not do: {@code missing} is also true when the header does not load.)
     */
    private static final int[] TCP_DATA_OFFSETS = {8, 5, 10, 6, 7, 9, 11, 12, 13, 14, 15};
    /**
     * Matches a UDP header that is whole (its last byte loads). Raw loads and one comparison that
     * holds for any byte: the fewest expressions per packet ({@code 0-255} is two comparisons).
     */
    private static final String UDP_HEADER_WHOLE = "@th,56,8 >= 0";
    /** {@code service_NAME}: rule 1 forwarding to NAME, one counter for the decision and the forward. */
    private static final String SERVICE_COUNTER = "service_";
    /** {@code legacy_NAME}: rule 3 (legacy owner) forwarding to NAME. */
    private static final String LEGACY_COUNTER = "legacy_";
    private static final int SLOTS_PER_LINE = 8;
    private static final String NEXT_HOP_MAP = "next_hop";

    /**
     * Where the Java path reads what the kernel leaves to it: nft forwards such frames out of
     * {@code device}, one end of a veth pair; Java captures them on the other end, {@code readDevice},
     * whose own ingress drops them so the host kernel never routes them. Null renders a final
     * {@code accept} instead (the ruleset alone, e.g. for a host kernel that guards VIPs itself).
     */
    public record JavaPath(String device, String readDevice) {
    }

    private final ForwardingTables t;
    private final long generation;
    private final JavaPath javaPath;
    /** Render only the guard of the pcap dataplane (see {@link #renderGuard}). */
    private final boolean guard;
    private final Set<String> counters = new TreeSet<>();
    /** l3 forwarding chains by name, each for its server and counter ({@link #forward}). */
    private final Map<String, Integer> l3Chains = new TreeMap<>();
    /** Distinct Maglev tables (groups), numbered by their first redirect port in (protocol, port, VIP) order. */
    private final List<short[]> groups = new ArrayList<>();
    private final int[] groupOfSlot;
    /** Redirect slots in (protocol, port, first VIP) order. */
    private final int[] slotOrder;
    /** Server indices in name order: a config that lists its servers in another order renders the same. */
    private final int[] byName;

    private NftRuleset(ForwardingTables tables, long generation, JavaPath javaPath) {
        this(tables, generation, javaPath, false);
    }

    private NftRuleset(ForwardingTables tables, long generation, JavaPath javaPath, boolean guard) {
        this.t = tables;
        this.generation = generation;
        this.javaPath = javaPath;
        this.guard = guard;
        byName = IntStream.range(0, t.serverCount()).boxed()
                .sorted(java.util.Comparator.comparing(t::serverName)).mapToInt(Integer::intValue).toArray();
        groupOfSlot = new int[t.redirectSlotCount()];
        // groups are numbered in (protocol, port, VIP) order, not in the config's list order
        slotOrder = IntStream.range(0, groupOfSlot.length).boxed()
                .sorted(java.util.Comparator.comparingInt((Integer i) -> t.redirectSlotProtocol(i)).thenComparingInt(t::redirectSlotPort)
                        .thenComparing(i -> firstVip(t.redirectSlotVips(i)), NftRuleset::compareAddresses))
                .mapToInt(Integer::intValue).toArray();
        for (int slot : slotOrder) {
            short[] table = t.redirectTable(slot);
            int g = 0;
            while (g < groups.size() && !Arrays.equals(groups.get(g), table)) {
                g++;
            }
            if (g == groups.size()) {
                groups.add(table);
            }
            groupOfSlot[slot] = g;
        }
    }

    /**
     * The ruleset text for {@code nft -f}.
     *
     * @param generation the table generation named in the header (1 for a first load, {@code check-config})
     */
    public static String render(ForwardingTables tables, long generation) {
        return render(tables, generation, null);
    }

    /**
     * The ruleset text with the Java path attached: what nft cannot decide is forwarded to
     * {@code java} instead of accepted, and ARP and neighbour discovery are copied to it.
     */
    public static String render(ForwardingTables tables, long generation, JavaPath java) {
        return new NftRuleset(tables, generation, java).render();
    }

    /**
     * The guard of the pcap dataplane: the same table, but every packet the balancer handles is
     * dropped at ingress (after libpcap's capture has its copy: taps run before the ingress hook),
     * so the host kernel neither answers nor routes VIP traffic nor the l3 servers' replies the
     * balancer rewrites. A server's own traffic (ports it was not given) passes.
     */
    public static String renderGuard(ForwardingTables tables, long generation) {
        return new NftRuleset(tables, generation, null, true).renderGuardText();
    }

    private String renderGuardText() {
        StringBuilder body = new StringBuilder();
        sets(body);
        body.append("\n\t# VIP traffic is the balancer's (libpcap has its copy)\n\tchain from_network {\n\t\ttype filter hook ingress device ")
                .append(quote(t.networkInterface())).append(" priority filter; policy accept;\n");
        rule(body, "meta protocol ip ip daddr @vip4 " + counter("guard_vip") + " drop");
        rule(body, "meta protocol ip6 ip6 daddr @vip6 " + counter("guard_vip") + " drop");
        body.append("\t}\n");
        returnChains(body);
        return header(body);
    }

    private String render() {
        StringBuilder body = new StringBuilder();
        sets(body);
        maps(body);
        serverChains(body);
        redirectChains(body);
        l3Chains(body);
        networkChains(body);
        returnChains(body);
        javaChains(body);
        return header(body);
    }

    private String header(StringBuilder body) {
        StringBuilder out = new StringBuilder();
        out.append("#!/usr/sbin/nft -f\n");
        out.append("# portredirect kernel dataplane, rendered by redirect-balancer (check-config --dataplane=nft).\n");
        out.append("# config: ").append(t.config().source()).append('\n');
        out.append("# generation: ").append(generation).append('\n');
        out.append("# jhash seed ").append(hex32(FlowIndex.SEED)).append(", table size ").append(t.tableSize()).append('\n');
        out.append("# Deterministic: the same tables render the same bytes. Do not edit; render again.\n");
        if (guard) {
            out.append("# The guard of the pcap dataplane: drops at ingress what the balancer forwards itself.\n");
        } else {
            out.append(javaPath == null ? "# Left to the Java path (final accept, java_* counters): non-VIP and ARP/ND, UDP redirect ports,\n"
                    : "# Left to the Java path (fwd to " + quote(javaPath.device()) + ", java_* counters; ARP/ND copied): UDP redirect ports,\n");
            out.append("# ICMP quotes with IPv4 options / IPv6 extension headers / fragments, ICMP errors for l3 servers,\n");
            out.append("# icmpEcho balance, other protocols, malformed headers.\n");
        }
        // "add + delete" makes the load replace a previous ruleset in the same transaction
        out.append("table netdev ").append(TABLE).append('\n');
        out.append("delete table netdev ").append(TABLE).append('\n');
        out.append("table netdev ").append(TABLE).append(" {\n");
        for (String c : counters) {
            out.append("\tcounter ").append(c).append(" {\n\t}\n");
        }
        out.append(body);
        out.append("}\n");
        return out.toString();
    }

    // ------------------------------------------------------------------ sets and maps

    private void sets(StringBuilder b) {
        b.append("\n\tset vip4 {\n\t\ttype ipv4_addr\n");
        elements(b, vips(true));
        b.append("\t}\n\n\tset vip6 {\n\t\ttype ipv6_addr\n");
        elements(b, vips(false));
        b.append("\t}\n");
        b.append("\n\t# flags bytes with REDIRECT (0x01) set\n\tset redirect_flags {\n\t\ttypeof tcp option @")
                .append(RedirectWire.TCP_OPTION_KIND).append(",32,8\n");
        elements(b, REDIRECT_FLAG_VALUES.stream().map(f -> String.format("0x%02x", f)).toList());
        b.append("\t}\n");
        for (int s : byName) {
            if (needsReturnChain(s) && t.mode(s) == ForwardingMode.L3) {
                for (int version : servedSetVersions(s)) {
                    String name = servedSet(s, version);
                    b.append("\n\t# ports ").append(t.serverName(s)).append(" answers on for the balancer (service ports, groups, ownership)")
                            .append(name.endsWith("_v" + version) ? " from " + vip(t.returnVip(s, version)) : "").append('\n');
                    b.append("\tset ").append(name).append(" {\n\t\ttypeof meta l4proto . th sport\n\t\tflags interval\n");
                    elements(b, served(s, version));
                    b.append("\t}\n");
                }
            }
        }
    }

    /** Ports server {@code s} answers on from its return VIP of this IP version. */
    private List<String> served(int s, int version) {
        List<String> e = new ArrayList<>();
        int vip = t.returnVip(s, version);
        for (int proto : new int[] {IpProtocol.TCP, IpProtocol.UDP}) {
            for (PortRuns r : PortRuns.of(port -> t.servesPort(s, vip, proto, port) ? 1 : -1)) {
                e.add(protoName(proto) + " . " + r.ports());
            }
        }
        return e;
    }

    /** The IP versions server {@code s} returns traffic for (a VIP to answer from). */
    private int[] returnVersions(int s) {
        return IntStream.of(4, 6).filter(v -> t.hasAddress(s, v) && t.returnVip(s, v) >= 0).toArray();
    }

    /** One set serves both IP versions unless per-VIP ports make them differ. */
    private int[] servedSetVersions(int s) {
        int[] versions = returnVersions(s);
        return versions.length == 2 && !served(s, 4).equals(served(s, 6)) ? versions : new int[] {versions.length == 0 ? 4 : versions[0]};
    }

    private String servedSet(int s, int version) {
        int[] versions = returnVersions(s);
        boolean split = versions.length == 2 && !served(s, 4).equals(served(s, 6));
        return "served_" + t.serverName(s) + (split ? "_v" + version : "");
    }

    private void maps(StringBuilder b) {
        for (int version : new int[] {4, 6}) {
            String v = "_v" + version;
            String family = version == 4 ? "ip" : "ip6";
            List<String> ports = new ArrayList<>();
            List<String> quoteService = new ArrayList<>();
            List<String> quoteRedirect = new ArrayList<>();
            for (int vip : vipOrder(version == 4)) {
                String addr = vip(vip) + " . ";
                String hex = vipHex(vip) + " . ";
                for (int proto : new int[] {IpProtocol.TCP, IpProtocol.UDP}) {
                    for (PortRuns r : PortRuns.of(port -> t.serviceOwner(vip, proto, port))) {
                        // one element per port: a hash lookup; an interval map (pipapo) cost a third
                        // of TCP throughput on every packet here, the kernel's routing being the baseline
                        for (int port = r.first(); port <= r.last(); port++) {
                            ports.add(addr + protoName(proto) + " . " + port + " : goto " + serviceChain(proto, r.value()));
                        }
                        quoteService.add(hex + proto + " . " + r.ports() + " : goto quote_service_" + t.serverName(r.value()));
                    }
                }
                for (int proto : new int[] {IpProtocol.TCP, IpProtocol.UDP}) {
                    for (PortRuns r : PortRuns.of(port -> t.redirectSlot(vip, proto, port))) {
                        for (int port = r.first(); port <= r.last(); port++) {
                            int slot = t.redirectSlot(vip, proto, port);
                            String target = proto == IpProtocol.TCP ? "goto " + redirectChain(slot) : "goto java_udp_redirect";
                            if (t.serviceOwner(vip, proto, port) < 0) { // rule 1 comes first
                                ports.add(addr + protoName(proto) + " . " + port + " : " + target);
                            }
                            quoteRedirect.add(hex + proto + " . " + port + " : goto quote_redirect_g" + groupOfSlot[slot]);
                        }
                    }
                }
            }
            String saddr = version == 4 ? Q4_SADDR : Q6_SADDR;
            String qproto = version == 4 ? Q4_PROTO : Q6_PROTO;
            String qsport = version == 4 ? Q4_SPORT : Q6_SPORT;
            // one lookup for every port a VIP has: it is the first rule of the network side, so most
            // packets see one rule and one forwarding chain (rule count per packet is what nft costs)
            b.append("\n\t# rule 1: a service port names its server; rules 2-3: a redirect port's chain (TCP: option match\n"
                    + "\t# and hash, else legacy; UDP: the option is beyond nft, Java path). IPv").append(version).append('\n');
            b.append("\tmap ports").append(v).append(" {\n\t\ttypeof ").append(family)
                    .append(" daddr . meta l4proto . th dport : verdict\n");
            elements(b, ports);
            b.append("\t}\n");

            b.append("\n\t# rule 4: ICMP errors by the quoted packet's source VIP . protocol . source port (sent by our server)\n");
            b.append("\tmap quote_service_ports").append(v).append(" {\n\t\ttypeof ").append(saddr).append(" . ").append(qproto)
                    .append(" . ").append(qsport).append(" : verdict\n\t\tflags interval\n");
            elements(b, quoteService);
            b.append("\t}\n\n\tmap quote_redirect_ports").append(v).append(" {\n\t\ttypeof ").append(saddr).append(" . ")
                    .append(qproto).append(" . ").append(qsport).append(" : verdict\n");
            elements(b, quoteRedirect);
            b.append("\t}\n");
        }

        for (int g = 0; g < groups.size(); g++) {
            short[] table = groups.get(g);
            b.append("\n\t# Maglev table of group g").append(g).append(" (").append(groupMembers(table)).append("): slot -> server\n");
            // the key is jhash's 32-bit integer; "typeof jhash ..." loads but makes nft list segfault
            // (1.0.6), "type mark" is refused as another datatype: numgen declares the same integer
            b.append("\tmap maglev_g").append(g).append(" {\n\t\ttypeof numgen inc mod ").append(table.length).append(" : verdict\n");
            b.append("\t\telements = {");
            for (int slot = 0; slot < table.length; slot++) {
                b.append(slot % SLOTS_PER_LINE == 0 ? "\n\t\t\t" : " ");
                b.append(slot).append(" : goto srv_").append(t.serverName(table[slot]));
                b.append(slot == table.length - 1 ? "" : ",");
            }
            b.append("\n\t\t}\n\t}\n");
        }
    }

    // ------------------------------------------------------------------ per-server chains

    private void serverChains(StringBuilder b) {
        for (int s : byName) {
            String name = t.serverName(s);
            // rule 1, most packets: one rule that checks the transport header is whole and forwards
            b.append("\n\tchain ").append(serviceChain(IpProtocol.TCP, s)).append(" {\n");
            String fwd = forward(s, SERVICE_COUNTER + name);
            for (int doff : TCP_DATA_OFFSETS) {
                rule(b, wholeTcpHeader(doff) + " " + fwd);
            }
            rule(b, toJava("java_malformed"));
            b.append("\t}\n\n\tchain ").append(serviceChain(IpProtocol.UDP, s)).append(" {\n");
            rule(b, UDP_HEADER_WHOLE + " " + forward(s, SERVICE_COUNTER + name));
            rule(b, toJava("java_malformed"));
            b.append("\t}\n\n\tchain quote_service_").append(name).append(" {\n");
            // an l3 server's ICMP error needs its quote rewritten too: Java does that
            rule(b, counter("rule_icmp_error_service_port") + (t.mode(s) == ForwardingMode.L3
                    ? " " + toJava("java_l3_icmp_quote") : " goto srv_" + name));
            b.append("\t}\n");
        }
        for (int s : byName) {
            String name = t.serverName(s);
            ForwardingMode mode = t.mode(s);
            b.append("\n\t# ").append(name).append(": ").append(mode.yamlName()).append(" via ").append(t.serverInterface(s));
            if (mode != ForwardingMode.RAW) {
                b.append(", frames to ").append(mac(t.serverMac(s))).append(" from ").append(mac(t.serverSideMac(s)));
            }
            b.append('\n');
            b.append("\tchain srv_").append(name).append(" {\n");
            // fwd_NAME sits in the forwarding rules, so what goes to Java or is dropped is not counted as forwarded
            if (mode == ForwardingMode.L3) {
                // the quote inside an ICMP error (placed here by the redirect hash) needs the same rewrite: Java does that
                rule(b, "icmp type " + ICMP4_ERRORS + " " + toJava("java_l3_icmp_quote"));
                rule(b, "icmpv6 type " + ICMP6_ERRORS + " " + toJava("java_l3_icmp_quote"));
                l3(b, s, "fwd_" + name);
            } else {
                rule(b, forward(s, "fwd_" + name));
            }
            b.append("\t}\n");
        }
    }

    /**
     * The verdict that forwards to server {@code s} counting {@code counterName}: inline for l2 and
     * raw (one rule), a jump to a per-counter chain for l3 (one rule per address family).
     */
    private String forward(int s, String counterName) {
        return switch (t.mode(s)) {
            case RAW -> counter(counterName) + " fwd to " + quote(t.serverInterface(s));
            case L2 -> counter(counterName) + " " + macs(s) + " fwd to " + quote(t.serverInterface(s));
            case L3 -> {
                l3Chains.put("l3_" + counterName, s);
                yield "goto l3_" + counterName;
            }
        };
    }

    /** The l3 chains {@link #forward} asked for (TCP and UDP only: ICMP errors reach l3 servers through srv_NAME). */
    private void l3Chains(StringBuilder b) {
        for (Map.Entry<String, Integer> e : l3Chains.entrySet()) {
            b.append("\n\tchain ").append(e.getKey()).append(" {\n");
            l3(b, e.getValue(), e.getKey().substring("l3_".length()));
            b.append("\t}\n");
        }
    }

    /** l3: VIP -> server address (nft fixes the L3/L4 checksums), only for the VIP the server answers for. */
    private void l3(StringBuilder b, int s, String counterName) {
        for (int version : new int[] {4, 6}) {
            String family = version == 4 ? "ip" : "ip6";
            if (!t.hasAddress(s, version)) {
                rule(b, "meta protocol " + family + " " + counter("drop_l3_no_address") + " drop");
            } else if (t.returnVip(s, version) >= 0) {
                rule(b, "meta protocol " + family + " " + family + " daddr " + vip(t.returnVip(s, version))
                        + " " + counter(counterName) + " " + family + " daddr set " + serverAddress(s, version) + " " + macs(s)
                        + " fwd to " + quote(t.serverInterface(s)));
            }
        }
        rule(b, counter("drop_l3_vip_mismatch") + " drop");
    }

    /**
     * Matches a TCP header of data offset {@code doff} whose last byte is in the packet. Only in
     * chains that TCP alone reaches: the raw {@code @th,96,4} (the data offset) spares the
     * {@code meta l4proto tcp} that {@code tcp doff} would add to every packet.
     */
    private static String wholeTcpHeader(int doff) {
        return "@th,96,4 " + doff + " @th," + (doff * 32 - 8) + ",8 >= 0";
    }

    private String serviceChain(int proto, int s) {
        return "service_" + protoName(proto) + "_" + t.serverName(s);
    }

    /**
     * Both MACs of a frame to server {@code s} in one 12-byte write (destination, then source):
     * half the expressions of {@code ether daddr set ... ether saddr set ...}, which also adds an
     * interface type check per packet. The chain {@code srv_NAME}'s comment spells them out.
     */
    private String macs(int s) {
        return "@ll,0,96 set 0x" + hexMac(t.serverMac(s)) + hexMac(t.serverSideMac(s));
    }

    private static String hexMac(byte[] mac) {
        return Bytes.hex(mac, 0, mac.length);
    }

    // ------------------------------------------------------------------ redirect chains

    private void redirectChains(StringBuilder b) {
        b.append("\n\tchain java_udp_redirect {\n");
        rule(b, toJava("java_udp_redirect"));
        b.append("\t}\n");
        for (int slot : slotOrder) {
            if (t.redirectSlotProtocol(slot) != IpProtocol.TCP) {
                continue;
            }
            int port = t.redirectSlotPort(slot);
            String map = "@maglev_g" + groupOfSlot[slot];
            int size = groups.get(groupOfSlot[slot]).length;
            String opt = "tcp option @" + RedirectWire.TCP_OPTION_KIND + ",";
            String ours = opt + "16,16 " + hex16(RedirectWire.EXID) + " " + opt + "32,8 @redirect_flags";
            List<InetAddress> on = t.redirectSlotVips(slot);
            b.append("\n\t# ").append(port).append("/tcp").append(on.isEmpty() ? "" : " on " + on.stream().map(NftRuleset::address)
                    .collect(Collectors.joining(", "))).append(": REDIRECT -> hash onto group g").append(groupOfSlot[slot]).append(", else legacy\n");
            b.append("\tchain ").append(redirectChain(slot)).append(" {\n");
            // a whole header without a kind-253 option: legacy, every packet of a legacy flow, so
            // first for the common data offsets (5 has no room for options)
            String legacy = legacy(slot);
            String noOption = "tcp option " + RedirectWire.TCP_OPTION_KIND + " missing ";
            rule(b, wholeTcpHeader(8) + " " + noOption + legacy);
            rule(b, wholeTcpHeader(5) + " " + legacy);
            for (String family : new String[] {"ip", "ip6"}) {
                // per port too: the same redirect_negotiations{port, protocol} the Java decision counts
                String hash = counter("rule_redirect_hash") + " " + counter(negotiationCounter("tcp", port)) + " jhash " + family + " saddr . tcp sport . " + family
                        + " daddr . tcp dport . meta l4proto mod " + size + " seed " + hex32(FlowIndex.SEED) + " vmap " + map;
                rule(b, "meta protocol " + family + " " + opt + "8,8 " + RedirectWire.LENGTH_FLAGS_ONLY + " " + ours + " " + hash);
                // length 7 carries a port; port 0 makes the option malformed (treated as absent)
                rule(b, "meta protocol " + family + " " + opt + "8,8 " + RedirectWire.LENGTH_WITH_PORT + " " + ours + " "
                        + opt + "40,16 != 0 " + hash);
            }
            // nft sees only the first kind-253 option: another experiment's may hide ours
            rule(b, opt + "16,16 != " + hex16(RedirectWire.EXID) + " " + toJava("java_foreign_exid"));
            // our option in a form the rules above do not take (bad length, port 0, no REDIRECT
            // flag): Java counts it as malformed, or not, and routes it as legacy
            rule(b, opt + "16,16 " + hex16(RedirectWire.EXID) + " " + toJava("java_option_form"));
            for (int doff : TCP_DATA_OFFSETS) {
                if (doff != 8 && doff != 5) {
                    rule(b, wholeTcpHeader(doff) + " " + noOption + legacy);
                }
            }
            // a header that is not whole, or our option too short to read: Java counts it
            rule(b, toJava("java_malformed"));
            b.append("\t}\n");
        }
        for (int g = 0; g < groups.size(); g++) {
            int size = groups.get(g).length;
            b.append("\n\t# an ICMP error quoting a redirect-port flow: the quote runs VIP -> client, hash it as client -> VIP\n");
            b.append("\tchain quote_redirect_g").append(g).append(" {\n");
            rule(b, "meta protocol ip " + counter("rule_icmp_error_redirect_hash") + " jhash " + Q4_DADDR + " . " + Q4_DPORT + " . "
                    + Q4_SADDR + " . " + Q4_SPORT + " . " + Q4_PROTO + " mod " + size + " seed " + hex32(FlowIndex.SEED) + " vmap @maglev_g" + g);
            rule(b, "meta protocol ip6 " + counter("rule_icmp_error_redirect_hash") + " jhash " + Q6_DADDR + " . " + Q6_DPORT + " . "
                    + Q6_SADDR + " . " + Q6_SPORT + " . " + Q6_PROTO + " mod " + size + " seed " + hex32(FlowIndex.SEED) + " vmap @maglev_g" + g);
            b.append("\t}\n");
        }
    }

    private String legacy(int slot) {
        int owner = t.redirectOwner(slot);
        if (owner >= 0) {
            return forward(owner, LEGACY_COUNTER + t.serverName(owner));
        } else if (t.defaultServer() >= 0) {
            return counter("rule_legacy_default") + " goto srv_" + t.serverName(t.defaultServer());
        }
        return counter("drop_legacy_no_server") + " drop";
    }

    // ------------------------------------------------------------------ network side

    private void networkChains(StringBuilder b) {
        Policies pol = t.policies();
        b.append("\n\t# rule 4: ICMP errors to a VIP, routed by the quoted packet where its layout is fixed\n");
        b.append("\tchain icmp_error {\n");
        rule(b, "meta protocol ip " + "@th,64,8 != 0x45 " + toJava("java_quote_layout"));
        rule(b, "meta protocol ip @th,112,16 & 0x1fff != 0 " + toJava("java_quote_layout"));
        rule(b, "meta protocol ip6 @th,64,4 != 6 " + toJava("java_quote_layout"));
        rule(b, "meta protocol ip6 " + Q6_PROTO + " != { 6, 17 } " + toJava("java_quote_layout"));
        String notOurs = icmpErrorPolicy("drop_icmp_quote_not_ours");
        quoteNotOurs(b, "ip", Q4_SADDR, vipHex(true), notOurs);
        quoteNotOurs(b, "ip6", Q6_SADDR, vipHex(false), notOurs);
        rule(b, "meta protocol ip " + Q4_SADDR + " . " + Q4_PROTO + " . " + Q4_SPORT + " vmap @quote_service_ports_v4");
        rule(b, "meta protocol ip6 " + Q6_SADDR + " . " + Q6_PROTO + " . " + Q6_SPORT + " vmap @quote_service_ports_v6");
        rule(b, "meta protocol ip " + Q4_SADDR + " . " + Q4_PROTO + " . " + Q4_SPORT + " vmap @quote_redirect_ports_v4");
        rule(b, "meta protocol ip6 " + Q6_SADDR + " . " + Q6_PROTO + " . " + Q6_SPORT + " vmap @quote_redirect_ports_v6");
        // what the maps did not take: an unknown port if the quote's ports load, else a quote cut
        // short (a load past the packet's end ends the rule), as the Java decision tells them apart
        rule(b, "meta protocol ip " + Q4_PROTO + " { 6, 17 } " + Q4_DPORT + " 0-65535 " + icmpErrorPolicy("drop_icmp_quote_unknown_port"));
        rule(b, "meta protocol ip6 " + Q6_DPORT + " 0-65535 " + icmpErrorPolicy("drop_icmp_quote_unknown_port"));
        rule(b, icmpErrorPolicy("drop_icmp_quote_truncated"));
        b.append("\t}\n");

        String rule7 = t.defaultServer() >= 0
                ? counter("rule_default") + " goto srv_" + t.serverName(t.defaultServer())
                : counter("drop_no_rule") + " drop";
        b.append("\n\t# rules 1-7 for a packet addressed to a VIP\n\tchain to_vip {\n");
        // a LAN that floods unknown unicast delivers frames meant for other hosts: not ours to forward
        rule(b, "ether daddr != " + mac(t.networkMac()) + " " + counter("drop_not_our_mac") + " drop");
        String fragments = pol.fragments() == Policies.Fragments.DEFAULT && t.defaultServer() >= 0
                ? counter("rule_fragment_policy") + " goto srv_" + t.serverName(t.defaultServer())
                : counter("drop_fragment_policy") + " drop";
        rule(b, "meta protocol ip ip frag-off & 0x1fff != 0 " + fragments);
        rule(b, "meta protocol ip6 frag frag-off != 0 " + fragments);
        // a port in no map (the first rule of from_network missed it) with a whole transport header
        // takes rule 7; Java counts and drops the rest
        rule(b, "meta l4proto tcp goto unmapped_tcp");
        rule(b, "meta l4proto udp " + UDP_HEADER_WHOLE + " " + rule7);
        rule(b, "meta l4proto { tcp, udp } " + toJava("java_malformed"));
        // neighbour discovery for a VIP is answered by the Java side
        rule(b, "icmpv6 type " + ND_TYPES + " "
                + toJava("java_nd"));
        rule(b, "icmp type " + ICMP4_ERRORS + " goto icmp_error");
        rule(b, "icmpv6 type " + ICMP6_ERRORS + " goto icmp_error");
        String echo = echo(pol);
        rule(b, "icmp type { echo-request, echo-reply } " + echo);
        rule(b, "icmpv6 type { echo-request, echo-reply } " + echo);
        rule(b, "meta l4proto { icmp, ipv6-icmp } " + rule7);
        rule(b, toJava("java_other"));
        b.append("\t}\n");

        b.append("\n\t# rule 7 for TCP to a port in no map, with a whole header\n\tchain unmapped_tcp {\n");
        for (int doff : TCP_DATA_OFFSETS) {
            rule(b, wholeTcpHeader(doff) + " " + rule7);
        }
        rule(b, toJava("java_malformed"));
        b.append("\t}\n");

        b.append("\n\t# the network side: only VIP traffic is ours; the rest (host traffic, ARP/ND) goes on to the kernel\n");
        b.append("\tchain from_network {\n\t\ttype filter hook ingress device ").append(quote(t.networkInterface()))
                .append(" priority filter; policy accept;\n");
        // a VIP's port, sent to our MAC: one lookup for most packets; the rest of the VIP's traffic
        // through to_vip. nft loads a non-first IPv4 fragment's "ports" from its payload, so those
        // are kept out here (the fragment policy decides them); IPv6 fragments are not TCP/UDP to nft
        // (our MAC as a raw load: "ether daddr" would add an interface type check per packet)
        String toUs = "@ll,0,48 0x" + hexMac(t.networkMac());
        rule(b, toUs + " meta protocol ip ip frag-off & 0x1fff 0 ip daddr . meta l4proto . th dport vmap @ports_v4");
        rule(b, toUs + " meta protocol ip6 ip6 daddr . meta l4proto . th dport vmap @ports_v6");
        rule(b, "meta protocol ip ip daddr @vip4 goto to_vip");
        rule(b, "meta protocol ip6 ip6 daddr @vip6 goto to_vip");
        if (javaPath != null) {
            // the Java side answers ARP/ND for the VIPs and learns the next hop; the host kernel
            // still gets its own copy (it ignores questions about addresses it does not hold)
            rule(b, "meta protocol arp " + counter("java_arp") + " dup to " + quote(javaPath.device()));
            rule(b, "meta protocol ip6 icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } "
                    + counter("java_nd_multicast") + " dup to " + quote(javaPath.device()));
        }
        // an IP header the kernel's own validation refuses (version, header length, total length
        // past the frame, cut short: then nft has no transport protocol) cannot name a VIP for
        // sure: Java counts it and drops it, as the pcap dataplane does; a valid one is the host's
        rule(b, "meta protocol { ip, ip6 } meta l4proto 0-255 " + counter("pass_not_vip") + " accept");
        rule(b, "meta protocol { ip, ip6 } " + toJava("java_malformed"));
        rule(b, counter("pass_not_vip"));
        b.append("\t}\n");
    }

    /**
     * The names a kernel counter adds to: itself, and for the one-counter forwarding rules of the
     * fast path ({@code service_NAME}, {@code legacy_NAME}) also the decision's {@code rule_*}
     * counter and {@code fwd_NAME}, which such a packet would otherwise count in two more rules.
     */
    public static List<String> countedAs(String counter) {
        if (counter.startsWith(SERVICE_COUNTER)) {
            return List.of(counter, "rule_service_port", "fwd_" + counter.substring(SERVICE_COUNTER.length()));
        }
        if (counter.startsWith(LEGACY_COUNTER)) {
            return List.of(counter, "rule_legacy_owner", "fwd_" + counter.substring(LEGACY_COUNTER.length()));
        }
        return List.of(counter);
    }

    /** Name of the counter of REDIRECT packets hashed on a redirect port ({@code negotiations_tcp_80}). */
    public static String negotiationCounter(String protocol, int port) {
        return "negotiations_" + protocol + "_" + port;
    }

    /** A verdict for what only the Java path decides: to the Java path's device, or on to the host kernel. */
    private String toJava(String counterName) {
        return counter(counterName) + (javaPath == null ? " accept" : " fwd to " + quote(javaPath.device()));
    }

    /** The Java path's read end: its capture sees each frame before this hook drops it. */
    private void javaChains(StringBuilder b) {
        if (javaPath == null) {
            return;
        }
        b.append("\n\t# frames for the Java path: captured on ").append(quote(javaPath.readDevice()))
                .append(" before ingress, then dropped so the host kernel never routes them\n");
        b.append("\tchain java_read {\n\t\ttype filter hook ingress device ").append(quote(javaPath.readDevice()))
                .append(" priority filter; policy drop;\n\t}\n");
    }

    private static List<String> nextHopElements(byte[] mac) {
        return List.of("ip : " + mac(mac), "ip6 : " + mac(mac));
    }

    /** A base chain's header in rendered text: {@code chain NAME {} then its {@code type ... hook} line. */
    private static final Pattern BASE_CHAIN =
            Pattern.compile("(?m)^\\tchain (\\S+) \\{\\n\\t\\ttype filter hook ");

    /** The base chains (those hooked to a device) of a ruleset this class rendered, in its order. */
    public static List<String> baseChains(String rendered) {
        List<String> out = new ArrayList<>();
        Matcher m = BASE_CHAIN.matcher(rendered);
        while (m.find()) {
            out.add(m.group(1));
        }
        return List.copyOf(out);
    }

    /**
     * Takes the table off the devices, to run before the table is deleted: one transaction that
     * deletes only the base chains, while the maps they look up still exist. Deleting the whole
     * table in one transaction deactivates its maps at once, but a base chain being deleted keeps
     * running its rules until the kernel unhooks it: for that while every lookup misses, and a
     * packet of an established flow went to the default server, which reset it (seen here about
     * once in 15-30 stops under traffic).
     */
    public static String unhook(List<String> baseChains) {
        StringBuilder b = new StringBuilder();
        for (String c : baseChains) {
            b.append("delete chain netdev ").append(TABLE).append(' ').append(c).append('\n');
        }
        return b.toString();
    }

    /**
     * An {@code nft -f} transaction that replaces the next hop's MAC in a loaded ruleset (null:
     * unresolved, the map emptied).
     */
    public static String nextHopUpdate(byte[] mac) {
        StringBuilder b = new StringBuilder("flush map netdev ").append(TABLE).append(' ').append(NEXT_HOP_MAP).append('\n');
        if (mac != null) {
            b.append("add element netdev ").append(TABLE).append(' ').append(NEXT_HOP_MAP).append(" { ")
                    .append(String.join(", ", nextHopElements(mac))).append(" }\n");
        }
        return b.toString();
    }

    private void quoteNotOurs(StringBuilder b, String family, String saddr, List<String> vips, String verdict) {
        rule(b, "meta protocol " + family + " " + (vips.isEmpty() ? "" : saddr + " != { " + String.join(", ", vips) + " } ") + verdict);
    }

    private String icmpErrorPolicy(String dropCounter) {
        if (t.policies().icmpError() == Policies.IcmpError.DEFAULT && t.defaultServer() >= 0) {
            return counter("rule_icmp_error_policy") + " goto srv_" + t.serverName(t.defaultServer());
        }
        return counter(dropCounter) + " drop";
    }

    private String echo(Policies pol) {
        if (pol.icmpEcho() == Policies.IcmpEcho.BALANCE) {
            return toJava("java_echo_balance");
        }
        int s = t.echoServer();
        return s >= 0 ? counter("rule_icmp_echo_policy") + " goto srv_" + t.serverName(s) : counter("drop_icmp_echo_policy") + " drop";
    }

    // ------------------------------------------------------------------ return traffic

    /** Interfaces of l3 and raw servers are read for return traffic (run --return-path auto). */
    private boolean needsReturnChain(int s) {
        return t.mode(s) != ForwardingMode.L2;
    }

    private void returnChains(StringBuilder b) {
        if (guard) {
            b.append("\n\t# the balancer sends these itself (rewritten, from the capture)\n\tchain to_network {\n");
            rule(b, counter("guard_return") + " drop");
            b.append("\t}\n");
        } else {
            toNetwork(b);
        }
        returnChainsFromServers(b);
    }

    private void toNetwork(StringBuilder b) {
        // the next hop's MAC sits in a map, so learning it (ARP/ND at run time) is one small
        // transaction (nextHopUpdate) instead of a reload of the whole ruleset
        b.append("\n\t# the next hop's MAC per family; empty until resolved\n\tmap ").append(NEXT_HOP_MAP)
                .append(" {\n\t\ttype ether_type : ether_addr\n");
        elements(b, t.nextHopResolved() ? nextHopElements(t.nextHopMac()) : List.of());
        b.append("\t}\n");
        b.append("\n\t# return traffic toward the next hop (no element for the family: the lookup ends the rule)\n\tchain to_network {\n");
        rule(b, "ether daddr set meta protocol map @" + NEXT_HOP_MAP + " ether saddr set " + mac(t.networkMac()) + " "
                + counter("rule_return") + " fwd to " + quote(t.networkInterface()));
        rule(b, counter("drop_next_hop_unresolved") + " drop");
        b.append("\t}\n");
    }

    /**
     * Answers to the balancer's own health probes are not return traffic: an l3 server answers from
     * its address and port the balancer gave it, a raw one from the VIP, and either would be sent
     * out to the next hop. They go to the probe source: this host (fib says local) or a configured
     * {@code health.source}. Only with health checks on the interface, so other rulesets stay as they were.
     */
    private void healthAnswers(StringBuilder b, int[] servers) {
        Set<String> sources = new TreeSet<>();
        boolean any = false;
        for (int s : servers) {
            io.portredirect.balancer.config.HealthCheck h = t.config().servers().get(s).health();
            if (h != null) {
                any = true;
                if (h.source() != null) {
                    sources.add((h.source() instanceof Inet4Address ? "ip" : "ip6") + " daddr " + address(h.source()));
                }
            }
        }
        if (!any) {
            return;
        }
        String ports = "meta l4proto tcp th dport " + io.portredirect.balancer.config.HealthCheck.FIRST_SOURCE_PORT + "-"
                + io.portredirect.balancer.config.HealthCheck.LAST_SOURCE_PORT + " ";
        for (String family : List.of("ip", "ip6")) {
            rule(b, "meta protocol " + family + " " + ports + "fib daddr type local " + counter("pass_health_answer") + " return");
        }
        for (String src : sources) {
            rule(b, "meta protocol " + src.substring(0, src.indexOf(' ')) + " " + src + " " + ports + counter("pass_health_answer") + " return");
        }
    }

    private void returnChainsFromServers(StringBuilder b) {
        Set<String> ifaces = new TreeSet<>();
        for (int s = 0; s < t.serverCount(); s++) {
            if (needsReturnChain(s)) {
                ifaces.add(t.serverInterface(s));
            }
        }
        for (String iface : ifaces) {
            int[] servers = Arrays.stream(byName).filter(s -> t.serverInterface(s).equals(iface)).toArray();
            b.append("\n\tchain from_").append(iface).append(" {\n\t\ttype filter hook ingress device ").append(quote(iface))
                    .append(" priority filter; policy accept;\n");
            // only frames sent to us are return traffic (a flooding server LAN delivers others' too)
            rule(b, "ether daddr != " + mac(t.serverSideMac(servers[0])) + " " + counter("pass_not_our_mac") + " return");
            healthAnswers(b, servers);
            rule(b, "meta protocol ip ip saddr @vip4 goto to_network");
            rule(b, "meta protocol ip6 ip6 saddr @vip6 goto to_network");
            for (int s : servers) {
                if (t.mode(s) != ForwardingMode.L3) {
                    continue;
                }
                for (int version : new int[] {4, 6}) {
                    if (!t.hasAddress(s, version) || t.returnVip(s, version) < 0) {
                        continue;
                    }
                    String family = version == 4 ? "ip" : "ip6";
                    String from = "meta protocol " + family + " " + family + " saddr " + serverAddress(s, version) + " ";
                    String to = "goto return_" + t.serverName(s) + "_v" + version;
                    rule(b, from + "meta l4proto . th sport @" + servedSet(s, version) + " " + to);
                    // neighbour discovery is the server talking to its gateway, not an answer to a client
                    rule(b, from + (version == 4 ? "meta l4proto icmp " : "meta l4proto ipv6-icmp icmpv6 type != " + ND_TYPES + " ") + to);
                    rule(b, from + (version == 4 ? "ip frag-off & 0x1fff != 0 " : "frag frag-off != 0 ") + to);
                }
            }
            b.append("\t}\n");
            for (int s : servers) {
                for (int version : new int[] {4, 6}) {
                    if (t.mode(s) == ForwardingMode.L3 && t.hasAddress(s, version) && t.returnVip(s, version) >= 0) {
                        String family = version == 4 ? "ip" : "ip6";
                        b.append("\n\tchain return_").append(t.serverName(s)).append("_v").append(version).append(" {\n");
                        rule(b, counter("return_" + t.serverName(s)) + " " + family + " saddr set " + vip(t.returnVip(s, version)) + " goto to_network");
                        b.append("\t}\n");
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ text helpers

    private String counter(String name) {
        counters.add(name);
        return "counter name " + name;
    }

    private static void rule(StringBuilder b, String rule) {
        b.append("\t\t").append(rule).append('\n');
    }

    private static void elements(StringBuilder b, List<String> elements) {
        if (elements.isEmpty()) {
            return;
        }
        b.append("\t\telements = {\n");
        for (int i = 0; i < elements.size(); i++) {
            b.append("\t\t\t").append(elements.get(i)).append(i == elements.size() - 1 ? "\n" : ",\n");
        }
        b.append("\t\t}\n");
    }

    private List<String> vips(boolean v4) {
        return t.vipAddresses().stream().filter(a -> (a instanceof Inet4Address) == v4).map(NftRuleset::address).toList();
    }

    /** VIPs as hex integers, for comparing with raw payload loads (nft will not parse an address there). */
    private List<String> vipHex(boolean v4) {
        return t.vipAddresses().stream().filter(a -> (a instanceof Inet4Address) == v4)
                .map(a -> "0x" + HexFormat.of().formatHex(a.getAddress())).toList();
    }

    private String vip(int v) {
        return address(t.vipAddresses().get(v));
    }

    private String vipHex(int v) {
        return "0x" + HexFormat.of().formatHex(t.vipAddresses().get(v).getAddress());
    }

    /** VIP indices of one IP version in address order (not the config's list order). */
    private int[] vipOrder(boolean v4) {
        return IntStream.range(0, t.vipCount()).filter(v -> (t.vipAddresses().get(v) instanceof Inet4Address) == v4).boxed()
                .sorted((x, y) -> compareAddresses(t.vipAddresses().get(x), t.vipAddresses().get(y)))
                .mapToInt(Integer::intValue).toArray();
    }

    /**
     * {@code redirect_tcp_PORT}; a port that is a redirect port on some VIPs only gets the first
     * of them too ({@code redirect_tcp_8080_198_18_0_10}), since another VIP may use it otherwise.
     */
    private String redirectChain(int slot) {
        InetAddress first = firstVip(t.redirectSlotVips(slot));
        return "redirect_tcp_" + t.redirectSlotPort(slot) + (first == null ? "" : "_" + address(first).replaceAll("[.:]", "_"));
    }

    private static InetAddress firstVip(List<InetAddress> vips) {
        return vips.stream().min(NftRuleset::compareAddresses).orElse(null);
    }

    /** IPv4 before IPv6, then by bytes; null (every VIP) first. */
    private static int compareAddresses(InetAddress a, InetAddress b) {
        if (a == null || b == null) {
            return a == null ? (b == null ? 0 : -1) : 1;
        }
        byte[] x = a.getAddress();
        byte[] y = b.getAddress();
        return x.length != y.length ? Integer.compare(x.length, y.length) : Arrays.compareUnsigned(x, y);
    }

    private String serverAddress(int s, int version) {
        byte[] a = new byte[16];
        int len = t.copyServerAddress(s, version, a, 0);
        try {
            return address(InetAddress.getByAddress(Arrays.copyOf(a, len)));
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String address(InetAddress a) {
        return io.portredirect.balancer.config.Addresses.format(a);
    }

    private String groupMembers(short[] table) {
        return Arrays.stream(byName).filter(s -> contains(table, s)).mapToObj(t::serverName)
                .collect(Collectors.joining(", "));
    }

    private static boolean contains(short[] table, int s) {
        for (short v : table) {
            if (v == s) {
                return true;
            }
        }
        return false;
    }

    private static String mac(byte[] mac) {
        return Bytes.mac(mac, 0);
    }

    private static String quote(String s) {
        return '"' + s + '"';
    }

    private static String protoName(int proto) {
        return proto == IpProtocol.TCP ? "tcp" : "udp";
    }

    private static String hex16(int v) {
        return String.format("0x%04x", v);
    }

    private static String hex32(int v) {
        return String.format("0x%08x", v);
    }
}
