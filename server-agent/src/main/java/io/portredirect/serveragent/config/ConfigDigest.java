package io.portredirect.serveragent.config;

import io.portredirect.protocol.config.ConfigDigests;
import io.portredirect.protocol.config.HostPort;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The server agent's config digest ({@code portredirect_server_agent_config_info{digest}}): 12 hex
 * of SHA-256 of the validated config rendered one {@code key=value} line per setting, defaults
 * filled in, so comments, layout and key order in the file do not change it (see
 * {@link ConfigDigests}).
 */
public final class ConfigDigest {
    private ConfigDigest() {
    }

    public static String of(ServerAgentConfig c) {
        return ConfigDigests.digest(canonical(c));
    }

    /** One line per setting in a fixed order; legacy proxies sorted by port (their map has no order). */
    public static String canonical(ServerAgentConfig c) {
        Map<Integer, String> legacy = new TreeMap<>();
        c.legacyProxies().forEach((port, to) -> legacy.put(port, HostPort.format(to)));
        return "interface=" + c.interfaceName() + "\n"
                + "vips=" + addresses(c.vips()) + "\n"
                + "redirect-ports=" + c.redirectPorts().stream().map(p -> legacy.containsKey(p) ? p + ">" + legacy.get(p) : p.toString())
                        .collect(Collectors.joining(",")) + "\n"
                + "service-ports=" + c.servicePorts().stream().map(s -> (s.proxied() ? s.port() + ">" + HostPort.format(s.proxyTo())
                        : Integer.toString(s.port())) + s.protocolSuffix()).collect(Collectors.joining(",")) + "\n"
                + "policy=" + c.policy().name().toLowerCase() + "\n"
                + "protocols=" + (c.tcp() ? "tcp" : "") + (c.tcp() && c.udp() ? "+" : "") + (c.udp() ? "udp" : "") + "\n"
                + "refresh-ms=" + c.refreshMillis() + "\n"
                + "all-full=" + c.allFull().name().toLowerCase() + "\n"
                + "mss=" + c.mss() + "\n"
                + "nft-table=" + c.nftTable() + "\n"
                + "reserve-local-ports=" + c.reserveLocalPorts() + "\n"
                + "proxy-backlog=" + c.proxyBacklog() + "\n"
                + "stats-interval-s=" + c.statsSeconds() + "\n"
                + "absorb-udp=" + c.absorbUdp() + "\n"
                + "guard-timeout-ms=" + c.guardTimeoutMillis() + "\n";
    }

    private static String addresses(List<InetAddress> list) {
        return list.stream().map(InetAddress::getHostAddress).collect(Collectors.joining(","));
    }
}
