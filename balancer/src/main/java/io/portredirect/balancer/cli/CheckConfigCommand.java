package io.portredirect.balancer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.portredirect.balancer.config.BalancerConfig;
import io.portredirect.balancer.config.ConfigDigest;
import io.portredirect.balancer.config.ConfigLoader;
import io.portredirect.balancer.crosscheck.AgentFile;
import io.portredirect.balancer.crosscheck.AgentFiles;
import io.portredirect.balancer.crosscheck.ConfigCrossCheck;
import io.portredirect.balancer.nft.NftRuleset;
import io.portredirect.balancer.table.ForwardingTables;
import io.portredirect.balancer.table.InterfaceMacs;
import io.portredirect.protocol.config.ConfigException;
import io.portredirect.protocol.config.ConfigProblem;
import io.portredirect.protocol.config.LoadedConfig;
import io.portredirect.protocol.packet.IpProtocol;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * {@code check-config FILE [--agent AGENT.yaml]...}: validates a balancer configuration, prints
 * the tables it yields and its digest, and with agent files reports where they disagree with it.
 */
@Command(name = "check-config", mixinStandardHelpOptions = true,
        description = {"Validates a balancer configuration file and prints a summary of the forwarding tables it yields:",
                "servers, their modes and service ports, and for every redirect port the share of the weighted",
                "distribution table each group member holds.",
                "Every problem is reported as FILE:LINE: KEY: what is wrong.",
                "'auto' MACs are read from /sys/class/net when the interface exists here, else a placeholder is shown.",
                "The digest line, 12 hex of SHA-256 of the validated config in a canonical form",
                "(comments, whitespace and key order do not count), is what a replica running",
                "the file exports as portredirect_balancer_config_info{digest}.",
                "",
                "With --agent, also checks that server and client agent configs agree with it:",
                "service and redirect ports, VIPs and the addresses a server agent holds, the",
                "service ports a client agent accepts, listener targets. Each disagreement is",
                "one line FILE:LINE: KEY: what is wrong, naming the other file; exit 2."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:configuration is valid (and the agent configs agree with it)", "1:internal failure",
                "2:invalid or unreadable configuration, configs that disagree, bad usage"})
public final class CheckConfigCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The balancer YAML configuration.")
    Path file;

    @Option(names = "--agent", paramLabel = "AGENT.yaml", description = "A server or client agent config to check against FILE "
            + "(repeatable). Told apart by top-level keys: service-ports makes a server agent config, probe or listeners "
            + "a client agent config. Only the servers whose agent file is given are judged on answering their redirect ports.")
    List<Path> agents = new ArrayList<>();

    @Option(names = "--json", description = "Print the result as JSON (valid, problems, servers, redirect port shares, "
            + "digest; with --agent: agree, disagreements).")
    boolean json;

    /** What {@code --dataplane} prints. */
    enum Dataplane { summary, nft }

    @Option(names = "--dataplane", paramLabel = "KIND", defaultValue = "summary",
            description = {"What to print for a valid configuration: ${COMPLETION-CANDIDATES}.",
                    "summary (default): the table summary above.",
                    "nft: the nftables ruleset of the kernel dataplane, one file for 'nft -f' "
                            + "(table netdev " + NftRuleset.TABLE + ", ingress chains on the network interface "
                            + "and on l3/raw server interfaces, what nft cannot decide forwarded to the Java path pr-java), "
                            + "exactly as run loads it; check it with 'nft -c -f FILE' where the interfaces exist (pr-java too). "
                            + "The same configuration prints the same bytes. "
                            + "Placeholder MACs are named on stderr. --json does not apply."})
    Dataplane dataplane;

    private final Set<String> placeholders = new HashSet<>();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        BalancerConfig config;
        ForwardingTables tables;
        List<ConfigProblem> warnings;
        try {
            LoadedConfig<BalancerConfig> loaded = ConfigLoader.loadWithWarnings(file);
            config = loaded.config();
            warnings = loaded.warnings();
            Function<String, byte[]> sysfs = InterfaceMacs.sysfs();
            Function<String, byte[]> placeholder = InterfaceMacs.placeholder();
            tables = ForwardingTables.build(config, iface -> {
                byte[] m = sysfs.apply(iface);
                if (m == null) {
                    placeholders.add(iface);
                    return placeholder.apply(iface);
                }
                return m;
            });
        } catch (ConfigException e) {
            return invalid(e, out, err);
        }
        if (dataplane == Dataplane.nft) {
            // generation 1: what a first load would install
            out.print(NftRuleset.render(tables, 1, io.portredirect.balancer.nft.NftDataplane.JAVA_PATH));
            if (!placeholders.isEmpty()) {
                err.println("note: 'auto' MACs of interfaces not present on this machine are placeholders: "
                        + String.join(", ", new TreeSet<>(placeholders)));
            }
            out.flush();
            err.flush();
            return 0;
        }
        List<AgentFile> agentFiles = new ArrayList<>();
        for (Path a : agents) {
            try {
                agentFiles.add(AgentFiles.read(a));
            } catch (ConfigException e) {
                return invalid(e, out, err);
            }
        }
        String digest = ConfigDigest.of(config);
        List<ConfigProblem> disagreements = ConfigCrossCheck.check(config, agentFiles);
        int exit = disagreements.isEmpty() ? 0 : 2;
        if (json) {
            Map<String, Object> m = toJson(tables);
            m.put("digest", digest);
            m.put("warnings", warnings.stream().map(ConfigProblem::toString).toList());
            m.put("placeholderMacs", new TreeSet<>(placeholders));
            if (!agents.isEmpty()) {
                m.put("agents", agents.stream().map(Path::toString).toList());
                m.put("agree", disagreements.isEmpty());
                m.put("disagreements", disagreements.stream().map(ConfigProblem::toString).toList());
            }
            out.println(mapper().writeValueAsString(m));
        } else {
            warnings.forEach(w -> err.println("warning: " + w));
            err.flush();
            out.print(tables.summary());
            if (!placeholders.isEmpty()) {
                out.println("note: 'auto' MACs of interfaces not present on this machine are placeholders: "
                        + String.join(", ", new TreeSet<>(placeholders)));
            }
            out.println("digest: " + digest);
            if (agents.isEmpty()) {
                out.println("OK");
            } else if (disagreements.isEmpty()) {
                out.println("configs agree: 1 balancer, " + agents.size() + (agents.size() == 1 ? " agent" : " agents"));
            } else {
                disagreements.forEach(err::println);
                err.println("configs disagree: " + disagreements.size() + (disagreements.size() == 1 ? " finding" : " findings")
                        + " (1 balancer, " + agents.size() + (agents.size() == 1 ? " agent)" : " agents)"));
            }
        }
        out.flush();
        err.flush();
        return exit;
    }

    /** An unreadable or invalid balancer or agent file: every problem, exit 2. */
    private int invalid(ConfigException e, PrintWriter out, PrintWriter err) throws Exception {
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("valid", false);
            m.put("problems", e.problems());
            out.println(mapper().writeValueAsString(m));
        } else {
            e.problems().forEach(err::println);
        }
        out.flush();
        err.flush();
        return 2;
    }

    private static ObjectMapper mapper() {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    static Map<String, Object> toJson(ForwardingTables t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("valid", true);
        m.put("file", t.config().source());
        m.put("vips", t.vips());
        m.put("networkInterface", t.networkInterface());
        m.put("tableSize", t.tableSize());
        List<Map<String, Object>> servers = new ArrayList<>();
        for (int i = 0; i < t.serverCount(); i++) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("name", t.serverName(i));
            s.put("interface", t.serverInterface(i));
            s.put("mode", t.serverMode(i).yamlName());
            s.put("weight", t.config().servers().get(i).weight());
            s.put("servicePorts", t.config().servers().get(i).servicePorts().stream().map(Object::toString).toList());
            // the VIPs they are on, every VIP spelled out (service-vips absent)
            s.put("serviceVips", orEvery(t, t.config().servers().get(i).serviceVips()));
            io.portredirect.balancer.config.HealthCheck h = t.config().servers().get(i).health();
            if (h != null) {
                Map<String, Object> hm = new LinkedHashMap<>();
                hm.put("port", h.port());
                hm.put("intervalMillis", h.interval().toMillis());
                hm.put("timeoutMillis", h.timeout().toMillis());
                hm.put("rise", h.rise());
                hm.put("fall", h.fall());
                hm.put("source", h.source() == null ? null : h.source().getHostAddress());
                s.put("health", hm);
            }
            servers.add(s);
        }
        m.put("servers", servers);
        List<Map<String, Object>> redirects = new ArrayList<>();
        for (int slot = 0; slot < t.redirectSlotCount(); slot++) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("port", t.redirectSlotPort(slot));
            r.put("protocol", IpProtocol.name(t.redirectSlotProtocol(slot)).toLowerCase());
            r.put("vips", orEvery(t, t.redirectSlotVips(slot)));
            int owner = t.redirectOwner(slot);
            r.put("owner", owner < 0 ? null : t.serverName(owner));
            Map<String, Integer> shares = new LinkedHashMap<>();
            int[] sh = t.redirectShares(slot);
            for (int i = 0; i < sh.length; i++) {
                if (sh[i] > 0) {
                    shares.put(t.serverName(i), sh[i]);
                }
            }
            r.put("tableSlots", shares);
            redirects.add(r);
        }
        m.put("redirectPorts", redirects);
        m.put("defaultServer", t.defaultServer() < 0 ? null : t.serverName(t.defaultServer()));
        m.put("policies", t.policies().toString());
        return m;
    }

    private static List<String> orEvery(ForwardingTables t, List<java.net.InetAddress> vips) {
        return vips.isEmpty() ? t.vips() : vips.stream().map(io.portredirect.balancer.config.Addresses::format).toList();
    }
}
