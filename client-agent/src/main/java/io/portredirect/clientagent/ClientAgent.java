package io.portredirect.clientagent;

import io.portredirect.clientagent.config.AgentConfig;
import io.portredirect.clientagent.config.ListenerConfig;
import io.portredirect.clientagent.relay.SpliceLoops;
import io.portredirect.clientagent.relay.TcpRelay;
import io.portredirect.clientagent.relay.UdpRelay;
import io.portredirect.clientagent.relay.UpstreamConnector;
import io.portredirect.clientagent.stats.AgentStats;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
