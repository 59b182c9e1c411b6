package io.portredirect.clientagent.intercept;

import io.portredirect.protocol.io.Nft;
import io.portredirect.protocol.io.NftBatch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The nft table of transparent interception, {@code table inet portredirect_intercept}, one per
 * network namespace (a start replaces the table a killed agent left). Pure text, unit-tested.
 *
 * <pre>
 *   output (nat hook, first packet of a connection / UDP flow only):
 *     VIP . port . numgen random mod SLOTS  in  negotiated_{tcp,udp}_vN  -> dnat to VIP:service port  (hit: no agent)
 *     TCP, agent_alive holds "tcp"  and  VIP . port in listeners_vN      -> redirect to the agent's
 *                                                                         loopback listener      (miss)
 *     otherwise                                                          -> VIP:port as it is      (legacy)
 * </pre>
 * The application sees VIP:port as its peer either way (conntrack undoes the NAT on replies). UDP
 * has no miss path: its slots are filled by the agent's own REDIRECT datagrams before and while
 * flows need them, and a datagram sent before the first one is filled goes to VIP:port plainly.
 * {@code negotiated_*} elements carry the time their negotiation stays fresh, so they vanish by
 * themselves; {@code agent_alive} holds one element the agent renews ({@link #aliveRenewal}), so a
 * dead or stopped agent's miss rule stops matching within {@link #ALIVE_TIMEOUT} and connections
 * go to VIP:port plainly instead of to a listener nobody accepts on. Several slots per
 * destination, each filled by a probe from its own source port (so, by the balancer's hash, from
 * a server of its own), spread one client host's connections over the group.
 */
public final class InterceptRuleset {
    /** The table (family inet). */
    public static final String TABLE = "portredirect_intercept";
    public static final String ALIVE_SET = "agent_alive";
    /**
     * DSCP 43 (pool 2, local use): the agent's own upstream connections carry it in their SYN
     * ({@link #TRAFFIC_CLASS} as IP_TOS), so the rules leave them alone; otherwise a fallback to
     * VIP:port itself would be intercepted again, by the agent's own listener.
     */
    public static final int DSCP = 43;
    /** {@link #DSCP} as an IP_TOS / traffic class byte. */
    public static final int TRAFFIC_CLASS = DSCP << 2;
    /** How long the miss path outlives the agent's last renewal. */
    public static final Duration ALIVE_TIMEOUT = Duration.ofSeconds(1);

    private InterceptRuleset() {
    }

    /** One filled slot: new connections picking {@code slot} of {@code intercept} go to its {@code target} port. */
    public record Element(Intercept intercept, int slot, int target, Duration remaining) {
    }

    /**
     * The table body (between the braces), without negotiated elements.
     *
     * @param listeners every intercepted destination and the loopback port of its listener
     * @param slots     numgen modulus: how many negotiated ports a destination spreads over
     */
    public static String body(Map<Intercept, Integer> listeners, int slots) {
        StringBuilder b = new StringBuilder();
        b.append("\t# renewed by the agent; without it the miss path is off and VIP:port goes out as it is\n");
        b.append("\tset ").append(ALIVE_SET).append(" {\n\t\ttype inet_proto\n\t\tflags timeout\n\t\ttimeout ")
                .append(ALIVE_TIMEOUT.toMillis()).append("ms\n\t}\n");
        for (boolean v4 : new boolean[] {true, false}) {
            String v = v4 ? "_v4" : "_v6";
            String family = v4 ? "ip" : "ip6";
            List<String> elements = new ArrayList<>();
            listeners.entrySet().stream().filter(e -> e.getKey().ipv4() == v4)
                    .sorted(Map.Entry.comparingByValue())
                    .forEach(e -> elements.add(address(e.getKey()) + " . " + e.getKey().port() + " : " + e.getValue()));
            b.append("\n\t# intercepted VIP . port -> the agent's loopback listener (the miss path)\n");
            b.append("\tmap listeners").append(v).append(" {\n\t\ttype ").append(v4 ? "ipv4_addr" : "ipv6_addr")
                    .append(" . inet_service : inet_service\n");
            if (!elements.isEmpty()) {
                b.append("\t\telements = { ").append(String.join(", ", elements)).append(" }\n");
            }
            b.append("\t}\n");
            for (String l4 : new String[] {"tcp", "udp"}) {
                b.append("\n\t# VIP . ").append(l4).append(" port . slot -> VIP . negotiated service port, each fresh for its timeout\n");
                b.append("\tmap ").append(negotiatedMap(l4, v4)).append(" {\n\t\ttypeof ").append(family).append(" daddr . ").append(l4)
                        .append(" dport . numgen random mod ").append(slots).append(" : ").append(family).append(" daddr . ").append(l4)
                        .append(" dport\n\t\tflags timeout\n\t}\n");
            }
        }
        b.append("\n\tchain output {\n\t\ttype nat hook output priority -100; policy accept;\n");
        b.append("\t\tip dscp ").append(DSCP).append(" accept\n");
        b.append("\t\tip6 dscp ").append(DSCP).append(" accept\n");
        for (boolean v4 : new boolean[] {true, false}) {
            String family = v4 ? "ip" : "ip6";
            String match = "\t\tmeta nfproto " + (v4 ? "ipv4" : "ipv6") + " meta l4proto ";
            for (String l4 : new String[] {"tcp", "udp"}) {
                b.append(match).append(l4).append(" dnat ").append(family).append(" to ").append(family).append(" daddr . ").append(l4)
                        .append(" dport . numgen random mod ").append(slots).append(" map @").append(negotiatedMap(l4, v4)).append('\n');
            }
            // UDP has no miss path: a datagram goes to VIP:port as it is, nothing waits for a negotiation
            b.append(match).append("tcp meta l4proto @").append(ALIVE_SET).append(" redirect to : ").append(family)
                    .append(" daddr . tcp dport map @listeners").append(v4 ? "_v4" : "_v6").append('\n');
        }
        b.append("\t}");
        return b.toString();
    }

    /**
     * One transaction that replaces every negotiated element with {@code elements}, each with its
     * remaining freshness as its timeout (nft 1.0.6 cannot renew an element's timeout in place), as
     * nft text. The agent sends the same transaction over netlink ({@link #negotiatedUpdate(NftBatch, List)}).
     */
    public static String negotiatedUpdate(List<Element> elements) {
        StringBuilder b = new StringBuilder();
        List<String> items = new ArrayList<>();
        negotiated(elements, new Sink() {
            @Override
            public void map(String map) {
                b.append("flush map inet ").append(TABLE).append(' ').append(map).append('\n');
                items.clear();
            }

            @Override
            public void element(Element e, long timeoutMillis) {
                String vip = address(e.intercept());
                items.add(vip + " . " + e.intercept().port() + " . " + e.slot() + " timeout " + timeoutMillis + "ms : "
                        + vip + " . " + e.target());
            }

            @Override
            public void mapDone(String map) {
                if (!items.isEmpty()) {
                    b.append("add element inet ").append(TABLE).append(' ').append(map).append(" { ").append(String.join(", ", items))
                            .append(" }\n");
                }
            }
        });
        return b.toString();
    }

    /**
     * The same transaction as {@link #negotiatedUpdate(List)} written into {@code batch} (begun,
     * not yet committed): flush each negotiated map, then add its elements with key
     * {@code VIP . port . slot} and value {@code VIP . target}, as nft encodes them.
     */
    public static void negotiatedUpdate(NftBatch batch, List<Element> elements) {
        negotiated(elements, new Sink() {
            private boolean opened;

            @Override
            public void map(String map) {
                batch.flush(TABLE, map);
                opened = false;
            }

            @Override
            public void element(Element e, long timeoutMillis) {
                if (!opened) {
                    batch.add(TABLE, negotiatedMap(e.intercept().udp() ? "udp" : "tcp", e.intercept().ipv4()));
                    opened = true;
                }
                byte[] vip = NftBatch.address(e.intercept().vip());
                batch.element(NftBatch.concat(vip, NftBatch.port(e.intercept().port()), NftBatch.hostU32(e.slot())), timeoutMillis,
                        NftBatch.concat(vip, NftBatch.port(e.target())));
            }

            @Override
            public void mapDone(String map) {
            }
        });
    }

    /** What one negotiated update does, map by map, written once for both encodings. */
    private interface Sink {
        void map(String map);

        void element(Element e, long timeoutMillis);

        void mapDone(String map);
    }

    private static void negotiated(List<Element> elements, Sink sink) {
        for (boolean v4 : new boolean[] {true, false}) {
            for (String l4 : new String[] {"tcp", "udp"}) {
                String map = negotiatedMap(l4, v4);
                sink.map(map);
                for (Element e : elements) {
                    if (e.intercept().ipv4() != v4 || e.intercept().udp() != l4.equals("udp") || e.remaining().toMillis() < 1) {
                        continue;
                    }
                    sink.element(e, e.remaining().toMillis());
                }
                sink.mapDone(map);
            }
        }
    }

    /** The negotiated map of one transport ({@code tcp}, {@code udp}) and IP version. */
    public static String negotiatedMap(String l4, boolean v4) {
        return "negotiated_" + l4 + (v4 ? "_v4" : "_v6");
    }

    private static String address(Intercept i) {
        return i.vip().getHostAddress().replaceAll("%.*$", "");
    }

    /** Renews the alive element ({@link Nft#renewalScript}); the agent does the same over netlink ({@code NftNetlink#renew}). */
    public static String aliveRenewal() {
        return Nft.renewalScript(TABLE, ALIVE_SET, "tcp");
    }
}
