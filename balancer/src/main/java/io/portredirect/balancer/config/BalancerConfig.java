package io.portredirect.balancer.config;

import io.portredirect.protocol.config.ConfigException;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;

/**
 * A validated balancer configuration (see {@code testdata/balancer/sample.yaml} for every key).
 * Immutable; {@link ConfigLoader} is the only way to get one, so holding one means the file was
 * valid. Keeps the source line of every key so later steps (resolving {@code auto} MACs) can still
 * point at the file.
 */
public final class BalancerConfig {
    private final String source;
    private final List<InetAddress> vips;
    private final NetworkConfig network;
    private final List<ServerConfig> servers;
    private final List<RedirectPortConfig> redirectPorts;
    private final String defaultServer;
    private final Policies policies;
    private final int tableSize;
    private final String metricsListen;
    private final Map<String, Integer> lines;

    BalancerConfig(String source, List<InetAddress> vips, NetworkConfig network, List<ServerConfig> servers,
                   List<RedirectPortConfig> redirectPorts, String defaultServer, Policies policies, int tableSize,
                   String metricsListen, Map<String, Integer> lines) {
        this.source = source;
        this.vips = List.copyOf(vips);
        this.network = network;
        this.servers = List.copyOf(servers);
        this.redirectPorts = List.copyOf(redirectPorts);
        this.defaultServer = defaultServer;
        this.policies = policies;
        this.tableSize = tableSize;
        this.metricsListen = metricsListen;
        this.lines = Map.copyOf(lines);
    }

    /** The file name the configuration was read from. */
    public String source() {
        return source;
    }

    public List<InetAddress> vips() {
        return vips;
    }

    public NetworkConfig network() {
        return network;
    }

    public List<ServerConfig> servers() {
        return servers;
    }

    public List<RedirectPortConfig> redirectPorts() {
        return redirectPorts;
    }

    /**
     * True when some ports are narrowed to some VIPs ({@code service-vips} of a server or
     * {@code vips} of a redirect port); else every port applies to every VIP.
     */
    public boolean perVip() {
        return servers.stream().anyMatch(s -> !s.serviceVips().isEmpty()) || redirectPorts.stream().anyMatch(r -> !r.vips().isEmpty());
    }

    /** Name of the default server, or null. */
    public String defaultServer() {
        return defaultServer;
    }

    public Policies policies() {
        return policies;
    }

    /** Prime size of every weighted distribution table. */
    public int tableSize() {
        return tableSize;
    }

    /** {@code host:port} for the Prometheus endpoint, or null when metrics are off. */
    public String metricsListen() {
        return metricsListen;
    }

    /** Source line of a key path such as {@code network.mac}, or 0 when the key is not in the file. */
    public int lineOf(String key) {
        return lines.getOrDefault(key, 0);
    }

    /** A problem found after validation (e.g. an {@code auto} MAC that cannot be resolved). */
    public ConfigException problem(String key, String what) {
        int line = lineOf(key);
        for (String k = key; line == 0 && k.contains("."); ) {
            k = k.substring(0, k.lastIndexOf('.'));
            line = lineOf(k);
        }
        return new ConfigException(source, line, key, what);
    }

    /** Index of the server with this name, or -1. */
    public int serverIndex(String name) {
        for (int i = 0; i < servers.size(); i++) {
            if (servers.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }
}
