package io.portredirect.serveragent.agent;

import io.portredirect.protocol.io.HostCommand;
import io.portredirect.protocol.io.RawPort;
import io.portredirect.protocol.log.EventLog;
import io.portredirect.protocol.metrics.MetricRegistry;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.serveragent.config.ConfigDigest;
import io.portredirect.serveragent.config.SelectionPolicy;
import io.portredirect.serveragent.config.ServerAgentConfig;
import io.portredirect.serveragent.config.ServicePort;
import io.portredirect.serveragent.kernel.KernelGuard;
import io.portredirect.serveragent.proxy.TcpProxy;
import io.portredirect.serveragent.reply.RedirectResponder;
import io.portredirect.serveragent.reply.SynCookie;
import io.portredirect.serveragent.select.LoadCache;
import io.portredirect.serveragent.select.NetlinkSocketLoadReader;
import io.portredirect.serveragent.select.PortSelector;
import io.portredirect.serveragent.select.RoundRobinSelector;
import io.portredirect.serveragent.select.SocketLoad;
import io.portredirect.serveragent.select.SocketLoadReader;
import io.portredirect.serveragent.select.SsSocketLoadReader;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The running server agent: kernel guard (nft, reserved ports, UDP absorbers), optional proxies,
 * the socket-load cache for the policies, and the capture on the interface whose frames go
 * through {@link RedirectResponder}; answers leave by the same interface.
 */
public final class ServerAgent implements AutoCloseable {
    private final ServerAgentConfig config;
    private final Consumer<String> log;
    private final Counters counters = new Counters();
    private final List<AutoCloseable> parts = new ArrayList<>();
    private final ThreadLocal<ParsedPacket> parsed = ThreadLocal.withInitial(ParsedPacket::new);
    private RawPort port;
    private RedirectResponder responder;
    private KernelGuard guard;
    private TcpProxy proxy;

    private ServerAgent(ServerAgentConfig config, Consumer<String> log) {
        this.config = config;
        this.log = log;
    }

    /** Starts everything; on failure stops what started and throws. */
    public static ServerAgent start(ServerAgentConfig c, Consumer<String> log) throws IOException {
        ServerAgent a = new ServerAgent(c, log);
        try {
            a.startParts();
            return a;
        } catch (IOException | RuntimeException e) {
            a.close();
            throw e;
        }
    }

    private void startParts() throws IOException {
        guard = KernelGuard.apply(config, log);
        parts.add(guard);
        if (config.servicePorts().stream().anyMatch(ServicePort::proxied) || !config.legacyProxies().isEmpty()) {
            proxy = new TcpProxy(log);
            parts.add(proxy);
            for (ServicePort sp : config.servicePorts()) {
                if (sp.proxied()) {
                    proxy.add(new InetSocketAddress(sp.port()), sp.proxyTo(), config.proxyBacklog());
                }
            }
            for (var e : config.legacyProxies().entrySet()) {
                proxy.add(new InetSocketAddress(e.getKey()), e.getValue(), config.proxyBacklog());
            }
            proxy.start();
        }
        // TCP answers name TCP service ports (with their queues for the policies), UDP notices UDP ones
        int[] service = config.tcpServicePorts().stream().mapToInt(ServicePort::port).toArray();
        int[] queue = queuePorts(config);
        int[] udpService = config.udpServicePorts().stream().mapToInt(ServicePort::port).toArray();
        Set<Integer> watched = new LinkedHashSet<>();
        for (int i = 0; i < service.length; i++) {
            watched.add(service[i]);
            watched.add(queue[i]);
        }
        // round robin reads no kernel state: no refresh timer at all
        Supplier<SocketLoad> load = () -> SocketLoad.UNKNOWN;
        if (config.policy() != SelectionPolicy.ROUND_ROBIN) {
            LoadCache cache = new LoadCache(socketLoadReader(config.policy() == SelectionPolicy.LEAST_CONNECTIONS),
                    List.copyOf(watched), log).start(config.refreshMillis());
            parts.add(cache);
            load = cache;
        }
        // an empty list only where the config turned that transport off (the loader checks)
        PortSelector tcpSelector = service.length == 0 ? () -> PortSelector.NONE : PortSelector.of(config.policy(), service, queue, load);
        PortSelector udpSelector = udpService.length == 0 ? () -> PortSelector.NONE : new RoundRobinSelector(udpService);
        int mtu = mtu(config.interfaceName());
        int mss4 = config.mss() != 0 ? config.mss() : mtu - 40;
        int mss6 = config.mss() != 0 ? config.mss() : mtu - 60;
        responder = new RedirectResponder(config.vips(), config.redirectPorts(), tcpSelector, udpSelector,
                SynCookie.random(), mss4, mss6, config.tcp(), config.udp(), config.allFull());
        port = RawPort.open(config.interfaceName(), captureFilter(config), RawPort.Direction.IN);
        parts.add(port);
        port.start(this::onFrame);
        if (config.statsSeconds() > 0) {
            ScheduledExecutorService stats = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "stats");
                t.setDaemon(true);
                return t;
            });
            stats.scheduleAtFixedRate(() -> EventLog.infoPairs("stats", statsLine()), config.statsSeconds(), config.statsSeconds(), TimeUnit.SECONDS);
            parts.add(stats::shutdownNow);
        }
    }

    /**
     * The policies' kernel reader: inet_diag over netlink (no process per refresh); where that
     * socket cannot be opened, {@code ss} forked every refresh, with one warning.
     */
    private SocketLoadReader socketLoadReader(boolean established) {
        try {
            NetlinkSocketLoadReader r = NetlinkSocketLoadReader.open(established);
            parts.add(r);
            return r;
        } catch (IOException e) {
            EventLog.warn("socket_load_reader", "reader", "ss", "reason", e.getMessage());
            return new SsSocketLoadReader();
        }
    }

    /**
     * The capture filter: TCP SYNs and RSTs and UDP datagrams to a VIP's redirect port. For IPv6,
     * libpcap cannot index TCP flags, so every TCP segment to the port is captured and the
     * responder sorts them.
     */
    public static String captureFilter(ServerAgentConfig c) {
        String hosts = c.vips().stream().map(InetAddress::getHostAddress).collect(Collectors.joining(" or "));
        String ports = c.redirectPorts().stream().map(String::valueOf).collect(Collectors.joining(" or "));
        List<String> parts = new ArrayList<>();
        if (c.tcp()) {
            parts.add("(tcp dst port (" + ports + ") and (ip6 or tcp[tcpflags] & (tcp-syn|tcp-rst) != 0))");
        }
        if (c.udp()) {
            parts.add("(udp dst port (" + ports + "))");
        }
        return "dst host (" + hosts + ") and (" + String.join(" or ", parts) + ")";
    }

    /** Per service port, the port whose listen queue shows its load: a local proxy target's, else its own. */
    static int[] queuePorts(ServerAgentConfig c) {
        return c.tcpServicePorts().stream().mapToInt(sp -> sp.proxied() && isLocal(sp.proxyTo().getAddress())
                ? sp.proxyTo().getPort() : sp.port()).toArray();
    }

    private static boolean isLocal(InetAddress a) {
        if (a.isLoopbackAddress() || a.isAnyLocalAddress()) {
            return true;
        }
        try {
            return NetworkInterface.getByInetAddress(a) != null;
        } catch (SocketException e) {
            return false;
        }
    }

    private static int mtu(String ifName) {
        try {
            String out = HostCommand.run(List.of("ip", "-o", "link", "show", "dev", ifName));
            String[] t = out.trim().split("\\s+");
            for (int i = 0; i + 1 < t.length; i++) {
                if (t[i].equals("mtu")) {
                    return Integer.parseInt(t[i + 1]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        return 1500;
    }

    private void onFrame(byte[] frame, int length) {
        ParsedPacket p = port.parse(frame, length, parsed.get());
        RedirectResponder.Reply r = responder.respond(p);
        counters.count(r.verdict(), r.servicePort());
        if (r.frame() != null) {
            try {
                port.send(r.frame());
            } catch (IOException e) {
                counters.sendError();
            }
        }
    }

    public Counters counters() {
        return counters;
    }

    /** Exposes the agent's counters (read at scrape time) and its config digest through {@code metrics}. */
    public void register(MetricRegistry metrics) {
        ServerAgentMetrics.register(metrics, counters, config.servicePortNumbers(), () -> guard, () -> proxy);
        ServerAgentMetrics.registerConfig(metrics, ConfigDigest.of(config));
    }

    /** The counters as {@code key=value} pairs for the stats event. */
    public String statsLine() {
        String verdicts = counters.snapshot().entrySet().stream()
                .map(e -> e.getKey().name().toLowerCase() + "=" + e.getValue()).collect(Collectors.joining(" "));
        String named = config.servicePorts().stream().map(sp -> sp.port() + ":" + counters.named(sp.port()))
                .collect(Collectors.joining(","));
        return (verdicts.isEmpty() ? "packets=0" : verdicts) + " named=" + named
                + (counters.sendErrors() > 0 ? " send_errors=" + counters.sendErrors() : "")
                + (guard != null && config.udp() ? " udp_absorbed=" + guard.absorbedDatagrams() : "")
                + (proxy != null ? " proxy_accepted=" + proxy.accepted() + " proxy_active=" + proxy.active()
                + " proxy_upstream_failures=" + proxy.failedUpstream() : "");
    }

    /** A one-line description for the start-up log. */
    public String describe() {
        return "interface=" + config.interfaceName()
                + " vips=" + config.vips().stream().map(InetAddress::getHostAddress).collect(Collectors.joining(","))
                + " redirect=" + config.redirectPorts()
                + " service=" + config.servicePorts().stream().map(sp -> sp.port() + sp.protocolSuffix() + (sp.proxied() ? "->" + sp.proxyTo() : ""))
                .collect(Collectors.joining(","))
                + " policy=" + config.policy().configName()
                + " tcp=" + config.tcp() + " udp=" + config.udp()
                + " nft=" + (config.tcp() ? "inet " + config.nftTable() + " guard_timeout=" + config.guardTimeoutMillis() + "ms" : "none")
                + " link=" + port.linkType();
    }

    @Override
    public void close() {
        for (int i = parts.size() - 1; i >= 0; i--) {
            try {
                parts.get(i).close();
            } catch (Exception e) {
                // keep closing the rest
            }
        }
        parts.clear();
    }

}
