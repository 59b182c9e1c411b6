package io.portredirect.balancer.crosscheck;

import io.portredirect.balancer.config.BalancerConfig;
import io.portredirect.balancer.config.ForwardingMode;
import io.portredirect.balancer.config.RedirectPortConfig;
import io.portredirect.balancer.config.ServerConfig;
import io.portredirect.balancer.config.ServicePortRange;
import io.portredirect.protocol.config.TransportProtocol;
import io.portredirect.clientagent.config.AgentConfig;
import io.portredirect.clientagent.config.ListenerConfig;
import io.portredirect.clientagent.intercept.Intercept;
import io.portredirect.protocol.config.TransportProtocol;
import io.portredirect.clientagent.config.VipConfig;
import io.portredirect.protocol.config.ConfigProblem;
import io.portredirect.protocol.config.HostPort;
import io.portredirect.serveragent.config.ServerAgentConfig;
import io.portredirect.serveragent.config.ServicePort;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Where a balancer config and agent configs disagree, each finding a {@link ConfigProblem} naming
 * the file and line to edit and, in the text, the other file. Checked:
 * <ul>
 * <li>a server agent's service port the balancer routes to no server, or its ports routed to two
 *     servers; the addresses the balancer delivers to that server (the VIPs, or an l3 server's own
 *     address) that the agent does not hold;</li>
 * <li>a server agent's redirect port that is no balancer redirect port for its protocols, and a
 *     balancer redirect port a group member's agent does not answer, among the agents given only
 *     (a server whose agent file was not given is not judged);</li>
 * <li>a client agent's VIP that is not the balancer's, its allowed service ports missing ports a
 *     server may confirm (those the server's agent confirms when its file is given, else the
 *     server's service ports in the balancer, for every redirect group member), and a listener
 *     target that is neither a redirect port nor a service port of the balancer.</li>
 * </ul>
 * A server agent is matched to the balancer server its service ports lead to. With per-VIP ports
 * ({@code service-vips}, redirect port {@code vips}) one port may lead to several servers, one per
 * VIP: an agent then belongs to those on the addresses it holds, a server is delivered only the
 * VIPs its ports are on, and a client agent is judged per VIP.
 */
public final class ConfigCrossCheck {
    private final BalancerConfig balancer;
    private final String bf;
    private final List<ConfigProblem> findings = new ArrayList<>();
    /** Server agents by the balancer server they serve (in balancer order). */
    private final Map<String, List<AgentFile.Server>> agentsOfServer = new LinkedHashMap<>();

    private ConfigCrossCheck(BalancerConfig balancer) {
        this.balancer = balancer;
        this.bf = balancer.source();
    }

    /** Every disagreement between {@code balancer} and {@code agents}, server agents first, in file order. */
    public static List<ConfigProblem> check(BalancerConfig balancer, List<AgentFile> agents) {
        ConfigCrossCheck c = new ConfigCrossCheck(balancer);
        for (AgentFile a : agents) {
            if (a instanceof AgentFile.Server s) {
                c.serverAgent(s);
            }
        }
        c.redirectGroupsAnswered();
        for (AgentFile a : agents) {
            if (a instanceof AgentFile.Client ca) {
                c.clientAgent(ca);
            }
        }
        return List.copyOf(c.findings);
    }

    // ---- server agents ----

    private void serverAgent(AgentFile.Server a) {
        ServerAgentConfig c = a.config();
        Set<TransportProtocol> protos = protocols(c);
        Map<String, List<Integer>> portsByServer = new LinkedHashMap<>();
        for (int i = 0; i < c.servicePorts().size(); i++) {
            int port = c.servicePorts().get(i).port();
            Set<TransportProtocol> unrouted = EnumSet.noneOf(TransportProtocol.class);
            for (TransportProtocol p : protos) {
                List<ServerConfig> to = routesHeld(p, port, c.vips());
                if (to.isEmpty()) {
                    unrouted.add(p);
                }
                to.forEach(s -> portsByServer.computeIfAbsent(s.name(), k -> new ArrayList<>()).add(port));
            }
            if (!unrouted.isEmpty()) {
                String key = "service-ports[" + i + "]";
                add(a, key, spell(port, unrouted) + " is not a service port of any balancer server (" + bf + ")");
            }
        }
        if (portsByServer.size() > 1) {
            add(a, "service-ports", "lead to different balancer servers: " + portsByServer.entrySet().stream()
                    .map(e -> e.getKey() + " (" + PortList.compact(new TreeSet<>(e.getValue())) + ")")
                    .collect(Collectors.joining(", ")) + " (" + bf + "); one agent answers for one server");
        }
        ServerConfig server = portsByServer.isEmpty() ? null : server(portsByServer.keySet().iterator().next());
        if (server != null) {
            agentsOfServer.computeIfAbsent(server.name(), k -> new ArrayList<>()).add(a);
            addresses(a, server);
        }
        for (int i = 0; i < c.redirectPorts().size(); i++) {
            int port = c.redirectPorts().get(i);
            Set<TransportProtocol> balancerProtos = EnumSet.noneOf(TransportProtocol.class);
            for (RedirectPortConfig r : balancer.redirectPorts()) {
                if (r.port() == port) {
                    balancerProtos.addAll(r.protocols());
                }
            }
            Set<TransportProtocol> shared = EnumSet.copyOf(protos);
            shared.retainAll(balancerProtos);
            if (shared.isEmpty()) {
                add(a, "redirect-ports[" + i + "]", spell(port, protos) + " is not a redirect port of the balancer ("
                        + bf + (balancerProtos.isEmpty() ? "" : ": only " + spell(port, balancerProtos)) + ")");
            }
        }
    }

    /** The addresses the balancer delivers to {@code server}, which its agent must hold. */
    private void addresses(AgentFile.Server a, ServerConfig server) {
        int k = balancer.serverIndex(server.name());
        boolean l3 = server.mode() == ForwardingMode.L3;
        List<InetAddress> delivered = l3 ? server.ips() : deliveredVips(server);
        List<String> missing = delivered.stream().filter(ip -> !a.config().vips().contains(ip)).map(InetAddress::getHostAddress).toList();
        if (missing.isEmpty()) {
            return;
        }
        String where = l3 ? bf + ":" + balancer.lineOf("servers[" + k + "].ip") : bf + ":" + balancer.lineOf("vips");
        add(a, "vips", "lacks " + String.join(", ", missing) + ": server " + server.name() + " is "
                + server.mode().yamlName() + ", the balancer sends it packets to " + (l3 ? "its own address" : "the VIP")
                + " (" + where + ")");
    }

    /** Balancer side: every redirect port's group members whose agents were given answer it. */
    private void redirectGroupsAnswered() {
        List<RedirectPortConfig> rps = balancer.redirectPorts();
        for (int j = 0; j < rps.size(); j++) {
            RedirectPortConfig r = rps.get(j);
            for (String member : r.group()) {
                List<AgentFile.Server> agents = agentsOfServer.get(member);
                if (agents == null) {
                    continue;
                }
                Set<TransportProtocol> unanswered = EnumSet.noneOf(TransportProtocol.class);
                for (TransportProtocol p : r.protocols()) {
                    if (agents.stream().noneMatch(a -> a.config().redirectPorts().contains(r.port()) && protocols(a.config()).contains(p))) {
                        unanswered.add(p);
                    }
                }
                if (!unanswered.isEmpty()) {
                    String key = "redirect-ports[" + j + "].group";
                    findings.add(new ConfigProblem(bf, lineOrParent(key), key, spell(r.port(), unanswered) + ": member " + member
                            + " has no server agent answering for it (" + agents.stream().map(AgentFile::file)
                            .collect(Collectors.joining(", ")) + ")"));
                }
            }
        }
    }

    // ---- client agents ----

    private void clientAgent(AgentFile.Client a) {
        AgentConfig c = a.config();
        SortedSet<Integer> confirmable;
        for (int i = 0; i < c.vips().size(); i++) {
            VipConfig v = c.vips().get(i);
            if (!balancer.vips().contains(v.address())) {
                add(a, "vips[" + i + "].address", v.address().getHostAddress() + " is not a VIP of the balancer ("
                        + bf + ":" + balancer.lineOf("vips") + ")");
                continue;
            }
            confirmable = confirmable(v.address());
            SortedSet<Integer> refused = confirmable.stream().filter(p -> !v.allows(p)).collect(Collectors.toCollection(TreeSet::new));
            if (!refused.isEmpty()) {
                add(a, "vips[" + i + "].service-ports", "misses " + PortList.compact(refused) + ", service ports of "
                        + String.join(", ", serversOf(refused)) + " (" + bf + "): the agent would refuse a redirect to them");
            }
        }
        for (int i = 0; i < c.listeners().size(); i++) {
            ListenerConfig l = c.listeners().get(i);
            target(a, "listeners[" + i + "].target", l.vip(), l.redirectPort(), l.protocol());
        }
        for (int i = 0; i < c.intercept().targets().size(); i++) {
            Intercept t = c.intercept().targets().get(i);
            target(a, "intercept[" + i + "]", t.vip(), t.port(), t.protocol());
        }
    }

    /** A destination the client agent sends to must be a redirect port (or a service port) of the balancer there. */
    private void target(AgentFile.Client a, String key, InetAddress vip, int port, TransportProtocol protocol) {
        TransportProtocol p = protocol == TransportProtocol.UDP ? TransportProtocol.UDP : TransportProtocol.TCP;
        boolean redirect = balancer.redirectPorts().stream()
                .anyMatch(r -> r.port() == port && r.protocols().contains(p) && r.on(vip));
        if (!redirect && routes(p, port).stream().noneMatch(s -> s.servesOn(vip))) {
            add(a, key, HostPort.format(new InetSocketAddress(vip, port)) + "/" + p.yamlName()
                    + " is neither a redirect port nor a service port of the balancer (" + bf + ")");
        }
    }

    /**
     * Ports a REDIRECT_CONFIRM may name on {@code vip}: of every member of a redirect group there,
     * what its agents confirm (and the balancer routes back to it) when their files were given,
     * else its service ports; only servers whose service ports are on that VIP.
     */
    private SortedSet<Integer> confirmable(InetAddress vip) {
        Set<String> members = new LinkedHashSet<>();
        balancer.redirectPorts().stream().filter(r -> r.on(vip)).forEach(r -> members.addAll(r.group()));
        SortedSet<Integer> ports = new TreeSet<>();
        for (String m : members) {
            ServerConfig s = server(m);
            if (!s.servesOn(vip)) {
                continue;
            }
            List<AgentFile.Server> agents = agentsOfServer.get(m);
            if (agents != null) {
                for (AgentFile.Server a : agents) {
                    for (ServicePort sp : a.config().servicePorts()) {
                        if (s.servicePorts().stream().anyMatch(r -> r.range().contains(sp.port()))) {
                            ports.add(sp.port());
                        }
                    }
                }
            } else {
                for (ServicePortRange r : s.servicePorts()) {
                    for (int p = r.first(); p <= r.last(); p++) {
                        ports.add(p);
                    }
                }
            }
        }
        return ports;
    }

    private List<String> serversOf(SortedSet<Integer> ports) {
        return balancer.servers().stream()
                .filter(s -> s.servicePorts().stream().anyMatch(r -> ports.stream().anyMatch(r.range()::contains)))
                .map(ServerConfig::name).toList();
    }

    // ---- helpers ----

    private List<ServerConfig> routes(TransportProtocol p, int port) {
        return balancer.servers().stream().filter(s -> s.servicePorts().stream().anyMatch(r -> r.contains(p, port))).toList();
    }

    /**
     * The servers {@code protocol/port} leads to, narrowed, when it leads to several (one per VIP),
     * to those reached on an address the agent holds (a VIP its ports are on; an l3 server's own).
     */
    private List<ServerConfig> routesHeld(TransportProtocol p, int port, List<InetAddress> held) {
        List<ServerConfig> all = routes(p, port);
        if (all.size() < 2) {
            return all;
        }
        List<ServerConfig> mine = all.stream().filter(s -> s.mode() == ForwardingMode.L3
                ? s.ips().stream().anyMatch(held::contains)
                : balancer.vips().stream().anyMatch(v -> s.servesOn(v) && held.contains(v))).toList();
        return mine.isEmpty() ? all : mine;
    }

    /**
     * The VIPs the balancer sends an l2/raw server packets to: those its service ports are on and
     * those of redirect ports it is a member or owner of; every VIP when it may get the rest
     * (default or echo server) or when no key narrows its ports.
     */
    private List<InetAddress> deliveredVips(ServerConfig s) {
        if (s.serviceVips().isEmpty() || s.name().equals(balancer.defaultServer())
                || s.name().equals(balancer.policies().echoServer())) {
            return balancer.vips();
        }
        return balancer.vips().stream().filter(v -> s.servesOn(v) || balancer.redirectPorts().stream()
                .anyMatch(r -> r.on(v) && (r.group().contains(s.name()) || s.name().equals(r.owner())))).toList();
    }

    private ServerConfig server(String name) {
        int i = balancer.serverIndex(name);
        return i < 0 ? null : balancer.servers().get(i);
    }

    private static Set<TransportProtocol> protocols(ServerAgentConfig c) {
        Set<TransportProtocol> s = EnumSet.noneOf(TransportProtocol.class);
        if (c.tcp()) {
            s.add(TransportProtocol.TCP);
        }
        if (c.udp()) {
            s.add(TransportProtocol.UDP);
        }
        return s;
    }

    /** {@code 8002} for both transports, {@code 8002/tcp} for one. */
    private static String spell(int port, Set<TransportProtocol> protocols) {
        return protocols.size() == TransportProtocol.values().length ? Integer.toString(port)
                : port + "/" + protocols.stream().map(TransportProtocol::yamlName).collect(Collectors.joining("+"));
    }

    private int lineOrParent(String key) {
        int line = balancer.lineOf(key);
        for (String k = key; line == 0 && k.contains("."); ) {
            k = k.substring(0, k.lastIndexOf('.'));
            line = balancer.lineOf(k);
        }
        return line;
    }

    private void add(AgentFile a, String key, String what) {
        findings.add(new ConfigProblem(a.file(), a.lines().line(key), key, what));
    }
}
