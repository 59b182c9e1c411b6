package io.portredirect.balancer.metrics;

import io.portredirect.balancer.decide.DropReason;
import io.portredirect.balancer.decide.Rule;
import io.portredirect.balancer.nft.NftRuleset;
import io.portredirect.protocol.metrics.MetricRegistry;
import io.portredirect.protocol.packet.IpProtocol;
import io.portredirect.protocol.packet.ParseError;
import io.portredirect.protocol.wire.MalformedReason;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToLongFunction;

/**
 * Every counter of the balancer, shared by all I/O threads: {@link LongAdder}s (no contention
 * between the two directions' threads, no allocation once a cell exists). Per-server and
 * per-redirect-port counters are registered by name when tables are bound, never per packet, and
 * keep counting across reloads. {@link #register} exposes them through the shared metrics registry.
 */
public final class BalancerCounters {
    private static final String P = "portredirect_balancer_";

    private final LongAdder[] drops = adders(DropReason.values().length);
    private final LongAdder[] decisions = adders(Rule.values().length);
    private final LongAdder[] malformed = adders(MalformedReason.values().length);
    private final LongAdder[] parseErrors = adders(ParseError.values().length);
    private final LongAdder fromNetwork = new LongAdder();
    private final LongAdder fromServers = new LongAdder();
    private final Map<String, ServerCounters> servers = new ConcurrentHashMap<>();
    private final Map<String, RedirectPortCounters> redirects = new ConcurrentHashMap<>();
    /** Packets of a named counter of the kernel dataplane (0 without one): added to the same families. */
    private volatile ToLongFunction<String> kernel = name -> 0;

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    /** Counters of a server (created on first use; call when binding tables, not per packet). */
    public ServerCounters server(String name) {
        return servers.computeIfAbsent(name, ServerCounters::new);
    }

    /** Counters of a redirect port, by IP protocol number (6 or 17): labelled "tcp" or "udp". */
    public RedirectPortCounters redirectPort(int port, int protocolNumber) {
        return redirectPort(port, IpProtocol.name(protocolNumber).toLowerCase(Locale.ROOT));
    }

    /** Counters of a redirect port; {@code protocol} is "tcp" or "udp". */
    public RedirectPortCounters redirectPort(int port, String protocol) {
        return redirects.computeIfAbsent(protocol + "/" + port, k -> new RedirectPortCounters(port, protocol));
    }

    /**
     * Adds the kernel dataplane's counts to the families a user reads: {@code rule_<rule>} to
     * decisions, {@code drop_<reason>} to drops, {@code fwd_<server>} to a server's to_server
     * packets. One metric per fact, whichever dataplane moved the packet.
     */
    public void kernel(ToLongFunction<String> packetsByCounterName) {
        kernel = packetsByCounterName;
    }

    // ---- hot path ----

    public void countDrop(int dropReasonOrdinal) {
        drops[dropReasonOrdinal].increment();
    }

    public void countDecision(int ruleOrdinal) {
        decisions[ruleOrdinal].increment();
    }

    public void countMalformed(MalformedReason r) {
        malformed[r.ordinal()].increment();
    }

    public void countParseError(ParseError e) {
        parseErrors[e.ordinal()].increment();
    }

    /** One frame received from the network side. */
    public void countNetworkFrame() {
        fromNetwork.increment();
    }

    /** One frame received from a server side. */
    public void countServerFrame() {
        fromServers.increment();
    }

    // ---- reading ----

    public long drops(DropReason r) {
        return drops[r.ordinal()].sum();
    }

    public long totalDrops() {
        long s = 0;
        for (LongAdder a : drops) {
            s += a.sum();
        }
        return s;
    }

    public long decisions(Rule r) {
        return decisions[r.ordinal()].sum();
    }

    public long malformed(MalformedReason r) {
        return malformed[r.ordinal()].sum();
    }

    public long parseErrors(ParseError e) {
        return parseErrors[e.ordinal()].sum();
    }

    public long networkFrames() {
        return fromNetwork.sum();
    }

    public long serverFrames() {
        return fromServers.sum();
    }

    /** Packets forwarded to the named server (0 when unknown). */
    public long serverPackets(String name) {
        ServerCounters c = servers.get(name);
        return c == null ? 0 : c.packets();
    }

    public long serverBytes(String name) {
        ServerCounters c = servers.get(name);
        return c == null ? 0 : c.bytes();
    }

    public long returnPackets(String name) {
        ServerCounters c = servers.get(name);
        return c == null ? 0 : c.returnPackets();
    }

    public long returnBytes(String name) {
        ServerCounters c = servers.get(name);
        return c == null ? 0 : c.returnBytes();
    }

    /** Negotiations hashed on a redirect port; {@code protocol} "tcp" or "udp". */
    public long negotiations(int port, String protocol) {
        RedirectPortCounters c = redirects.get(protocol + "/" + port);
        return c == null ? 0 : c.negotiations();
    }

    public Collection<ServerCounters> servers() {
        return List.copyOf(servers.values());
    }

    public Collection<RedirectPortCounters> redirectPorts() {
        return List.copyOf(redirects.values());
    }

    /** Exposes every counter through {@code metrics}, read at scrape time. */
    public void register(MetricRegistry metrics) {
        metrics.counter(P + "frames", "Frames received, by side (kernel dataplane: the frames nft decided itself, "
                + "plus what the Java path read).", List.of("side"), out -> {
                    ToLongFunction<String> k = kernel;
                    long kernelNetwork = k.applyAsLong("pass_not_vip");
                    for (Rule r : Rule.values()) {
                        if (r != Rule.RETURN && r != Rule.PASS) {
                            kernelNetwork += k.applyAsLong("rule_" + r.name().toLowerCase(Locale.ROOT));
                        }
                    }
                    for (DropReason d : DropReason.values()) {
                        kernelNetwork += k.applyAsLong("drop_" + d.name().toLowerCase(Locale.ROOT));
                    }
                    out.sample(fromNetwork.sum() + kernelNetwork, "network");
                    out.sample(fromServers.sum() + k.applyAsLong("rule_return"), "server");
                });
        metrics.counter(P + "server_packets", "Packets forwarded to a server (to_server) and from it to the network (to_network).",
                List.of("server", "direction"), out -> {
                    ToLongFunction<String> k = kernel;
                    for (ServerCounters c : servers.values()) {
                        out.sample(c.packets() + k.applyAsLong("fwd_" + c.name()), c.name(), "to_server");
                        out.sample(c.returnPackets() + k.applyAsLong("return_" + c.name()), c.name(), "to_network");
                    }
                });
        metrics.counter(P + "server_bytes", "Frame bytes forwarded to a server and from it to the network.",
                List.of("server", "direction"), out -> {
                    for (ServerCounters c : servers.values()) {
                        out.sample(c.bytes(), c.name(), "to_server");
                        out.sample(c.returnBytes(), c.name(), "to_network");
                    }
                });
        metrics.counter(P + "redirect_negotiations", "Packets carrying REDIRECT to a redirect port, hashed over its group (rule 2).",
                List.of("port", "protocol"), out -> {
                    ToLongFunction<String> k = kernel;
                    for (RedirectPortCounters c : redirects.values()) {
                        out.sample(c.negotiations() + k.applyAsLong(NftRuleset.negotiationCounter(c.protocol(), c.port())),
                                Integer.toString(c.port()), c.protocol());
                    }
                });
        byEnum(metrics, "decisions", "Verdicts by the rule that produced them.", "rule", Rule.values(), decisions, "rule_");
        byEnum(metrics, "drops", "Dropped packets by reason (kernel dataplane: not_vip counts what nft left to the host "
                + "kernel, as the pcap dataplane leaves it the kernel's own copy).", "reason", DropReason.values(), drops, "drop_");
        byEnum(metrics, "malformed_options", "Malformed redirect options (treated as absent), by reason.", "reason",
                MalformedReason.values(), malformed, null);
        byEnum(metrics, "parse_errors", "Frames whose headers did not parse, by error.", "error", ParseError.values(), parseErrors, null);
    }

    /** A counter labelled by an enum's lower-case names, one adder per constant. */
    private void byEnum(MetricRegistry metrics, String name, String help, String label, Enum<?>[] keys, LongAdder[] adders,
                        String kernelPrefix) {
        String[] values = new String[keys.length];
        String[] kernelNames = new String[keys.length];
        for (int i = 0; i < keys.length; i++) {
            values[i] = keys[i].name().toLowerCase(Locale.ROOT);
            kernelNames[i] = kernelPrefix == null ? null : keys[i] == DropReason.NOT_VIP ? "pass_not_vip" : kernelPrefix + values[i];
        }
        metrics.counter(P + name, help, List.of(label), out -> {
            ToLongFunction<String> k = kernel;
            for (int i = 0; i < values.length; i++) {
                out.sample(adders[i].sum() + (kernelNames[i] == null ? 0 : k.applyAsLong(kernelNames[i])), values[i]);
            }
        });
    }
}
