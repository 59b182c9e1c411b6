package io.portredirect.clientagent;

import io.portredirect.clientagent.config.AgentConfig;
import io.portredirect.clientagent.config.ListenerConfig;
import io.portredirect.clientagent.config.ListenerProtocol;
import io.portredirect.clientagent.intercept.Intercept;
import io.portredirect.clientagent.intercept.InterceptRuleset;
import io.portredirect.clientagent.intercept.Interceptor;
import io.portredirect.clientagent.relay.SpliceLoops;
import io.portredirect.clientagent.relay.TcpRelay;
import io.portredirect.clientagent.relay.UdpRelay;
import io.portredirect.clientagent.relay.UpstreamConnector;
import io.portredirect.clientagent.stats.AgentStats;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The client agent: a {@link ClientRuntime} plus one relay per configured listener. Each accepted
 * connection is negotiated (or served from the cache), reopened by the kernel on VIP:service-port
 * and spliced; UDP clients are relayed per session.
 */
public final class ClientAgent implements AutoCloseable {
    // longer than the kernel's own SYN retries (1, 3, 7 s): a connect started while a balancer
    // restarts must get the same chance a direct connect would
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);
    private static final int CONNECTOR_THREADS = 64;

    private final ClientRuntime runtime;
    private final SpliceLoops splicers;
    private final ThreadPoolExecutor connectors;
    private final List<AutoCloseable> relays = new ArrayList<>();

    private ClientAgent(ClientRuntime runtime, SpliceLoops splicers, ThreadPoolExecutor connectors) {
        this.runtime = runtime;
        this.splicers = splicers;
        this.connectors = connectors;
    }

    public static ClientAgent start(AgentConfig config, AgentStats stats) throws IOException {
        ClientRuntime runtime = ClientRuntime.start(config, stats);
        ClientAgent agent = null;
        try {
            SpliceLoops splicers = new SpliceLoops(Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())),
                    SpliceLoops.DEFAULT_BUFFER, stats);
            ThreadPoolExecutor connectors = new ThreadPoolExecutor(CONNECTOR_THREADS, CONNECTOR_THREADS, 30, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), r -> {
                        Thread t = new Thread(r, "connect");
                        t.setDaemon(true);
                        return t;
                    });
            connectors.allowCoreThreadTimeOut(true);
            agent = new ClientAgent(runtime, splicers, connectors);
            UpstreamConnector connector = new UpstreamConnector(runtime.resolver(), stats, CONNECT_TIMEOUT);
            Duration noticeWait = config.probe().timeout().multipliedBy((1L << (config.probe().retries() + 1)) - 1);
            for (ListenerConfig l : config.listeners()) {
                switch (l.protocol()) {
                    case TCP -> agent.relays.add(new TcpRelay(l, connector, runtime.flows(), splicers, connectors, stats).start());
                    case UDP -> {
                        UdpRelay u = new UdpRelay(l, runtime.resolver(), runtime.link(), config.fallback(), noticeWait,
                                config.udpIdle(), runtime.mtu(), stats).start();
                        runtime.dispatcher().addUdpHandler(u);
                        agent.relays.add(u);
                    }
                }
            }
            if (config.intercept().enabled()) {
                agent.intercept(config, stats, connectors, splicers);
            }
            return agent;
        } catch (IOException | RuntimeException e) {
            if (agent != null) {
                agent.close();
            } else {
                runtime.close();
            }
            throw e;
        }
    }

    /**
     * Transparent interception: a loopback listener per destination for the kernel's misses (its
     * upstream connections marked so the rules skip them), then the table and its slots. The
     * interceptor closes first, so connections go plain before the listeners stop.
     */
    private void intercept(AgentConfig config, AgentStats stats, ThreadPoolExecutor connectors, SpliceLoops splicers) throws IOException {
        UpstreamConnector marked = new UpstreamConnector(runtime.resolver(), stats, CONNECT_TIMEOUT, InterceptRuleset.TRAFFIC_CLASS);
        Map<Intercept, Integer> ports = new LinkedHashMap<>();
        for (Intercept i : config.intercept().targets()) {
            InetAddress loopback = InetAddress.getByName(i.ipv4() ? "127.0.0.1" : "::1");
            TcpRelay r = new TcpRelay(new ListenerConfig(ListenerProtocol.TCP, new InetSocketAddress(loopback, 0), i.vip(), i.port()),
                    marked, runtime.flows(), splicers, connectors, stats).start();
            relays.add(r);
            ports.put(i, r.localAddress().getPort());
        }
        relays.add(0, Interceptor.start(config.intercept(), config.cacheTtl(), runtime.prober(), ports));
    }

    public ClientRuntime runtime() {
        return runtime;
    }

    /** Stops accepting, resets the spliced connections, removes the probe guard. */
    @Override
    public void close() {
        for (AutoCloseable r : relays) {
            try {
                r.close();
            } catch (Exception e) {
                // keep closing the rest
            }
        }
        connectors.shutdownNow();
        splicers.close();
        runtime.close();
    }
}
