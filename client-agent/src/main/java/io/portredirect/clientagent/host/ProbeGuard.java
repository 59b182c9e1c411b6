package io.portredirect.clientagent.host;

import io.portredirect.protocol.config.PortRange;
import io.portredirect.protocol.io.LocalPortReservation;
import io.portredirect.protocol.io.Nft;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Keeps the kernel out of the agent's probes while the agent runs: the probe port range is
 * reserved (no local connect(2) picks it as a source port) and an nft table drops TCP from the VIPs
 * to that range in the input hook, so the kernel never answers a probe's SYN-ACK with its own RST
 * (the capture has already seen the packet; capture taps sit before netfilter). Both are removed by
 * {@link #close()} and, should the JVM be told to stop (SIGTERM), by the io package's shutdown hooks.
 */
public final class ProbeGuard implements AutoCloseable {
    /** Prefix of the agent's nft tables; the pid makes several agents in one namespace coexist. */
    public static final String TABLE_PREFIX = "redirect_client_";

    private final LocalPortReservation reservation;
    private final Nft nft;

    private ProbeGuard(LocalPortReservation reservation, Nft nft) {
        this.reservation = reservation;
        this.nft = nft;
    }

    public static ProbeGuard install(PortRange probePorts, List<InetAddress> vips) throws IOException {
        LocalPortReservation r = LocalPortReservation.reserve(probePorts.first(), probePorts.last());
        try {
            Nft n = Nft.install(TABLE_PREFIX + ProcessHandle.current().pid(), rules(probePorts, vips));
            return new ProbeGuard(r, n);
        } catch (IOException | RuntimeException e) {
            r.close();
            throw e;
        }
    }

    /** The table body: one input chain, one drop rule per address family present. */
    public static String rules(PortRange probePorts, List<InetAddress> vips) {
        String range = probePorts.first() == probePorts.last() ? Integer.toString(probePorts.first())
                : probePorts.first() + "-" + probePorts.last();
        String v4 = vips.stream().filter(a -> a instanceof Inet4Address).map(InetAddress::getHostAddress).collect(Collectors.joining(", "));
        String v6 = vips.stream().filter(a -> !(a instanceof Inet4Address)).map(InetAddress::getHostAddress).collect(Collectors.joining(", "));
        StringBuilder sb = new StringBuilder();
        sb.append("  chain probe_answers {\n");
        // before the conntrack-based filter chains: the kernel must not even see these
        sb.append("    type filter hook input priority -150; policy accept;\n");
        if (!v4.isEmpty()) {
            sb.append("    ip saddr { ").append(v4).append(" } tcp dport ").append(range).append(" counter drop\n");
        }
        if (!v6.isEmpty()) {
            sb.append("    ip6 saddr { ").append(v6).append(" } tcp dport ").append(range).append(" counter drop\n");
        }
        sb.append("  }");
        return sb.toString();
    }

    public String table() {
        return nft.table();
    }

    /** The table with its counters, for diagnostics. */
    public String listRules() throws IOException {
        return nft.list();
    }

    @Override
    public void close() {
        nft.close();
        reservation.close();
    }
}
