package io.portredirect.clientagent;

import io.portredirect.clientagent.config.AgentConfig;
import io.portredirect.clientagent.config.ListenerConfig;
import io.portredirect.protocol.config.TransportProtocol;
import io.portredirect.clientagent.intercept.Intercept;
import io.portredirect.clientagent.intercept.InterceptRuleset;
import io.portredirect.clientagent.intercept.Interceptor;
import io.portredirect.clientagent.probe.UdpProbe;
import io.portredirect.clientagent.relay.SpliceLoops;
import io.portredirect.clientagent.relay.TcpRelay;
import io.portredirect.clientagent.relay.TcpSplicer;
import io.portredirect.clientagent.relay.UdpRelay;
import io.portredirect.clientagent.stats.AgentStats;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The client agent: a {@link ClientRuntime} plus one relay per configured listener. Each accepted
 * connection is negotiated (or served from the cache), reopened by the kernel on VIP:service-port
 * and spliced by the {@link TcpSplicer} on one of the event loops (one per core); UDP clients are
 * relayed per session.
 */
public final class ClientAgent implements AutoCloseable {
    // longer than the kernel's own SYN retries (1, 3, 7 s): a connect started while a balancer
    // restarts must get the same chance a direct connect would
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);
    /** Threads resolving cache misses at once (each waits at most for ARP; probes themselves are asynchronous). */
    private static final int NEGOTIATION_THREADS = 16;

    private final ClientRuntime runtime;
    private final SpliceLoops splicers;
    private final ThreadPoolExecutor negotiations;
    private final TcpSplicer splicer;
    private final List<AutoCloseable> relays = new ArrayList<>();

    private ClientAgent(ClientRuntime runtime, SpliceLoops splicers, ThreadPoolExecutor negotiations, TcpSplicer splicer) {
        this.runtime = runtime;
        this.splicers = splicers;
        this.negotiations = negotiations;
        this.splicer = splicer;
    }

    public static ClientAgent start(AgentConfig config, AgentStats stats) throws IOException {
        ClientRuntime runtime = ClientRuntime.start(config, stats);
        ClientAgent agent = null;
        try {
            SpliceLoops splicers = new SpliceLoops(SpliceLoops.defaultThreads(), SpliceLoops.DEFAULT_BUFFER, config.idleTimeout(), stats);
            // a miss past the pool's size runs in the caller (the accept thread): slower, never lost
            ThreadPoolExecutor negotiations = new ThreadPoolExecutor(0, NEGOTIATION_THREADS, 30, TimeUnit.SECONDS,
                    new SynchronousQueue<>(), r -> {
                        Thread t = new Thread(r, "negotiate");
                        t.setDaemon(true);
                        return t;
                    }, new ThreadPoolExecutor.CallerRunsPolicy());
            TcpSplicer splicer = new TcpSplicer(runtime.resolver(), runtime.flows(), splicers, negotiations, CONNECT_TIMEOUT, stats);
            agent = new ClientAgent(runtime, splicers, negotiations, splicer);
            Duration noticeWait = config.probe().timeout().multipliedBy((1L << (config.probe().retries() + 1)) - 1);
            for (ListenerConfig l : config.listeners()) {
                switch (l.protocol()) {
                    case TCP -> agent.relays.add(new TcpRelay(l, splicer).start());
                    case UDP -> {
                        UdpRelay u = new UdpRelay(l, runtime.resolver(), runtime.link(), config.fallback(), noticeWait,
                                config.udpIdle(), runtime.mtu(), stats).start();
                        runtime.dispatcher().addUdpHandler(u);
                        agent.relays.add(u);
                    }
                }
            }
            if (config.intercept().enabled()) {
                agent.intercept(config, stats, negotiations, splicers);
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
     * Transparent interception: a loopback listener per TCP destination for the kernel's misses (its
     * upstream connections marked so the rules skip them), the UDP probe for UDP destinations, then
     * the table and its slots. The
     * interceptor closes first, so connections go plain before the listeners stop.
     */
    private void intercept(AgentConfig config, AgentStats stats, ThreadPoolExecutor negotiations, SpliceLoops splicers) throws IOException {
        TcpSplicer marked = new TcpSplicer(runtime.resolver(), runtime.flows(), splicers, negotiations, CONNECT_TIMEOUT, stats,
                InterceptRuleset.TRAFFIC_CLASS);
        Map<Intercept, Integer> ports = new LinkedHashMap<>();
        boolean udp = false;
        for (Intercept i : config.intercept().targets()) {
            if (i.udp()) {
                udp = true;
                continue;
            }
            InetAddress loopback = InetAddress.getByName(i.ipv4() ? "127.0.0.1" : "::1");
            TcpRelay r = new TcpRelay(new ListenerConfig(TransportProtocol.TCP, new InetSocketAddress(loopback, 0), i.vip(), i.port()),
                    marked).start();
            relays.add(r);
            ports.put(i, r.localAddress().getPort());
        }
        UdpProbe udpProbe = null;
        if (udp) {
            udpProbe = new UdpProbe(runtime.link(), config.probe().sourcePorts(), runtime.resolver()::policy, config.probe().timeout(), config.probe().retries(), stats);
            runtime.dispatcher().addUdpHandler(udpProbe);
            relays.add(udpProbe);
        }
        relays.add(0, Interceptor.start(config.intercept(), config.cacheTtl(), runtime.prober(), udpProbe, ports));
    }

    public ClientRuntime runtime() {
        return runtime;
    }

    /** The relay's entry point, for connections accepted elsewhere whose destination is known. */
    public TcpSplicer splicer() {
        return splicer;
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
        negotiations.shutdownNow();
        splicers.close();
        runtime.close();
    }
}
