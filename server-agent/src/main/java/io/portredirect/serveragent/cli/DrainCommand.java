package io.portredirect.serveragent.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portredirect.protocol.config.ConfigException;
import io.portredirect.protocol.io.HostSupport;
import io.portredirect.serveragent.config.ConfigLoader;
import io.portredirect.serveragent.config.ServerAgentConfig;
import io.portredirect.serveragent.config.ServicePort;
import io.portredirect.serveragent.drain.Drainer;
import io.portredirect.serveragent.drain.Flow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code drain --to Z}: a one-shot mid-connection redirect of every established flow. */
@Command(name = "drain", mixinStandardHelpOptions = true,
        description = {
            "Sends, on every established connection to this server's service ports, one segment from the server end "
                + "carrying REDIRECT + REDIRECT_OPT=Z (a pure ACK with the flow's own sequence numbers, in window), so "
                + "client agents open new connections on port Z (another service port, or a redirect port to go back "
                + "through the balancer). The connections themselves keep working and finish normally.",
            "A one-shot that needs no running agent: it lists the flows with ss, takes each flow's sequence numbers "
                + "from the next segment its client sends (provoking one from idle clients with an out-of-window "
                + "probe), sends, and reports. Flows on port Z itself are left alone.",
            "Exit 0 when every flow was told (or there were none), 1 when some were not reached in time."
        })
final class DrainCommand implements Callable<Integer> {
    static final Path DEFAULT_CONFIG = Path.of("/etc/portredirect/server-agent.yaml");

    @Option(names = "--to", required = true, paramLabel = "Z", description = "Port the clients should use for new connections.")
    int to;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "Agent configuration for the interface, VIPs and service ports (default: /etc/portredirect/server-agent.yaml when it exists).")
    Path config;

    @Option(names = {"-i", "--interface"}, paramLabel = "IF", description = "Interface the flows use (overrides the configuration).")
    String interfaceName;

    @Option(names = {"-p", "--port"}, paramLabel = "Y", description = "Service port to drain; repeat for several (default: all service ports of the configuration).")
    List<Integer> ports = new ArrayList<>();

    @Option(names = "--vip", paramLabel = "ADDRESS", description = "Only flows to this local address; repeat for several (default: the configuration's VIPs, else any).")
    List<String> vipTexts = new ArrayList<>();

    @Option(names = "--timeout", paramLabel = "MILLIS", defaultValue = "3000", description = "How long to wait for the flows' segments (default ${DEFAULT-VALUE}).")
    long timeoutMillis;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (to < 1 || to > 65535) {
            System.err.println("redirect-server-agent: --to must be a port 1-65535: " + to);
            return 2;
        }
        ServerAgentConfig c = null;
        Path file = config != null ? config : (Files.exists(DEFAULT_CONFIG) ? DEFAULT_CONFIG : null);
        if (file != null) {
            try {
                c = ConfigLoader.load(file);
            } catch (ConfigException e) {
                e.problems().forEach(p -> System.err.println("redirect-server-agent: " + p));
                return 2;
            }
        }
        String ifName = interfaceName != null ? interfaceName : (c != null ? c.interfaceName() : null);
        List<Integer> drainPorts = !ports.isEmpty() ? ports
                : (c != null ? c.servicePorts().stream().map(ServicePort::port).toList() : List.of());
        List<InetAddress> vips = new ArrayList<>();
        for (String v : vipTexts) {
            if (!v.matches("[0-9a-fA-F:.]+")) {
                System.err.println("redirect-server-agent: --vip needs an IP address: " + v);
                return 2;
            }
            vips.add(InetAddress.getByName(v));
        }
        if (vips.isEmpty() && c != null) {
            vips.addAll(c.vips());
        }
        if (ifName == null || drainPorts.isEmpty()) {
            System.err.println("redirect-server-agent: drain needs an interface and service ports: give --config FILE, "
                    + "or --interface IF and --port Y");
            return 2;
        }
        String why = HostSupport.whyNotCapture();
        if (why != null) {
            System.err.println("redirect-server-agent: cannot drain: " + why);
            return 1;
        }
        Drainer.Result r;
        try {
            r = Drainer.drain(ifName, drainPorts, vips, to, Duration.ofMillis(timeoutMillis), ServerAgentCommand::log);
        } catch (IOException e) {
            System.err.println("redirect-server-agent: drain failed: " + e.getMessage());
            return 1;
        }
        print(r, drainPorts);
        return r.missed().isEmpty() ? 0 : 1;
    }

    private void print(Drainer.Result r, List<Integer> drainPorts) {
        if (json) {
            ObjectNode n = new ObjectMapper().createObjectNode();
            n.put("to", r.to()).put("flows", r.flows().size()).put("drained", r.drained().size()).put("missed", r.missed().size());
            ArrayNode list = n.putArray("results");
            for (Flow f : r.flows()) {
                list.addObject().put("client", f.client().getAddress().getHostAddress() + ":" + f.client().getPort())
                        .put("server", f.server().getAddress().getHostAddress() + ":" + f.server().getPort())
                        .put("drained", r.drained().contains(f));
            }
            System.out.println(n.toPrettyString());
            return;
        }
        System.out.println("drain to port " + r.to() + ": " + r.flows().size() + " established flow(s) on " + drainPorts
                + ", " + r.drained().size() + " told to move, " + r.missed().size() + " not reached");
        for (Flow f : r.flows()) {
            System.out.println("  " + f + (r.drained().contains(f) ? "  moved" : "  NOT REACHED"));
        }
    }
}
