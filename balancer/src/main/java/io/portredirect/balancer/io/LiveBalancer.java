package io.portredirect.balancer.io;

import io.portredirect.balancer.config.BalancerConfig;
import io.portredirect.balancer.config.ForwardingMode;
import io.portredirect.balancer.metrics.BalancerCounters;
import io.portredirect.balancer.metrics.ConfigInfo;
import io.portredirect.balancer.nft.NftCounters;
import io.portredirect.balancer.nft.NftDataplane;
import io.portredirect.balancer.table.ForwardingTables;
import io.portredirect.balancer.table.InterfaceMacs;
import io.portredirect.protocol.config.ConfigException;
import io.portredirect.protocol.log.EventLog;
import io.portredirect.protocol.metrics.MetricRegistry;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The running data plane: one {@link FramePort} per interface of the config, one reader thread
 * per interface it reads (the network side, and server sides per {@link ReturnPath}), and the
 * current {@link Snapshot} of tables and ports that readers pin per packet. {@link #apply}
 * swaps in a new config atomically; a config that cannot be applied leaves the old one running.
 *
 * <p>On the {@link Dataplane#NFT} dataplane the kernel forwards: each snapshot's tables are
 * loaded as an nftables ruleset first (a ruleset nft refuses fails the apply), the interfaces of
 * the config are opened only to send ({@link SendOnlyPort}: no capture), and one reader serves
 * the Java path, the veth over which nft hands over what it cannot decide.
 */
public final class LiveBalancer implements AutoCloseable {
    private static final long RESOLVE_RETRY_MILLIS = 1000;
    private static final long RESOLVE_REFRESH_MILLIS = 30_000;

    /** What readers see: tables, and the port each server index is sent out of. */
    static final class Snapshot {
        final BalancerConfig config;
        final ForwardingTables tables;
        final FramePort network;
        final FramePort[] serverPorts;
        final long generation;

        Snapshot(BalancerConfig config, ForwardingTables tables, FramePort network, FramePort[] serverPorts, long generation) {
            this.config = config;
            this.tables = tables;
            this.network = network;
            this.serverPorts = serverPorts;
            this.generation = generation;
        }

        Snapshot withTables(ForwardingTables t) {
            return new Snapshot(config, t, network, serverPorts, generation);
        }
    }

    private final CaptureOptions capture;
    private final Dataplane dataplane;
    private NftDataplane kernel;
    private boolean guardUnavailable;
    private volatile NftCounters nftCounters;
    private final ReturnPath returnPath;
    private final BalancerCounters counters;
    private final Function<String, byte[]> interfaceMacs;
    private final Consumer<Throwable> onFatal;
    private final Map<String, PortReader> readers = new LinkedHashMap<>();
    private final AtomicReference<Snapshot> live = new AtomicReference<>();
    private final LongAdder arpAnswered = new LongAdder();
    private final LongAdder ndpAnswered = new LongAdder();
    private final LongAdder neighborIgnored = new LongAdder();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "next-hop-resolver");
        t.setDaemon(true);
        return t;
    });
    private volatile NextHopResolver resolver;
    private volatile boolean closed;
    private long generation;
    /** Servers out of service by their health checks; every apply builds tables without them. */
    private volatile Set<String> down = Set.of();

    /**
     * @param onFatal called (from a reader thread) when an interface fails for good; the caller
     *                should stop the process with a failure status
     */
    public LiveBalancer(Dataplane dataplane, CaptureOptions capture, ReturnPath returnPath, BalancerCounters counters,
                        Consumer<Throwable> onFatal) {
        this(dataplane, capture, returnPath, counters, InterfaceMacs.sysfs(), onFatal);
    }

    LiveBalancer(Dataplane dataplane, CaptureOptions capture, ReturnPath returnPath, BalancerCounters counters,
                 Function<String, byte[]> interfaceMacs, Consumer<Throwable> onFatal) {
        this.dataplane = dataplane;
        this.capture = capture;
        this.returnPath = returnPath;
        this.counters = counters;
        this.interfaceMacs = interfaceMacs;
        this.onFatal = onFatal;
    }

    /**
     * Builds tables for {@code cfg}, opens any interface not open yet, swaps the new snapshot in
     * and (first call) starts the readers. Throws, leaving the running config untouched, when the
     * tables cannot be built, an interface cannot be opened, or the network interface changed.
     */
    public synchronized void apply(BalancerConfig cfg) throws ConfigException, IOException {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        Snapshot old = live.get();
        String netIf = cfg.network().interfaceName();
        if (old != null && !old.config.network().interfaceName().equals(netIf)) {
            throw cfg.problem("network.interface", "changed from " + old.config.network().interfaceName() + " to " + netIf
                    + "; moving the network side needs a restart");
        }
        NextHopResolver r = resolver;
        if (r == null || !r.hops().equals(cfg.network().nextHops())) {
            NextHopResolver next = new NextHopResolver(cfg.network().nextHops(), this::nextHopChanged);
            if (r != null) {
                next.seedFrom(r);
            }
            r = next;
        }
        NextHopResolver resolverForBuild = r;
        ForwardingTables t = ForwardingTables.build(cfg, interfaceMacs, (iface, ip) -> resolverForBuild.lookup(ip), down);

        // per-server and per-port series exist from the start, whichever dataplane counts into them
        for (int i = 0; i < t.serverCount(); i++) {
            counters.server(t.serverName(i));
        }
        for (int i = 0; i < t.redirectSlotCount(); i++) {
            counters.redirectPort(t.redirectSlotPort(i), t.redirectSlotProtocol(i));
        }
        long nextGeneration = generation + 1;
        if (dataplane == Dataplane.NFT && kernel == null) {
            // the first load also creates the Java path's veth, which the reader below opens
            loadKernel(t, nextGeneration);
        }
        // open what is new before publishing anything; a failure here leaves the old state
        List<PortReader> opened = new ArrayList<>();
        try {
            for (String iface : t.interfaces()) {
                if (!readers.containsKey(iface)) {
                    // nft: the kernel forwards, a capture here would only be a tap every forwarded frame visits
                    FramePort p = dataplane == Dataplane.NFT ? SendOnlyPort.open(iface, capture.qdiscBypass()) : PcapPorts.open(iface, capture);
                    opened.add(new PortReader(p, dataplane == Dataplane.PCAP && iface.equals(netIf)));
                }
            }
            String javaPath = NftDataplane.JAVA_PATH.readDevice();
            if (dataplane == Dataplane.NFT && !readers.containsKey(javaPath)) {
                opened.add(new PortReader(PcapPorts.open(javaPath, capture), true));
            }
            if (dataplane == Dataplane.NFT && kernel.loadedGeneration() != nextGeneration) {
                // a ruleset nft refuses leaves the running one, and the Java tables, as they were
                loadKernel(t, nextGeneration);
            }
        } catch (IOException | RuntimeException e) {
            opened.forEach(o -> o.port.close());
            throw e;
        }
        for (PortReader o : opened) {
            readers.put(o.port.name(), o);
        }
        FramePort[] serverPorts = new FramePort[t.serverCount()];
        for (int i = 0; i < serverPorts.length; i++) {
            serverPorts[i] = readers.get(t.serverInterface(i)).port;
        }
        resolver = r;
        if (dataplane == Dataplane.PCAP) {
            guard(t, nextGeneration);
        }
        generation = nextGeneration;
        Snapshot s = new Snapshot(cfg, t, readers.get(netIf).port, serverPorts, generation);
        live.set(s);
        for (PortReader pr : readers.values()) {
            pr.configure(s);
        }
        NextHopResolver.announce(s.network, t.networkMac(), t.vipAddresses());
        if (old == null) {
            timer.schedule(this::solicitNextHops, 0, TimeUnit.MILLISECONDS);
        } else if (!t.nextHopResolved()) {
            timer.execute(() -> resolverForBuild.solicit(s.network, s.tables.networkMac(), s.tables.vipAddresses()));
        }
        EventLog.info("tables_applied", "generation", s.generation, "config", cfg.source(), "servers", t.serverCount(),
                "interfaces", String.join(",", t.interfaces()), "reading", readingList(), "next_hop_mac",
                t.nextHopResolved() ? io.portredirect.protocol.packet.Bytes.mac(t.nextHopMac(), 0) : "unresolved");
    }

    /**
     * Health checks changed the set of servers out of service: rebuilds the running config's
     * tables without them and applies them the way a reload does (pcap: table swap; nft: one
     * ruleset transaction), so the generation goes up by one. Later reloads keep the set.
     */
    public synchronized void serversDown(Set<String> names) throws ConfigException, IOException {
        Set<String> previous = down;
        down = Set.copyOf(names);
        Snapshot s = live.get();
        if (s == null || closed || previous.equals(down)) {
            return;
        }
        long t0 = System.nanoTime();
        try {
            apply(s.config);
        } catch (ConfigException | IOException | RuntimeException e) {
            down = previous;
            throw e;
        }
        EventLog.info("health_applied", "generation", generation, "down", String.join(",", new java.util.TreeSet<>(down)),
                "apply_ms", (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * The pcap dataplane's guard, so the host kernel does not also answer or route what the
     * balancer forwards. Without nft the balancer still runs: the host must guard itself (as
     * before), which the log says once.
     */
    private void guard(ForwardingTables t, long gen) {
        if (guardUnavailable) {
            return;
        }
        try {
            if (kernel == null) {
                String why = NftDataplane.unsupportedReason();
                if (why != null) {
                    guardUnavailable = true;
                    EventLog.warn("guard_unavailable", "reason", why, "host", "must drop VIP traffic itself (see run --help)");
                    return;
                }
                kernel = NftDataplane.startGuard(t, gen);
            } else {
                kernel.load(t, gen);
            }
        } catch (IOException | RuntimeException e) {
            // a running guard stays as it was; the forwarding itself does not depend on it
            EventLog.warn("guard_load_failed", "generation", gen, "error", e.getMessage());
        }
    }

    /** Loads {@code t} into the kernel: the first time with the Java path, later as one reload transaction. */
    private void loadKernel(ForwardingTables t, long gen) throws IOException {
        if (kernel == null) {
            String netIf = t.networkInterface();
            kernel = NftDataplane.start(t, gen, io.portredirect.protocol.packet.Bytes.mac(t.networkMac(), 0), mtu(netIf));
            return;
        }
        NftCounters c = nftCounters;
        if (c == null) {
            kernel.load(t, gen);
        } else {
            c.aroundReload(() -> kernel.load(t, gen));
        }
    }

    private static int mtu(String iface) throws IOException {
        int mtu = SystemInterfaces.mtu(iface);
        if (mtu <= 0) {
            throw new IOException("cannot read the MTU of " + iface + " (/sys/class/net/" + iface + "/mtu)");
        }
        return mtu;
    }

    private String readingList() {
        List<String> names = new ArrayList<>();
        for (PortReader pr : readers.values()) {
            if (pr.reading) {
                names.add(pr.port.name());
            }
        }
        return String.join(",", names);
    }

    /** The current config generation (1 after the first apply). */
    public long generation() {
        Snapshot s = live.get();
        return s == null ? 0 : s.generation;
    }

    public BalancerConfig config() {
        Snapshot s = live.get();
        return s == null ? null : s.config;
    }

    /** The tables readers use now. */
    public ForwardingTables tables() {
        Snapshot s = live.get();
        return s == null ? null : s.tables;
    }

    private synchronized void nextHopChanged(NextHopResolver from, byte[] mac) {
        Snapshot s = live.get();
        if (s == null || closed || from != resolver || !s.config.network().nextHopMac().isAuto()) {
            return;
        }
        Snapshot next = s.withTables(s.tables.withNextHopMac(mac));
        if (dataplane == Dataplane.NFT) {
            // not on the reader thread that learned the MAC: it runs nft
            timer.execute(() -> kernelNextHop(next, mac));
            return;
        }
        live.set(next);
    }

    private synchronized void kernelNextHop(Snapshot next, byte[] mac) {
        if (closed || live.get() == null || live.get().generation != next.generation) {
            return; // a config apply came in between and resolved with its own tables
        }
        try {
            kernel.nextHop(mac);
            live.set(next);
        } catch (IOException | RuntimeException e) {
            EventLog.error("nft_next_hop_failed", "generation", next.generation, "error", e.getMessage());
        }
    }

    private void solicitNextHops() {
        long delay = RESOLVE_RETRY_MILLIS;
        try {
            Snapshot s = live.get();
            NextHopResolver r = resolver;
            if (s != null && r != null && r.hasHops() && !closed) {
                r.solicit(s.network, s.tables.networkMac(), s.tables.vipAddresses());
                if (s.tables.nextHopResolved()) {
                    delay = RESOLVE_REFRESH_MILLIS;
                }
            }
        } catch (RuntimeException e) {
            EventLog.warn("next_hop_solicit_failed", "error", e.toString());
        } finally {
            if (!closed) {
                timer.schedule(this::solicitNextHops, delay, TimeUnit.MILLISECONDS);
            }
        }
    }

    private synchronized List<PortReader> readers() {
        return new ArrayList<>(readers.values());
    }

    /** The config in force and its generation (one snapshot, so they match), or null before the first apply. */
    public ConfigInfo.Applied applied() {
        Snapshot s = live.get();
        return s == null ? null : new ConfigInfo.Applied(s.config, s.generation);
    }

    /** Exposes the I/O side's metrics: per-interface counters, neighbor answers, next hop; and the config in force. */
    public void register(MetricRegistry metrics) {
        List<String> byDirection = List.of("interface", "direction");
        metrics.counter("portredirect_balancer_io_packets", "Frames read from (rx) and sent out of (tx) an interface.", byDirection,
                out -> {
                    for (PortReader r : readers()) {
                        out.sample(r.port.counters().rxPackets(), r.port.name(), "rx");
                        out.sample(r.port.counters().txPackets(), r.port.name(), "tx");
                    }
                });
        metrics.counter("portredirect_balancer_io_bytes", "Bytes of frames read (rx) and sent (tx).", byDirection, out -> {
            for (PortReader r : readers()) {
                out.sample(r.port.counters().rxBytes(), r.port.name(), "rx");
                out.sample(r.port.counters().txBytes(), r.port.name(), "tx");
            }
        });
        metrics.counter("portredirect_balancer_io_errors", "Frames lost at the I/O edge: send refused by the kernel (tx), captured "
                + "truncated (rx_truncated), dropped by the kernel ring before read (rx_ring).", byDirection, out -> {
                    for (PortReader r : readers()) {
                        out.sample(r.port.counters().txErrors(), r.port.name(), "tx");
                        out.sample(r.port.counters().rxTruncated(), r.port.name(), "rx_truncated");
                        long ring = r.port.kernelDrops();
                        if (ring >= 0) {
                            out.sample(ring, r.port.name(), "rx_ring");
                        }
                    }
                });
        metrics.counter("portredirect_balancer_io_reader_allocated_bytes", "Heap bytes allocated by the reader thread of an interface "
                + "(per packet: divide by rx packets; 0 on the direct I/O path).", List.of("interface"), out -> {
                    for (PortReader r : readers()) {
                        long bytes = r.allocatedBytes();
                        if (bytes >= 0) {
                            out.sample(bytes, r.port.name());
                        }
                    }
                });
        metrics.gauge("portredirect_balancer_io_reading", "1 when the balancer reads this interface, 0 when it only sends on it.",
                List.of("interface"), out -> {
                    for (PortReader r : readers()) {
                        out.sample(r.reading ? 1 : 0, r.port.name());
                    }
                });
        metrics.counter("portredirect_balancer_neighbor_frames", "ARP/NDP frames: VIP questions answered (arp_reply, ndp_advert) or "
                + "left to the kernel (ignored).", List.of("result"), out -> {
                    out.sample(arpAnswered.sum(), "arp_reply");
                    out.sample(ndpAnswered.sum(), "ndp_advert");
                    out.sample(neighborIgnored.sum(), "ignored");
                });
        metrics.gauge("portredirect_balancer_next_hop_resolved", "1 when the network-side next hop MAC is known.", List.of(), out -> {
            ForwardingTables t = tables();
            out.sample(t != null && t.nextHopResolved() ? 1 : 0);
        });
        ConfigInfo.register(metrics, this::applied);
        if (dataplane == Dataplane.NFT) {
            NftCounters c = new NftCounters();
            nftCounters = c;
            counters.kernel(c::packets);
            List<String> byName = List.of("counter");
            metrics.counter("portredirect_balancer_nft_packets", "Packets counted by the kernel dataplane's named nft counters "
                    + "(rule_*, drop_*, fwd_*, java_*, pass_*), read from the kernel at scrape time.", byName, out -> {
                        c.snapshot().forEach((name, v) -> out.sample(v.packets(), name));
                    });
            metrics.counter("portredirect_balancer_nft_bytes", "Bytes counted by the kernel dataplane's named nft counters.", byName,
                    out -> c.snapshot().forEach((name, v) -> out.sample(v.bytes(), name)));
        }
    }

    @Override
    public void close() {
        List<PortReader> rs;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            rs = new ArrayList<>(readers.values());
        }
        timer.shutdownNow();
        synchronized (this) {
            if (kernel != null) {
                kernel.close();
            }
        }
        for (PortReader r : rs) {
            r.port.wakeUp();
        }
        for (PortReader r : rs) {
            r.join();
        }
        // only now: a reader inside pcap_next_ex must not see its pcap_t freed
        for (PortReader r : rs) {
            r.port.close();
        }
    }

    /** Blocks until {@link #close()} stopped every reader thread. */
    public void awaitReaders() throws InterruptedException {
        List<PortReader> rs;
        synchronized (this) {
            rs = new ArrayList<>(readers.values());
        }
        for (PortReader r : rs) {
            if (r.thread != null) {
                r.thread.join();
            }
        }
    }

    /** One interface: its port, and the thread that reads it when it should be read. */
    private final class PortReader {
        final FramePort port;
        final boolean network;
        volatile boolean reading;
        Thread thread;

        PortReader(FramePort port, boolean network) {
            this.port = port;
            this.network = network;
        }

        /** Reads this interface or not under the new snapshot; starts the thread the first time. */
        void configure(Snapshot s) {
            boolean read = network || shouldRead(s.tables, port.name());
            if (read != reading || thread == null) {
                try {
                    port.captureAll(read);
                } catch (IOException e) {
                    EventLog.warn("capture_filter_failed", "interface", port.name(), "error", e.getMessage());
                }
            }
            reading = read;
            if (read && thread == null) {
                SendBatch tx = new SendBatch(capture.qdiscBypass());
                Runnable loop = network ? new NetworkLoop(port, live, counters, responder(), tx) : new ServerLoop(port, live, counters, tx);
                thread = new Thread(() -> run(loop), (network ? "net-" : "srv-") + port.name());
                thread.setDaemon(true);
                thread.start();
            }
        }

        private NeighborResponder responder() {
            return new NeighborResponder(() -> resolver, arpAnswered, ndpAnswered, neighborIgnored);
        }

        private void run(Runnable loop) {
            try {
                loop.run();
            } catch (RuntimeException | Error e) {
                if (!closed) {
                    EventLog.error("reader_failed", "interface", port.name(), "error", String.valueOf(e));
                    onFatal.accept(e);
                }
            }
        }

        /** Bytes the reader thread allocated so far, -1 when not running or not measurable. */
        long allocatedBytes() {
            Thread t = thread;
            if (t == null || !(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean mx)) {
                return -1;
            }
            return mx.getThreadAllocatedBytes(t.getId());
        }

        void join() {
            Thread t = thread;
            if (t != null) {
                try {
                    t.join(2000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private boolean shouldRead(ForwardingTables t, String iface) {
        if (returnPath == ReturnPath.NONE || dataplane == Dataplane.NFT) {
            return false;
        }
        int[] servers = t.serversOnInterface(iface);
        if (servers.length == 0) {
            return false;
        }
        if (returnPath == ReturnPath.ALL) {
            return true;
        }
        for (int i : servers) {
            if (t.serverMode(i) != ForwardingMode.L2) {
                return true;
            }
        }
        return false;
    }
}
