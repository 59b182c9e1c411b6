package io.portredirect.clientagent;

import io.portredirect.clientagent.config.AgentConfig;
import io.portredirect.clientagent.config.ListenerConfig;
import io.portredirect.clientagent.config.NegativeCacheConfig;
import io.portredirect.clientagent.config.VipConfig;
import io.portredirect.clientagent.host.KernelNextHops;
import io.portredirect.clientagent.host.ProbeGuard;
import io.portredirect.clientagent.negotiate.FlowRegistry;
import io.portredirect.clientagent.negotiate.MidFlowWatcher;
import io.portredirect.clientagent.negotiate.NegativeCache;
import io.portredirect.clientagent.negotiate.RedirectCache;
import io.portredirect.clientagent.negotiate.Prober;
import io.portredirect.clientagent.negotiate.Resolver;
import io.portredirect.clientagent.negotiate.VipPolicy;
import io.portredirect.clientagent.probe.CaptureDispatcher;
import io.portredirect.clientagent.probe.CaptureFilter;
import io.portredirect.clientagent.probe.ProbeEngine;
import io.portredirect.clientagent.probe.ProbeLink;
import io.portredirect.clientagent.probe.RawProbeLink;
import io.portredirect.clientagent.stats.AgentStats;
import io.portredirect.protocol.io.HostSupport;
import io.portredirect.protocol.io.RawPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The client side's live machinery, shared by the agent and by applications that embed it: the
 * probe guard (reserved ports + nft drop), the capture on the probe interface, the probe loop, the
 * negotiation engine, the cache and the resolver. Start it once, close it once.
 */
public final class ClientRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClientRuntime.class);
    /** Next hops cached: the VIPs' (answers from other sources never reach the agent). */
    private static final int NEXT_HOP_CACHE = 256;

    private final AgentConfig config;
    private final AgentStats stats;
    private final ProbeGuard guard;
    private final RawPort port;
    private final ScheduledExecutorService loop;
    private final ExecutorService completions;
    private final ProbeLink link;
    private final ProbeEngine engine;
    private final Resolver resolver;
    private final FlowRegistry flows;
    private final CaptureDispatcher dispatcher;
    private final int mtu;

    private ClientRuntime(AgentConfig config, AgentStats stats, ProbeGuard guard, RawPort port, ScheduledExecutorService loop,
                          ExecutorService completions, ProbeLink link, ProbeEngine engine, Resolver resolver, FlowRegistry flows,
                          CaptureDispatcher dispatcher, int mtu) {
        this.config = config;
        this.stats = stats;
        this.guard = guard;
        this.port = port;
        this.loop = loop;
        this.completions = completions;
        this.link = link;
        this.engine = engine;
        this.resolver = resolver;
        this.flows = flows;
        this.dispatcher = dispatcher;
        this.mtu = mtu;
    }

    /**
     * Checks the host, installs the probe guard, opens the capture and starts the probe loop.
     *
     * @throws IOException with one clear sentence when the host cannot run the agent
     */
    public static ClientRuntime start(AgentConfig config, AgentStats stats) throws IOException {
        String why = HostSupport.whyNot();
        if (why != null) {
            throw new IOException(why);
        }
        String iface = config.probe().iface();
        int mtu = interfaceMtu(iface);
        List<InetAddress> vips = config.vips().stream().map(VipConfig::address).toList();
        Map<InetAddress, VipPolicy> policies = policies(config);

        ProbeGuard guard = ProbeGuard.install(config.probe().sourcePorts(), vips);
        RawPort port = null;
        ScheduledExecutorService loop = null;
        ExecutorService completions = null;
        try {
            port = RawPort.open(iface, CaptureFilter.build(vips, config.probe().sourcePorts()), RawPort.Direction.IN);
            loop = Executors.newSingleThreadScheduledExecutor(daemon("probe-loop"));
            completions = Executors.newCachedThreadPool(daemon("probe-done"));
            ProbeLink link = new RawProbeLink(port, new KernelNextHops(Duration.ofSeconds(30), NEXT_HOP_CACHE));
            RedirectCache cache = new RedirectCache(config.cacheTtl());
            NegativeCacheConfig nc = config.negativeCache();
            NegativeCache failed = new NegativeCache(nc.initial(), nc.max(), nc.size(), System::nanoTime);
            ProbeEngine engine = new ProbeEngine(config.probe(), policies, link, loop, completions, stats, mtu, failed);
            Resolver resolver = new Resolver(cache, engine, policies, config.fallback(), config.maxChain(), stats, failed);
            FlowRegistry flows = new FlowRegistry();
            MidFlowWatcher watcher = new MidFlowWatcher(flows, resolver, stats, MidFlowWatcher.kernelReceiveBufferMax());
            CaptureDispatcher dispatcher = new CaptureDispatcher(loop, port.linkType() == RawPort.LinkType.ETHERNET, engine, watcher, stats);
            port.start(dispatcher);
            LOG.info("probing on {} (mtu {}) from ports {}, nft table {}", iface, mtu, config.probe().sourcePorts(), guard.table());
            return new ClientRuntime(config, stats, guard, port, loop, completions, link, engine, resolver, flows, dispatcher, mtu);
        } catch (IOException | RuntimeException e) {
            if (port != null) {
                port.close();
            }
            if (loop != null) {
                loop.shutdownNow();
            }
            if (completions != null) {
                completions.shutdownNow();
            }
            guard.close();
            throw e;
        }
    }

    /** One policy per VIP: its service ports, and its redirect ports (from the listeners) as chain hops. */
    public static Map<InetAddress, VipPolicy> policies(AgentConfig config) {
        Map<InetAddress, Set<Integer>> redirectPorts = new HashMap<>();
        for (ListenerConfig l : config.listeners()) {
            redirectPorts.computeIfAbsent(l.vip(), k -> new HashSet<>()).add(l.redirectPort());
        }
        Map<InetAddress, VipPolicy> out = new HashMap<>();
        for (VipConfig v : config.vips()) {
            out.put(v.address(), new VipPolicy(v, redirectPorts.getOrDefault(v.address(), Set.of())));
        }
        return out;
    }

    static int interfaceMtu(String iface) throws IOException {
        java.net.NetworkInterface ni = java.net.NetworkInterface.getByName(iface);
        if (ni == null) {
            throw new IOException("probe interface " + iface + " does not exist here");
        }
        int mtu = ni.getMTU();
        return mtu > 0 ? mtu : 1500;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    public AgentConfig config() {
        return config;
    }

    public AgentStats stats() {
        return stats;
    }

    public Resolver resolver() {
        return resolver;
    }

    public FlowRegistry flows() {
        return flows;
    }

    public ProbeLink link() {
        return link;
    }

    /** The probe engine: one probe from a fresh source port per call. */
    public Prober prober() {
        return engine;
    }

    public CaptureDispatcher dispatcher() {
        return dispatcher;
    }

    public int mtu() {
        return mtu;
    }

    public String nftTable() {
        return guard.table();
    }

    /** Stops the capture and the probe loop, removes the nft table and the port reservation. */
    @Override
    public void close() {
        port.close();
        engine.close();
        loop.shutdownNow();
        // graceful: the outcomes engine.close() just queued must still reach their callers
        completions.shutdown();
        try {
            loop.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        guard.close();
        LOG.info("probe guard removed (nft table {}, ports {})", guard.table(), config.probe().sourcePorts());
    }
}
