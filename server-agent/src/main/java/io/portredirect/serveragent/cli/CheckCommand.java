package io.portredirect.serveragent.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portredirect.protocol.config.ConfigException;
import io.portredirect.protocol.config.LoadedConfig;
import io.portredirect.serveragent.agent.ServerAgent;
import io.portredirect.serveragent.config.ConfigDigest;
import io.portredirect.serveragent.config.ConfigLoader;
import io.portredirect.serveragent.config.ServerAgentConfig;
import io.portredirect.serveragent.kernel.KernelRules;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code check}: validates a configuration and shows what the agent would install. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {
            "Validates the configuration without touching the host and prints the nft table and capture filter the "
                + "agent would use. Exit 0 when valid, 2 with FILE:LINE: KEY: problem for every error. Deprecated key spellings are warnings."
        })
final class CheckCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "YAML configuration.")
    Path config;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        ServerAgentConfig c;
        LoadedConfig<ServerAgentConfig> loaded;
        try {
            loaded = ConfigLoader.loadWithWarnings(config);
            c = loaded.config();
        } catch (ConfigException e) {
            if (json) {
                ObjectNode n = new ObjectMapper().createObjectNode();
                n.put("valid", false).put("file", String.valueOf(e.file())).put("key", e.key()).put("line", e.line())
                        .put("error", e.getMessage());
                e.problems().forEach(p -> n.withArray("problems").add(p));
                System.out.println(n.toPrettyString());
            } else {
                e.problems().forEach(p -> System.err.println("redirect-server-agent: " + p));
            }
            return 2;
        }
        if (!json) {
            loaded.warnings().forEach(w -> System.err.println("redirect-server-agent: warning: " + w));
        }
        String nft = c.tcp() ? "table inet " + c.nftTable() + " {\n" + KernelRules.render(c) + "}\n" : "";
        String filter = ServerAgent.captureFilter(c);
        if (json) {
            ObjectMapper m = new ObjectMapper();
            ObjectNode n = m.createObjectNode();
            loaded.warnings().forEach(w -> n.withArray("warnings").add(w.toString()));
            n.put("valid", true).put("interface", c.interfaceName()).put("policy", c.policy().configName());
            c.vips().forEach(v -> n.withArray("vips").add(v.getHostAddress()));
            c.redirectPorts().forEach(p -> n.withArray("redirectPorts").add(p));
            c.servicePorts().forEach(sp -> {
                ObjectNode s = n.withArray("servicePorts").addObject().put("port", sp.port()).put("tcp", sp.tcp()).put("udp", sp.udp());
                if (sp.proxied()) {
                    s.put("proxyTo", sp.proxyTo().getAddress().getHostAddress() + ":" + sp.proxyTo().getPort());
                }
            });
            n.put("nft", nft).put("captureFilter", filter).put("digest", ConfigDigest.of(c));
            System.out.println(n.toPrettyString());
        } else {
            System.out.println("configuration " + config + " is valid");
            System.out.println("interface " + c.interfaceName() + ", vips "
                    + String.join(", ", c.vips().stream().map(InetAddress::getHostAddress).toList())
                    + ", redirect ports " + c.redirectPorts() + ", service ports " + c.servicePorts().stream()
                    .map(sp -> sp.port() + sp.protocolSuffix() + (sp.proxied() ? " -> " + sp.proxyTo() : "")).toList()
                    + ", policy " + c.policy().configName());
            // what the running agent exports as portredirect_server_agent_config_info{digest}
            System.out.println("digest: " + ConfigDigest.of(c));
            System.out.println("capture filter: " + filter);
            System.out.print(nft);
        }
        return 0;
    }
}
