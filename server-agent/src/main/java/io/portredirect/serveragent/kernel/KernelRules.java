package io.portredirect.serveragent.kernel;

import io.portredirect.protocol.io.Nft;
import io.portredirect.protocol.wire.RedirectWire;
import io.portredirect.serveragent.config.ServerAgentConfig;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The nft rules that keep the kernel from answering SYNs the agent answers: in the input hook,
 * before the usual filters, drop a SYN to a VIP's redirect port that carries the redirect option
 * (kind 253, ExID 0x5244, a valid length 5 or 7). The capture sees the SYN before netfilter, so
 * the agent still gets it.
 *
 * <p>Matching the option, rather than every SYN to the redirect port, leaves legacy clients to the
 * kernel: they reach whatever listens on the redirect port (the application, or the agent's
 * legacy-proxy-to), exactly as without the agent. Trade-offs: nft finds the first kind-253 option
 * only, so a SYN that carries another RFC 6994 experiment before ours also gets a kernel SYN-ACK
 * (the client agent keeps the one that confirms); a SYN with our option but without the REDIRECT
 * flag is dropped unanswered (nft 1.0.6 cannot list a bitwise test on a raw option).
 *
 * <p>The drop is a lease: it matches only while set {@value #ALIVE_SET} holds its one element
 * ({@code tcp}), which expires {@code guard-timeout} after it was last added. The agent re-adds it
 * every quarter of that ({@link #refreshScript}, sent over netlink); an agent killed by SIGKILL stops refreshing, the
 * element expires and the kernel answers REDIRECT SYNs again (RST or a plain SYN-ACK), so clients
 * fall back instead of waiting on a blackhole until the agent restarts. Checked by hand on nft 1.0.6 /
 * kernel 6.18: a plain {@code add element} of an existing element keeps its old expiry, hence the
 * add/delete/add transaction; once the refreshes stop, a SYN to a closed port gets its RST within
 * the timeout.
 *
 * <p>UDP: the kernel never answers a datagram, so only the empty ones that carry a surplus area
 * (the client agent's own REDIRECT datagram in transparent mode) are dropped, so the application
 * on the redirect port does not receive them; the capture has answered them already.
 */
public final class KernelRules {
    /** The set whose element keeps the drop rule alive. */
    public static final String ALIVE_SET = "agent_alive";

    private KernelRules() {
    }

    /**
     * Renews the lease in one nft transaction ({@link Nft#renewalScript}) as text; the agent sends the
     * same transaction over netlink ({@code NftNetlink#renew}).
     */
    public static String refreshScript(String table) {
        return Nft.renewalScript(table, ALIVE_SET, "tcp");
    }

    /** The body of table {@code inet <nft-table>}. */
    public static String render(ServerAgentConfig c) {
        String ports = c.redirectPorts().stream().map(String::valueOf).collect(Collectors.joining(", "));
        List<InetAddress> v4 = c.vips().stream().filter(a -> a instanceof Inet4Address).toList();
        List<InetAddress> v6 = c.vips().stream().filter(a -> !(a instanceof Inet4Address)).toList();
        String option = "tcp option @" + RedirectWire.TCP_OPTION_KIND + ",8,8 { " + RedirectWire.LENGTH_FLAGS_ONLY + ", "
                + RedirectWire.LENGTH_WITH_PORT + " } tcp option @" + RedirectWire.TCP_OPTION_KIND + ",16,16 "
                + String.format("0x%04x", RedirectWire.EXID);
        StringBuilder sb = new StringBuilder();
        sb.append("  set ").append(ALIVE_SET).append(" {\n");
        sb.append("    type inet_proto\n");
        sb.append("    timeout ").append(c.guardTimeoutMillis()).append("ms\n");
        sb.append("    elements = { tcp }\n");
        sb.append("  }\n");
        sb.append("  chain input {\n");
        sb.append("    type filter hook input priority filter - 10; policy accept;\n");
        if (c.tcp()) {
            if (!v4.isEmpty()) {
                sb.append("    meta l4proto @" + ALIVE_SET + " ip daddr { ").append(join(v4)).append(" } tcp dport { ").append(ports)
                        .append(" } tcp flags & (fin | syn | rst | ack) == syn ").append(option)
                        .append(" counter drop comment \"REDIRECT SYN: answered by redirect-server-agent\"\n");
            }
            if (!v6.isEmpty()) {
                sb.append("    meta l4proto @" + ALIVE_SET + " ip6 daddr { ").append(join(v6)).append(" } tcp dport { ").append(ports)
                        .append(" } tcp flags & (fin | syn | rst | ack) == syn ").append(option)
                        .append(" counter drop comment \"REDIRECT SYN: answered by redirect-server-agent\"\n");
            }
        }
        if (c.udp()) {
            // a client agent in transparent mode negotiates with an empty datagram of its own: the
            // capture answers it, the application on the redirect port need not see it (not leased:
            // dropped or not, a dead agent sends no notice)
            String empty = " udp dport { " + ports + " } udp length 8 counter drop comment \"empty REDIRECT datagram: a client agent's probe\"\n";
            if (!v4.isEmpty()) {
                sb.append("    ip daddr { ").append(join(v4)).append(" } ip hdrlength 5 ip length > 28").append(empty);
            }
            if (!v6.isEmpty()) {
                sb.append("    ip6 daddr { ").append(join(v6)).append(" } ip6 nexthdr udp ip6 length > 8").append(empty);
            }
        }
        sb.append("  }\n");
        return sb.toString();
    }

    private static String join(List<InetAddress> a) {
        return a.stream().map(InetAddress::getHostAddress).collect(Collectors.joining(", "));
    }
}
