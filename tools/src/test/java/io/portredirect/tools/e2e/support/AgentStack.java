package io.portredirect.tools.e2e.support;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The real programs of an agents end-to-end class on an {@link E2eLab}: the balancer in PREFIX-gw,
 * a server agent on each of s1..s3 and named client agents in the client namespace. Started in
 * that order, each kind waited for before the next (the agents' JVMs start side by side):
 *
 * <pre>
 * AgentStack stack = AgentStack.on(lab)
 *         .clientAgent("nocache", 8080, "61000-61999", "0s")
 *         .clientAgent("cached", 8081, "62000-62099", "60s")
 *         .start();
 * </pre>
 *
 * Everything is tracked by the lab, which stops it on close.
 */
public final class AgentStack {
    private final BalancerProcess balancer;
    private final List<ServerAgentProcess> servers;
    private final Map<String, ClientAgentProcess> clients;

    private AgentStack(BalancerProcess balancer, List<ServerAgentProcess> servers, Map<String, ClientAgentProcess> clients) {
        this.balancer = balancer;
        this.servers = List.copyOf(servers);
        this.clients = Map.copyOf(clients);
    }

    /** A stack on {@code lab} with the lab's balancer config and server agents ({@link ServerAgentYaml#forServer}). */
    public static Builder on(E2eLab lab) {
        return new Builder(lab);
    }

    public BalancerProcess balancer() {
        return balancer;
    }

    /** The server agents, index 0 is s1. */
    public List<ServerAgentProcess> servers() {
        return servers;
    }

    /** The server agent of sN (1-based). */
    public ServerAgentProcess server(int n) {
        return servers.get(n - 1);
    }

    public ClientAgentProcess client(String name) {
        ClientAgentProcess c = clients.get(name);
        if (c == null) {
            throw new IllegalArgumentException("no client agent " + name + " in " + clients.keySet());
        }
        return c;
    }

    /** What to start. */
    public static final class Builder {
        private final E2eLab lab;
        private BalancerYaml balancerConfig = BalancerYaml.lab();
        private IntFunction<ServerAgentYaml> serverConfig = ServerAgentYaml::forServer;
        private final Map<String, ClientAgentYaml> clientConfigs = new LinkedHashMap<>();

        private Builder(E2eLab lab) {
            this.lab = lab;
        }

        public Builder balancer(BalancerYaml config) {
            balancerConfig = config;
            return this;
        }

        /** The config of the server agent on sN, for N = 1..3. */
        public Builder serverAgents(IntFunction<ServerAgentYaml> configOfServer) {
            serverConfig = configOfServer;
            return this;
        }

        /** A client agent in the client namespace; started and waited for in the order added. */
        public Builder clientAgent(String name, ClientAgentYaml config) {
            clientConfigs.put(name, config);
            return this;
        }

        /** A lab client agent listening on 127.0.0.1:{@code listenPort}, probing from {@code sourcePorts}, caching for {@code cacheTtl}. */
        public Builder clientAgent(String name, int listenPort, String sourcePorts, String cacheTtl) {
            return clientAgent(name, ClientAgentYaml.builderForLab(listenPort).sourcePorts(sourcePorts).cacheTtl(cacheTtl).build());
        }

        /** Starts the balancer (ready), the server agents (all launched, then awaited), then the client agents likewise. */
        public AgentStack start() throws IOException, InterruptedException {
            BalancerProcess balancer = lab.startBalancer(balancerConfig);
            List<ServerAgentProcess> servers = new ArrayList<>();
            for (int n = 1; n <= 3; n++) {
                servers.add(lab.launchServerAgent(n, serverConfig.apply(n)));
            }
            for (ServerAgentProcess s : servers) {
                s.awaitReady();
            }
            Map<String, ClientAgentProcess> clients = new LinkedHashMap<>();
            for (Map.Entry<String, ClientAgentYaml> c : clientConfigs.entrySet()) {
                clients.put(c.getKey(), lab.launchClientAgent(c.getKey(), "client", c.getValue()));
            }
            for (ClientAgentProcess c : clients.values()) {
                c.awaitReady();
            }
            return new AgentStack(balancer, servers, clients);
        }
    }
}
