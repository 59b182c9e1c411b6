package io.portredirect.balancer.metrics;

import io.portredirect.balancer.decide.DropReason;
import io.portredirect.balancer.decide.Rule;
import io.portredirect.protocol.packet.ParseError;
import io.portredirect.protocol.wire.MalformedReason;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Every counter of the balancer, shared by all I/O threads: {@link LongAdder}s (no contention
 * between the two directions' threads, no allocation once a cell exists). Per-server and
 * per-redirect-port counters are registered by name when tables are bound, never per packet, and
 * keep counting across reloads. {@link #writePrometheus} renders the text exposition format 0.0.4.
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

    /** Counters of a redirect port; {@code protocol} is "tcp" or "udp". */
    public RedirectPortCounters redirectPort(int port, String protocol) {
        return redirects.computeIfAbsent(protocol + "/" + port, k -> new RedirectPortCounters(port, protocol));
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

    /** Writes every counter in the Prometheus text format (version 0.0.4). */
    public void writePrometheus(Appendable out) throws IOException {
        header(out, "frames_total", "Frames received, by side.");
        sample(out, "frames_total", "side", "network", fromNetwork.sum());
        sample(out, "frames_total", "side", "server", fromServers.sum());

        List<ServerCounters> s = new ArrayList<>(servers.values());
        s.sort((a, b) -> a.name().compareTo(b.name()));
        header(out, "server_packets_total", "Packets forwarded to a server (to_server) and from it to the network (to_network).");
        for (ServerCounters c : s) {
            sample2(out, "server_packets_total", "server", c.name(), "direction", "to_server", c.packets());
            sample2(out, "server_packets_total", "server", c.name(), "direction", "to_network", c.returnPackets());
        }
        header(out, "server_bytes_total", "Frame bytes forwarded to a server and from it to the network.");
        for (ServerCounters c : s) {
            sample2(out, "server_bytes_total", "server", c.name(), "direction", "to_server", c.bytes());
            sample2(out, "server_bytes_total", "server", c.name(), "direction", "to_network", c.returnBytes());
        }

        List<RedirectPortCounters> r = new ArrayList<>(redirects.values());
        r.sort((a, b) -> a.port() != b.port() ? Integer.compare(a.port(), b.port()) : a.protocol().compareTo(b.protocol()));
        header(out, "redirect_negotiations_total", "Packets carrying REDIRECT to a redirect port, hashed over its group (rule 2).");
        for (RedirectPortCounters c : r) {
            sample2(out, "redirect_negotiations_total", "port", Integer.toString(c.port()), "protocol", c.protocol(), c.negotiations());
        }

        header(out, "decisions_total", "Verdicts by the rule that produced them.");
        for (Rule x : Rule.values()) {
            sample(out, "decisions_total", "rule", lower(x.name()), decisions[x.ordinal()].sum());
        }
        header(out, "drops_total", "Dropped packets by reason.");
        for (DropReason x : DropReason.values()) {
            sample(out, "drops_total", "reason", lower(x.name()), drops[x.ordinal()].sum());
        }
        header(out, "malformed_options_total", "Malformed redirect options (treated as absent), by reason.");
        for (MalformedReason x : MalformedReason.values()) {
            sample(out, "malformed_options_total", "reason", lower(x.name()), malformed[x.ordinal()].sum());
        }
        header(out, "parse_errors_total", "Frames whose headers did not parse, by error.");
        for (ParseError x : ParseError.values()) {
            sample(out, "parse_errors_total", "error", lower(x.name()), parseErrors[x.ordinal()].sum());
        }
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    private static void header(Appendable out, String name, String help) throws IOException {
        out.append("# HELP ").append(P).append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(P).append(name).append(" counter\n");
    }

    private static void sample(Appendable out, String name, String label, String value, long v) throws IOException {
        out.append(P).append(name).append('{').append(label).append("=\"").append(escape(value)).append("\"} ")
                .append(Long.toString(v)).append('\n');
    }

    private static void sample2(Appendable out, String name, String l1, String v1, String l2, String v2, long v) throws IOException {
        out.append(P).append(name).append('{').append(l1).append("=\"").append(escape(v1)).append("\",").append(l2).append("=\"")
                .append(escape(v2)).append("\"} ").append(Long.toString(v)).append('\n');
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
