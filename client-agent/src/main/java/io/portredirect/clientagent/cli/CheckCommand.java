package io.portredirect.clientagent.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.portredirect.clientagent.config.AgentConfig;
import io.portredirect.clientagent.config.ConfigDigest;
import io.portredirect.clientagent.config.ConfigLoader;
import io.portredirect.clientagent.config.ListenerConfig;
import io.portredirect.clientagent.config.VipConfig;
import io.portredirect.clientagent.host.ProbeGuard;
import io.portredirect.protocol.config.ConfigException;
import io.portredirect.protocol.config.HostPort;
import io.portredirect.protocol.config.LoadedConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code check}: validates a configuration and prints what the agent would do, without touching the host. */
@Command(name = "check", mixinStandardHelpOptions = true, versionProvider = ClientAgentCommand.Version.class,
        description = {"Validate a configuration file and print the effective settings, the capture filter and the "
                + "nft rules the agent would install. Changes nothing on the host.",
            "Exit status 0 when the file is valid, 2 when it is not (each error is printed as FILE:LINE: KEY: problem)."})
final class CheckCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "YAML configuration file.")
    Path config;

    @Option(names = "--json", description = "Print the effective configuration as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        AgentConfig c;
        try {
            LoadedConfig<AgentConfig> loaded = ConfigLoader.loadWithWarnings(config);
            loaded.warnings().forEach(w -> System.err.println("warning: " + w));
            c = loaded.config();
        } catch (ConfigException e) {
            e.problems().forEach(p -> System.err.println("error: " + p));
            return 2;
        }
        List<java.net.InetAddress> vips = c.vips().stream().map(VipConfig::address).toList();
        String filter = io.portredirect.clientagent.probe.CaptureFilter.build(vips, c.probe().sourcePorts());
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("interface", c.probe().iface());
            m.put("probe_ports", c.probe().sourcePorts().toString());
            m.put("timeout_ms", c.probe().timeout().toMillis());
            m.put("retries", c.probe().retries());
            m.put("cache_ttl_ms", c.cacheTtl().toMillis());
            m.put("fallback", c.fallback().name().toLowerCase());
            m.put("max_chain", c.maxChain());
            m.put("vips", c.vips().stream().map(v -> Map.of("address", v.address().getHostAddress(),
                    "service_ports", v.servicePorts().stream().map(Object::toString).toList())).toList());
            m.put("listeners", c.listeners().stream().map(ListenerConfig::toString).toList());
            m.put("capture_filter", filter);
            m.put("digest", ConfigDigest.of(c));
            System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m));
            return 0;
        }
        System.out.println(config + ": ok");
        System.out.println("probe interface " + c.probe().iface() + ", source ports " + c.probe().sourcePorts()
                + ", timeout " + c.probe().timeout().toMillis() + " ms x" + (c.probe().retries() + 1) + " (doubling)");
        System.out.println("cache ttl " + c.cacheTtl().toMillis() + " ms, fallback " + c.fallback().name().toLowerCase()
                + ", max chain " + c.maxChain());
        for (VipConfig v : c.vips()) {
            System.out.println("vip " + v.address().getHostAddress() + " service ports " + v.servicePorts());
        }
        for (ListenerConfig l : c.listeners()) {
            System.out.println("listener " + l + " (listen " + HostPort.format(l.listen()) + ")");
        }
        // what the running agent exports as portredirect_client_agent_config_info{digest}
        System.out.println("digest: " + ConfigDigest.of(c));
        System.out.println("capture filter: " + filter);
        System.out.println("nft table " + ProbeGuard.TABLE_PREFIX + "<pid>:\n" + ProbeGuard.rules(c.probe().sourcePorts(), vips));
        return 0;
    }
}
