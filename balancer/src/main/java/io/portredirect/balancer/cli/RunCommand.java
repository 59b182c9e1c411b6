package io.portredirect.balancer.cli;

import io.portredirect.balancer.config.BalancerConfig;
import io.portredirect.balancer.config.ConfigLoader;
import io.portredirect.balancer.health.HealthChecker;
import io.portredirect.balancer.io.Dataplane;
import io.portredirect.balancer.io.InterfaceCheck;
import io.portredirect.balancer.io.CaptureOptions;
import io.portredirect.balancer.io.IoMode;
import io.portredirect.balancer.io.LiveBalancer;
import io.portredirect.balancer.io.ReturnPath;
import io.portredirect.balancer.metrics.BalancerCounters;
import io.portredirect.balancer.nft.NftDataplane;
import io.portredirect.balancer.ops.AnnounceLink;
import io.portredirect.balancer.ops.ConfigReloader;
import io.portredirect.balancer.ops.NamespaceLock;
import io.portredirect.balancer.ops.Signals;
import io.portredirect.protocol.config.ConfigException;
import io.portredirect.protocol.config.ConfigProblem;
import io.portredirect.protocol.config.Durations;
import io.portredirect.protocol.config.LoadedConfig;
import io.portredirect.protocol.log.EventLog;
import io.portredirect.protocol.log.LogLevel;
import io.portredirect.protocol.metrics.MetricRegistry;
import io.portredirect.protocol.metrics.MetricsEndpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/** {@code redirect-balancer run}: forwards live traffic until SIGTERM/SIGINT. */
@Command(name = "run",
        mixinStandardHelpOptions = true,
        versionProvider = BalancerCommand.Version.class,
        header = "Forward live traffic between the network side and the servers.",
        descriptionHeading = "%n",
        description = {
                "Two dataplanes, one decision. With --dataplane nft (the default where the kernel supports it) "
                        + "the balancer renders its tables as an nftables ruleset (table netdev portredirect, "
                        + "the one check-config --dataplane=nft prints) with an ingress chain on the network "
                        + "interface and on the interfaces of l3 and raw servers, and the kernel forwards: "
                        + "service ports, REDIRECT hashed with jhash onto the same Maglev tables, legacy owners, "
                        + "ICMP errors by their quote, l3 rewrites and return traffic. What nft cannot decide "
                        + "(ARP/ND for the VIPs, UDP redirect ports, ICMP quotes with IP options or extension "
                        + "headers, malformed and unknown packets) is forwarded to a veth pair, pr-java / "
                        + "pr-java-rx, that the Java side reads with libpcap; it decides exactly as the pcap "
                        + "dataplane does. Both the table and the veth pair are replaced at start (after a "
                        + "SIGKILL) and removed at exit. Every VIP-addressed packet is consumed by the ruleset, "
                        + "so the host kernel never answers or forwards VIP traffic.",
                "",
                "With --dataplane pcap the balancer opens every interface the config names with libpcap "
                        + "(immediate mode, inbound direction, a large kernel ring), answers ARP and neighbour "
                        + "solicitations for the VIPs on the network interface, and sends each packet from the "
                        + "network side to the server the decision rules pick. Replies of l3 and raw servers are "
                        + "read back and sent out of the network side; l2 servers answer from the VIP and their "
                        + "replies go straight back (direct return). So that the host's kernel neither answers nor "
                        + "routes what the balancer forwards, it loads a guard (table netdev portredirect, dropping "
                        + "at ingress, after the capture has its copy, VIP traffic and the l3 servers' replies on "
                        + "the ports it gave them) and removes it at exit; without nft it logs guard_unavailable "
                        + "and the host must drop VIP traffic itself.",
                "",
                "Interfaces are opened non-promiscuous, with a kernel filter for frames sent to the "
                        + "interface's own MAC or to broadcast/multicast (ARP, NDP); frames for another host's MAC "
                        + "that still arrive are dropped (reason not_our_mac). Interfaces must be untagged: the config "
                        + "has no VLANs, so 802.1Q and 802.1ad tagged frames are counted and dropped (vlan_tagged); on "
                        + "a trunk, run on VLAN subinterfaces.",
                "",
                "Health checks: a server with a health: block is sent a TCP SYN every interval (to the VIP "
                        + "for l2 and raw servers, to its ip for l3 ones, as an Ethernet frame to its MAC, from the "
                        + "balancer's address on its interface or health.source, source ports 61900-61999); the "
                        + "answers are read by a capture of their own. fall failures in a row (RST or no SYN-ACK within "
                        + "timeout) take the server out: it leaves every redirect group (only its table slots move) and "
                        + "its legacy ownership goes to the default server; rise successes bring it back. Each change "
                        + "is logged (server_down, server_up) and applied like a reload; a reload keeps the health "
                        + "state. Servers start up.",
                "",
                "Reload: SIGHUP, or any change to the config file (unless --no-watch). A file that does "
                        + "not validate, or tables that cannot be built, are logged with file, line and key, and "
                        + "the running config stays. Swapping tables is atomic: no packet sees half a config.",
                "",
                "Logs: one line per event on standard error, key=value (ts, level, event, ...). Metrics: "
                        + "Prometheus text on http://HOST:PORT/metrics, liveness on /healthz.",
                "",
                "Announcing the VIPs (--announce-link NAME): the balancer holds a TAP device of that name, "
                        + "created once the data plane runs, while /healthz is OK. The box's BGP daemon announces "
                        + "the VIPs with a static route via that interface (BIRD: route VIP/32 via \"NAME\"; see "
                        + "README-packaging), so the route is withdrawn when the balancer turns unhealthy, when it "
                        + "dies (the kernel removes the device with the process, SIGKILL too) and, first thing, "
                        + "on SIGTERM, which then waits --withdraw-delay before stopping the data plane.",
        },
        exitCodeListHeading = "%nExit status:%n",
        usageHelpAutoWidth = true,
        optionListHeading = "%nOptions:%n",
        exitCodeList = {
                "0:stopped by SIGTERM/SIGINT",
                "1:an interface cannot be opened, failed while running, the metrics port is taken, "
                        + "--dataplane nft is not supported here or its ruleset was refused, or the announce link "
                        + "cannot be created",
                "2:bad usage, or the config file is unreadable or invalid",
        })
public final class RunCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
            description = "Balancer config (YAML). Watched for changes; see check-config.")
    Path config;

    @Option(names = "--metrics", paramLabel = "HOST:PORT",
            description = "Serve /metrics and /healthz here; overrides metrics.listen of the config. 'off' disables.")
    String metrics;

    @Option(names = "--dataplane", paramLabel = "WHICH", defaultValue = "auto",
            description = "What moves the packets: nft (the kernel, Java only for what nft cannot decide), pcap "
                    + "(every frame through Java), or auto: nft when this host supports it (nft installed, the "
                    + "kernel accepts a netdev ingress chain with fwd), else pcap with a log line saying why. "
                    + "Default: ${DEFAULT-VALUE}.")
    String dataplaneChoice;

    @Option(names = "--io", paramLabel = "MODE", defaultValue = "direct",
            description = "How frames move between libpcap and Java: direct (pcap_next_ex into a reused buffer, "
                    + "no allocation per packet) or pcap4j (pcap4j's getNextRawPacket/sendPacket, slower). Default: ${DEFAULT-VALUE}.")
    IoMode io;

    @Option(names = "--buffer-mb", paramLabel = "MB", defaultValue = "32",
            description = "Kernel capture ring per interface, in MiB. Default: ${DEFAULT-VALUE}.")
    int bufferMb;

    @Option(names = "--busy-poll-us", paramLabel = "US", defaultValue = "0",
            description = "pcap path: after a frame, a reader polls its socket this many microseconds for the next one "
                    + "before it sleeps (0: sleeps at once). Waking a sleeping reader is most of what a frame through "
                    + "Java waits for (measured in the lab on a virtual machine: 34 us a hop, 11 us with 100 here). "
                    + "Polling costs CPU instead, up to a core per reader while frames keep coming less than US apart: "
                    + "for a gateway with cores to spare. Only while frames come sparsely: see --busy-poll-gap-us. "
                    + "Default: ${DEFAULT-VALUE}.")
    int busyPollUs;

    @Option(names = "--busy-poll-gap-us", paramLabel = "US", defaultValue = "25",
            description = "pcap path, with --busy-poll-us: poll only while frames come at least this many microseconds "
                    + "apart on average (over about 8 frames), i.e. when the reader is nearly idle and a frame's latency is "
                    + "mostly its wake-up; under load it sleeps in poll and reads a batch per wake-up. 0: poll after every "
                    + "frame. Default: ${DEFAULT-VALUE}.")
    int busyPollGapUs;

    @Option(names = "--qdisc-bypass",
            description = "pcap path: forwarded frames skip the egress interface's qdisc (PACKET_QDISC_BYPASS). They then "
                    + "also skip the taps, so tcpdump on the balancer's own interfaces no longer shows them.")
    boolean qdiscBypass;

    @Option(names = "--return-path", paramLabel = "WHICH", defaultValue = "auto",
            description = "Server interfaces to read replies from: auto (those with l3 or raw servers), all "
                    + "(l2 replies through the balancer too; the kernel must not forward them), none. Default: ${DEFAULT-VALUE}.")
    ReturnPath returnPath;

    @Option(names = "--fix-offloads",
            description = "pcap dataplane: before opening the interfaces, turn off the offloads the start-up check finds on "
                    + "(ethtool -K IF gro off ..., logged). Without it, run refuses to start while GRO, LRO, TSO, GSO or "
                    + "tx checksumming is on for an interface it forwards with, and logs the command to run. The nft "
                    + "dataplane needs no such check: the kernel segments and checksums what it forwards.")
    boolean fixOffloads;

    @Option(names = "--announce-link", paramLabel = "NAME",
            description = "Hold a TAP device named NAME (at most 15 characters) while the balancer is healthy, "
                    + "for the box's routing daemon to announce the VIPs by (see above). Needs CAP_NET_ADMIN and "
                    + "/dev/net/tun. Default: none.")
    String announceLink;

    @Option(names = "--withdraw-delay", paramLabel = "DURATION", defaultValue = "300ms",
            description = "With --announce-link, on SIGTERM: how long to keep forwarding after the link is gone, "
                    + "so the routers move traffic away first (BGP withdraw and the router's FIB update take "
                    + "milliseconds; allow for a busy daemon). Default: ${DEFAULT-VALUE}.")
    String withdrawDelay;

    @Option(names = "--no-watch", description = "Do not reload when the config file changes (SIGHUP still reloads).")
    boolean noWatch;

    @Option(names = "--debug", description = "Log debug events.")
    boolean debug;

    @Override
    public Integer call() {
        LogLevel.debug(debug);
        if (bufferMb < 1 || bufferMb > 2048) {
            EventLog.error("bad_option", "option", "--buffer-mb", "value", bufferMb, "error", "expected 1..2048");
            return 2;
        }
        if (busyPollUs < 0 || busyPollUs > 100_000) {
            EventLog.error("bad_option", "option", "--busy-poll-us", "value", busyPollUs, "error", "expected 0..100000");
            return 2;
        }
        if (busyPollGapUs < 0 || busyPollGapUs > 1_000) {
            EventLog.error("bad_option", "option", "--busy-poll-gap-us", "value", busyPollGapUs, "error", "expected 0..1000");
            return 2;
        }
        Duration withdraw;
        try {
            withdraw = Durations.parse(withdrawDelay);
        } catch (IllegalArgumentException e) {
            EventLog.error("bad_option", "option", "--withdraw-delay", "value", withdrawDelay, "error", e.getMessage());
            return 2;
        }
        if (announceLink != null && AnnounceLink.badName(announceLink) != null) {
            EventLog.error("bad_option", "option", "--announce-link", "value", announceLink, "error",
                    "not an interface name: " + AnnounceLink.badName(announceLink));
            return 2;
        }
        byte[] bytes;
        BalancerConfig cfg;
        List<ConfigProblem> warnings;
        try {
            bytes = Files.readAllBytes(config);
            LoadedConfig<BalancerConfig> loaded = ConfigLoader.loadWithWarnings(config);
            cfg = loaded.config();
            warnings = loaded.warnings();
        } catch (IOException e) {
            EventLog.error("config_invalid", "file", config, "line", 0, "key", "(file)", "error", "cannot read: " + e);
            return 2;
        } catch (ConfigException e) {
            EventLog.error("config_invalid", "file", e.file(), "line", e.line(), "key", e.key(), "error", e.getMessage());
            for (String p : e.problems()) {
                System.err.println(p);
            }
            return 2;
        }
        String listen = metrics != null ? metrics : cfg.metricsListen();
        InetSocketAddress metricsAddress = null;
        if (listen != null && !"off".equals(listen)) {
            try {
                metricsAddress = MetricsEndpoint.parseListen(listen);
            } catch (IllegalArgumentException e) {
                EventLog.error("bad_option", "option", "--metrics", "value", listen, "error", e.getMessage());
                return 2;
            }
        }

        Dataplane dataplane;
        switch (dataplaneChoice) {
            case "pcap" -> dataplane = Dataplane.PCAP;
            case "nft", "auto" -> {
                String why = NftDataplane.unsupportedReason();
                if (why == null) {
                    dataplane = Dataplane.NFT;
                } else if ("nft".equals(dataplaneChoice)) {
                    EventLog.error("dataplane_unsupported", "dataplane", "nft", "reason", why);
                    return 1;
                } else {
                    EventLog.warn("dataplane_fallback", "dataplane", "pcap", "reason", why);
                    dataplane = Dataplane.PCAP;
                }
            }
            default -> {
                EventLog.error("bad_option", "option", "--dataplane", "value", dataplaneChoice, "error", "expected nft, pcap or auto");
                return 2;
            }
        }

        BalancerCounters counters = new BalancerCounters();
        CountDownLatch stop = new CountDownLatch(1);
        AtomicInteger exit = new AtomicInteger(0);
        LiveBalancer live = new LiveBalancer(dataplane, new CaptureOptions(io, bufferMb * 1024 * 1024, busyPollUs * 1000L,
                busyPollGapUs * 1000L, qdiscBypass), returnPath, counters, e -> {
            exit.compareAndSet(0, 1);
            stop.countDown();
        });
        // what /healthz says, and what the announce link follows
        BooleanSupplier healthy = () -> stop.getCount() > 0;
        AtomicReference<AnnounceLink> announcing = new AtomicReference<>();
        MetricsEndpoint endpoint = null;
        AnnounceLink announce = null;
        ConfigReloader reloader = null;
        // health: the checker's thread must not wait for a ruleset load, so changes apply on their own thread
        java.util.concurrent.ExecutorService healthApply = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "health-apply");
            t.setDaemon(true);
            return t;
        });
        HealthChecker health = new HealthChecker(down -> healthApply.execute(() -> {
            try {
                live.serversDown(down);
            } catch (ConfigException | IOException | RuntimeException e) {
                EventLog.error("health_apply_failed", "down", String.join(",", down), "error", String.valueOf(e));
            }
        }));
        NamespaceLock nsLock = null;
        // SIGTERM/SIGINT stop the data plane and let call() return 0; a shutdown hook would make
        // the JVM exit with 143 whatever call() returns
        for (String name : new String[] {"TERM", "INT"}) {
            Signals.handle(name, () -> {
                EventLog.info("signal", "name", "SIG" + name, "action", "stop");
                AnnounceLink link = announcing.get();
                if (link != null) {
                    link.withdraw(); // on the signal thread: the routers hear of it before anything stops
                }
                stop.countDown();
            });
        }
        try {
            EventLog.info("starting", "config", config.toAbsolutePath(), "dataplane", dataplane.name().toLowerCase(), "io", io.name().toLowerCase(),
                    "buffer_mb", bufferMb, "busy_poll_us", busyPollUs, "busy_poll_gap_us", busyPollGapUs, "qdisc_bypass", qdiscBypass,
                    "return_path", returnPath.name().toLowerCase(), "pid", ProcessHandle.current().pid());
            for (ConfigProblem w : warnings) {
                EventLog.warn("config_deprecated", "file", w.file(), "line", w.line(), "key", w.key(), "warning", w.what());
            }
            try {
                nsLock = NamespaceLock.take();
                if (nsLock == null) {
                    EventLog.error("another_balancer", "reason", "another redirect-balancer runs in this network namespace "
                            + "(it owns table netdev portredirect and the Java path); stop it first");
                    return 1;
                }
            } catch (IOException e) {
                // no lock file possible here: run anyway, as before the lock existed
                EventLog.warn("namespace_lock_unavailable", "error", e.toString());
            }
            if (dataplane == Dataplane.PCAP && !interfacesReady(cfg)) {
                return 1;
            }
            try {
                live.apply(cfg);
            } catch (ConfigException e) {
                EventLog.error("config_invalid", "file", e.file(), "line", e.line(), "key", e.key(), "error", e.getMessage());
                return 2;
            } catch (IOException e) {
                EventLog.error("interface_failed", "error", e.getMessage());
                return 1;
            }
            health.configure(live.tables());
            reloader = new ConfigReloader(config, c -> {
                live.apply(c);
                health.configure(live.tables());
            }, bytes);
            ConfigReloader r = reloader;
            if (announceLink != null) {
                try {
                    announce = AnnounceLink.start(announceLink, withdraw, healthy);
                    announcing.set(announce);
                } catch (IOException | RuntimeException | LinkageError e) {
                    EventLog.error("announce_link_failed", "link", announceLink, "error", String.valueOf(e.getMessage()));
                    return 1;
                }
            }
            AnnounceLink a = announce;
            if (metricsAddress != null) {
                try {
                    MetricRegistry registry = new MetricRegistry();
                    counters.register(registry);
                    live.register(registry);
                    health.register(registry);
                    r.register(registry);
                    if (a != null) {
                        a.register(registry);
                    }
                    endpoint = MetricsEndpoint.start(metricsAddress, registry, healthy, "redirect-balancer");
                    EventLog.info("metrics_listening", "address", endpoint.address());
                } catch (IOException e) {
                    EventLog.error("metrics_failed", "address", metricsAddress, "error", e.toString());
                    return 1;
                }
            }
            reloader.handleSighup();
            if (!noWatch) {
                try {
                    reloader.watch();
                } catch (IOException e) {
                    EventLog.warn("config_watch_failed", "error", e.toString(), "reload", "SIGHUP only");
                }
            }
            EventLog.info("started", "generation", live.generation(), "vips", cfg.vips().size(), "servers", cfg.servers().size());
            stop.await();
            return exit.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } finally {
            if (announce != null) {
                // first: the routers stop sending here while the data plane still forwards
                announce.close();
            }
            if (reloader != null) {
                reloader.close();
            }
            if (endpoint != null) {
                endpoint.close();
            }
            health.close();
            healthApply.shutdownNow();
            live.close();
            if (nsLock != null) {
                nsLock.release();
            }
            EventLog.info("stopped", "exit", exit.get(), "drops_total", counters.totalDrops());
        }
    }

    /**
     * The start-up interface check ({@link InterfaceCheck}): logs one line per problem, with the
     * command that fixes it, and says whether the balancer may start. With --fix-offloads it runs
     * the ethtool commands first and checks again.
     */
    private boolean interfacesReady(BalancerConfig cfg) {
        List<InterfaceCheck.Problem> problems = InterfaceCheck.system(cfg);
        if (fixOffloads && problems.stream().anyMatch(InterfaceCheck.Problem::offloads)) {
            for (InterfaceCheck.Problem p : problems) {
                if (p.offloads()) {
                    String failed = InterfaceCheck.runFix(p);
                    EventLog.info("offloads_fixed", "interface", p.iface(), "command", p.fixLine(), "result", failed == null ? "ok" : failed);
                }
            }
            problems = InterfaceCheck.system(cfg);
        }
        boolean ready = true;
        for (InterfaceCheck.Problem p : problems) {
            String fix = p.fixLine() + (p.offloads() ? " (or run with --fix-offloads)" : "");
            if (p.blocking()) {
                ready = false;
                EventLog.error("interface_unfit", "interface", p.iface(), "problem", p.what(), "fix", fix);
            } else {
                EventLog.warn("interface_warning", "interface", p.iface(), "problem", p.what(), "fix", fix);
            }
        }
        return ready;
    }
}
