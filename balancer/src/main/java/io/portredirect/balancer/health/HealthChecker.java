package io.portredirect.balancer.health;

import io.portredirect.balancer.table.ForwardingTables;
import io.portredirect.protocol.io.RawPort;
import io.portredirect.protocol.log.EventLog;
import io.portredirect.protocol.metrics.MetricRegistry;
import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.PacketParser;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpView;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Checks the servers that have a {@code health:} block with raw TCP SYNs (see {@link ProbeTarget}
 * for addressing): a SYN-ACK within the timeout is a success (answered with a RST, so the server
 * keeps no half-open connection), a RST or silence a failure. Each server's {@link HealthState}
 * turns results into up/down; on a change it logs {@code server_down} / {@code server_up} and hands
 * the set of down servers to the listener, which rebuilds and applies the tables.
 *
 * <p>Answers are read by this checker's own capture on each server interface (libpcap, a BPF filter
 * for TCP to our MAC and the probe port range), not by the dataplane: with nft the Java side reads
 * no server interface at all. A packet socket sees a frame before the netdev ingress hook, so the
 * nft ruleset or the pcap dataplane's guard cannot drop an answer before it is seen.
 *
 * <p>Probe source ports are {@link #FIRST_PORT}-{@link #LAST_PORT}, outside Linux's default
 * ephemeral range. State lives on one timer thread; capture threads only hand results to it.
 */
public final class HealthChecker implements AutoCloseable {
    public static final int FIRST_PORT = io.portredirect.balancer.config.HealthCheck.FIRST_SOURCE_PORT;
    public static final int LAST_PORT = io.portredirect.balancer.config.HealthCheck.LAST_SOURCE_PORT;
    private static final int PORTS = LAST_PORT - FIRST_PORT + 1;

    private final Consumer<Set<String>> onChange;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "health-checks"));
    private final AtomicReferenceArray<Probe> pending = new AtomicReferenceArray<>(PORTS);
    /** By interface; read by capture threads too (the RST after a SYN-ACK). */
    private final Map<String, RawPort> ports = new ConcurrentHashMap<>();
    private final Map<String, Checked> checked = new LinkedHashMap<>();
    /** Every server of the running config, for the gauge (servers without a check are up). */
    private volatile List<String> allServers = List.of();
    private volatile Map<String, Checked> view = Map.of();
    private int nextPort;
    private volatile boolean closed;

    /** One checked server. */
    private static final class Checked {
        ProbeTarget target;
        HealthState state;
        ScheduledFuture<?> task;
        final LongAdder ok = new LongAdder();
        final LongAdder refused = new LongAdder();
        final LongAdder timeout = new LongAdder();
        final LongAdder error = new LongAdder();
    }

    /** One probe in flight, by source port. */
    private final class Probe {
        final Checked server;
        final ProbeTarget target;
        final int sport;
        final long isn;
        ScheduledFuture<?> timeout;
        boolean done;

        Probe(Checked server, int sport, long isn) {
            this.server = server;
            this.target = server.target;
            this.sport = sport;
            this.isn = isn;
        }
    }

    /** @param onChange receives the names of the servers now down, on the checker's thread */
    public HealthChecker(Consumer<Set<String>> onChange) {
        this.onChange = onChange;
    }

    /**
     * Checks the servers of {@code t} that have a health block, from now on. A server kept from the
     * previous config keeps its state (a reload does not bring a down server back); one whose block
     * is gone counts as up again. Blocks until applied.
     */
    public void configure(ForwardingTables t) {
        try {
            timer.submit(() -> reconfigure(t)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            EventLog.error("health_configure_failed", "error", String.valueOf(e.getCause()));
        }
    }

    /** The servers now down. */
    public Set<String> down() {
        Set<String> out = new LinkedHashSet<>();
        view.forEach((name, c) -> {
            if (!c.state.up()) {
                out.add(name);
            }
        });
        return out;
    }

    private void reconfigure(ForwardingTables t) {
        Set<String> wasDown = down();
        Map<String, Checked> next = new LinkedHashMap<>();
        Set<String> ifaces = new LinkedHashSet<>();
        for (int s = 0; s < t.serverCount(); s++) {
            if (t.config().servers().get(s).health() == null) {
                continue;
            }
            String name = t.serverName(s);
            ProbeTarget.Resolved r = ProbeTarget.resolve(t, s, interfaceAddresses(t.serverInterface(s)));
            if (r.target() == null) {
                EventLog.error("health_unchecked", "server", name, "reason", r.problem());
                continue;
            }
            try {
                port(r.target().iface(), r.target().srcMac());
            } catch (IOException e) {
                EventLog.error("health_unchecked", "server", name, "reason", "cannot capture on " + r.target().iface() + ": " + e.getMessage());
                continue;
            }
            ifaces.add(r.target().iface());
            Checked c = checked.remove(name);
            if (c == null) {
                c = new Checked();
                c.state = new HealthState(r.target().check().rise(), r.target().check().fall());
            } else {
                c.task.cancel(false);
                c.state = c.state.withThresholds(r.target().check().rise(), r.target().check().fall());
            }
            c.target = r.target();
            Checked fc = c;
            long every = r.target().check().interval().toMillis();
            c.task = timer.scheduleAtFixedRate(() -> probe(fc), 0, every, TimeUnit.MILLISECONDS);
            next.put(name, c);
            EventLog.info("health_check", "server", name, "probe", r.target(), "interval_ms", every,
                    "timeout_ms", r.target().check().timeout().toMillis(), "rise", r.target().check().rise(),
                    "fall", r.target().check().fall(), "state", c.state.up() ? "up" : "down");
        }
        for (Checked gone : checked.values()) {
            gone.task.cancel(false);
        }
        checked.clear();
        checked.putAll(next);
        view = Collections.unmodifiableMap(new LinkedHashMap<>(next)); // config order in /metrics
        List<String> names = new ArrayList<>();
        for (int s = 0; s < t.serverCount(); s++) {
            names.add(t.serverName(s));
        }
        allServers = List.copyOf(names);
        ports.entrySet().removeIf(e -> {
            if (!ifaces.contains(e.getKey())) {
                e.getValue().close();
                return true;
            }
            return false;
        });
        if (!down().equals(wasDown)) {
            onChange.accept(down());
        }
    }

    private void port(String iface, byte[] ourMac) throws IOException {
        if (ports.containsKey(iface)) {
            return;
        }
        // answers to our probes only: TCP to our MAC and to the probe port range
        String filter = "ether dst " + Bytes.mac(ourMac, 0) + " and tcp and dst portrange " + FIRST_PORT + "-" + LAST_PORT;
        RawPort p = RawPort.open(iface, filter, RawPort.Direction.IN);
        ParsedPacket parsed = new ParsedPacket();
        p.start((frame, length) -> answer(frame, length, parsed));
        ports.put(iface, p);
    }

    private static List<InetAddress> interfaceAddresses(String iface) {
        try {
            NetworkInterface ni = NetworkInterface.getByName(iface);
            return ni == null ? List.of() : Collections.list(ni.getInetAddresses());
        } catch (SocketException e) {
            return List.of();
        }
    }

    /** On the timer thread: one SYN. */
    private void probe(Checked c) {
        if (closed) {
            return;
        }
        int slot = -1;
        for (int i = 0; i < PORTS; i++) {
            int k = (nextPort + i) % PORTS;
            if (pending.get(k) == null) {
                slot = k;
                break;
            }
        }
        if (slot < 0) {
            result(c, null, false, "error");
            return;
        }
        nextPort = (slot + 1) % PORTS;
        ProbeTarget t = c.target;
        Probe p = new Probe(c, FIRST_PORT + slot, ThreadLocalRandom.current().nextLong(1L << 32));
        pending.set(slot, p);
        byte[] syn = CraftedPacket.builder().ethernet(t.srcMac(), t.dstMac()).src(t.src(), p.sport).dst(t.dst(), t.port())
                .tcp(TcpView.SYN).seq(p.isn).mss(1460).window(1024).build().encode();
        try {
            ports.get(t.iface()).send(syn);
        } catch (IOException | RuntimeException e) {
            pending.compareAndSet(slot, p, null);
            EventLog.debug("health_send_failed", "server", t.name(), "error", e.getMessage());
            result(c, p, false, "error");
            return;
        }
        p.timeout = timer.schedule(() -> finish(p, false, "timeout"), t.check().timeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** On a capture thread: a frame to one of our probe ports. */
    private void answer(byte[] frame, int length, ParsedPacket parsed) {
        PacketParser.parseFrame(frame, 0, length, parsed);
        if (!parsed.ok() || !parsed.isTcp()) {
            return;
        }
        int slot = parsed.dstPort() - FIRST_PORT;
        if (slot < 0 || slot >= PORTS) {
            return;
        }
        Probe p = pending.get(slot);
        if (p == null || parsed.srcPort() != p.target.port() || !from(parsed, frame, p.target.dst())) {
            return;
        }
        int flags = parsed.tcpFlags();
        long ack = Bytes.u32(frame, parsed.l4Offset() + TcpView.ACK_OFFSET);
        if ((flags & TcpView.ACK) == 0 || ack != ((p.isn + 1) & 0xffffffffL)) {
            return; // not an answer to this SYN
        }
        if ((flags & (TcpView.SYN | TcpView.ACK)) == (TcpView.SYN | TcpView.ACK) && (flags & TcpView.RST) == 0) {
            reset(p, ack);
            timer.execute(() -> finish(p, true, "syn_ack"));
        } else if ((flags & TcpView.RST) != 0) {
            timer.execute(() -> finish(p, false, "refused"));
        }
    }

    private static boolean from(ParsedPacket parsed, byte[] frame, InetAddress expected) {
        byte[] e = expected.getAddress();
        return parsed.addrLength() == e.length && Arrays.equals(frame, parsed.srcAddrOffset(), parsed.srcAddrOffset() + e.length, e, 0, e.length);
    }

    /** Closes the server's half-open connection. */
    private void reset(Probe p, long seq) {
        ProbeTarget t = p.target;
        byte[] rst = CraftedPacket.builder().ethernet(t.srcMac(), t.dstMac()).src(t.src(), p.sport).dst(t.dst(), t.port())
                .tcp(TcpView.RST).seq(seq).window(0).build().encode();
        try {
            RawPort port = ports.get(t.iface());
            if (port != null) {
                port.send(rst);
            }
        } catch (IOException | RuntimeException e) {
            EventLog.debug("health_rst_failed", "server", t.name(), "error", e.getMessage());
        }
    }

    /** On the timer thread: the probe's result (the first of answer and timeout wins). */
    private void finish(Probe p, boolean success, String reason) {
        if (p.done) {
            return;
        }
        p.done = true;
        if (p.timeout != null) {
            p.timeout.cancel(false);
        }
        pending.compareAndSet(p.sport - FIRST_PORT, p, null);
        if (checked.get(p.target.name()) != p.server || p.server.target != p.target) {
            return; // reconfigured meanwhile: a result for the old settings
        }
        result(p.server, p, success, reason);
    }

    private void result(Checked c, Probe p, boolean success, String reason) {
        switch (reason) {
            case "syn_ack" -> c.ok.increment();
            case "refused" -> c.refused.increment();
            case "timeout" -> c.timeout.increment();
            default -> c.error.increment();
        }
        int streak = c.state.streak() + 1;
        if (c.state.record(success)) {
            EventLog.info(c.state.up() ? "server_up" : "server_down", "server", c.target.name(), "reason", reason, "checks", streak,
                    "probe", c.target);
            onChange.accept(down());
        }
    }

    /** {@code portredirect_balancer_server_up} and {@code portredirect_balancer_health_checks_total}. */
    public void register(MetricRegistry metrics) {
        metrics.gauge("portredirect_balancer_server_up", "1 when the server is in service, 0 when its health check took it out "
                + "(servers without a health block are always 1).", List.of("server"), out -> {
                    Map<String, Checked> v = view;
                    for (String s : allServers) {
                        Checked c = v.get(s);
                        out.sample(c == null || c.state.up() ? 1 : 0, s);
                    }
                });
        metrics.counter("portredirect_balancer_health_checks", "Health checks by result: syn_ack (success), refused (RST), timeout, "
                + "error (could not send).", List.of("server", "result"), out -> {
                    for (Map.Entry<String, Checked> e : view.entrySet()) {
                        out.sample(e.getValue().ok.sum(), e.getKey(), "syn_ack");
                        out.sample(e.getValue().refused.sum(), e.getKey(), "refused");
                        out.sample(e.getValue().timeout.sum(), e.getKey(), "timeout");
                        out.sample(e.getValue().error.sum(), e.getKey(), "error");
                    }
                });
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        try {
            timer.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ports.values().forEach(RawPort::close);
        ports.clear();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
