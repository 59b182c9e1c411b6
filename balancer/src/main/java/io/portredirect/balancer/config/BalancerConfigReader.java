package io.portredirect.balancer.config;

import io.portredirect.protocol.config.ConfigException;
import io.portredirect.protocol.config.ConfigMapping;
import io.portredirect.protocol.config.ConfigReader;
import io.portredirect.protocol.config.LoadedConfig;
import io.portredirect.protocol.config.YamlNode;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a balancer YAML tree section by section (the schema is {@code testdata/balancer/sample.yaml})
 * into the immutable config. Each section reports its problems to one {@link ConfigReader}, so
 * {@code check-config} lists them all.
 */
final class BalancerConfigReader {
    private BalancerConfigReader() {
    }

    static LoadedConfig<BalancerConfig> read(ConfigReader reader, YamlNode tree) throws ConfigException {
        ConfigMapping root = reader.root(tree, "vips, network, servers, ...")
                .keys("vips", "network", "servers", "redirect-ports", "default-server", "policies", "table", "metrics");
        List<InetAddress> vips = VipsSection.read(root);
        NetworkConfig network = NetworkSection.read(root);
        ServerNames names = new ServerNames();
        PortClaims claims = new PortClaims(vips);
        List<ServerConfig> servers = ServersSection.read(root, vips, names, claims);
        List<RedirectPortConfig> redirects = RedirectPortsSection.read(root, vips, names, claims);
        String defaultServer = PoliciesSection.defaultServer(root, names);
        Policies policies = PoliciesSection.read(root, names, defaultServer);
        int tableSize = TableSection.read(root, servers.size());
        String listen = MetricsSection.read(root);
        reader.finish();
        Map<String, Integer> lines = new HashMap<>();
        recordLines(tree, "", lines);
        return new LoadedConfig<>(new BalancerConfig(reader.file(), vips, network, servers, redirects, defaultServer, policies,
                tableSize, listen, lines), reader.warnings());
    }

    /** Lines by key path in the new spelling, for problems found after loading (e.g. an auto MAC not found). */
    private static void recordLines(YamlNode n, String path, Map<String, Integer> lines) {
        if (n.isMap()) {
            for (YamlNode.Entry e : n.entries().values()) {
                String key = e.key().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
                String p = path.isEmpty() ? key : path + "." + key;
                lines.put(p, e.keyLine());
                recordLines(e.value(), p, lines);
            }
        } else if (n.isList()) {
            for (int i = 0; i < n.items().size(); i++) {
                String p = path + "[" + i + "]";
                lines.put(p, n.items().get(i).line());
                recordLines(n.items().get(i), p, lines);
            }
        }
    }
}
