package io.portredirect.clientagent.intercept;

import io.portredirect.clientagent.config.InterceptConfig;
import io.portredirect.clientagent.negotiate.ProbeOutcome;
import io.portredirect.clientagent.negotiate.Prober;
import io.portredirect.protocol.io.GuardLease;
import io.portredirect.protocol.io.Nft;
import io.portredirect.protocol.io.NftNetlink;
import io.portredirect.protocol.log.EventLog;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs transparent interception: installs {@link InterceptRuleset}'s table (replacing one a killed
 * agent left), renews its alive element, and keeps every slot of every destination negotiated
 * ({@link SpreadSlots}) by probes on one scheduler thread, off the connections' path: the kernel
 * DNATs a hit itself, and a miss reaches the loopback listener the caller opened for it. The table
 * is loaded with {@code nft -f}; renewals and negotiated updates go over one netlink socket
 * ({@link NftNetlink}), with no process forked every 250 ms.
 */
public final class Interceptor implements AutoCloseable {
    private static final Duration TICK = Duration.ofMillis(200);
    private static final Duration RETRY = Duration.ofSeconds(1);

    private final Prober tcp;
    private final Prober udp;
    private final SpreadSlots slots;
    private final Nft table;
    private final NftNetlink netlink;
    private final ScheduledExecutorService timer;
    private final GuardLease lease;
    private boolean dirty;
    private volatile long pushes;
    private volatile long probes;

    private Interceptor(Prober tcp, Prober udp, SpreadSlots slots, Nft table, NftNetlink netlink, ScheduledExecutorService timer) {
        this.tcp = tcp;
        this.udp = udp;
        this.slots = slots;
        this.table = table;
        this.netlink = netlink;
        this.timer = timer;
        this.lease = new GuardLease(() -> netlink.renew(InterceptRuleset.TABLE, InterceptRuleset.ALIVE_SET, NftNetlink.INET_PROTO_TCP),
                System::nanoTime, InterceptRuleset.ALIVE_TIMEOUT.toMillis(), System.nanoTime());
    }

    /**
     * @param ttl       how long a negotiated port stays in the kernel (the agent's cache TTL)
     * @param tcp       probes TCP destinations (a SYN of the agent's own)
     * @param udp       probes UDP destinations (a datagram of the agent's own)
     * @param listeners each TCP destination's loopback listener port (the miss path)
     */
    public static Interceptor start(InterceptConfig config, Duration ttl, Prober tcp, Prober udp, Map<Intercept, Integer> listeners)
            throws IOException {
        Nft table = Nft.install(InterceptRuleset.TABLE, InterceptRuleset.body(listeners, config.spread()));
        NftNetlink netlink;
        try {
            netlink = NftNetlink.open();
        } catch (IOException e) {
            table.close();
            throw e;
        }
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "intercept");
            t.setDaemon(true);
            return t;
        });
        try {
            netlink.renew(InterceptRuleset.TABLE, InterceptRuleset.ALIVE_SET, NftNetlink.INET_PROTO_TCP);
            Duration refresh = ttl.dividedBy(3);
            Interceptor i = new Interceptor(tcp, udp, new SpreadSlots(config.targets(), config.spread(), ttl, refresh, RETRY), table,
                    netlink, timer);
            long quarter = InterceptRuleset.ALIVE_TIMEOUT.toMillis() / 4;
            timer.scheduleWithFixedDelay(i.lease::renew, quarter, quarter, TimeUnit.MILLISECONDS);
            timer.scheduleWithFixedDelay(i::tick, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
            EventLog.info("intercept_installed", "table", "inet " + InterceptRuleset.TABLE, "targets", config.targets(),
                    "spread", config.spread(), "listeners", listeners.values());
            return i;
        } catch (IOException | RuntimeException e) {
            timer.shutdownNow();
            netlink.close();
            table.close();
            throw e;
        }
    }

    private void tick() {
        long now = System.nanoTime();
        for (SpreadSlots.Ref ref : slots.due(now)) {
            probes++;
            (ref.intercept().udp() ? udp : tcp).probe(ref.intercept().vip(), ref.intercept().port(), 0)
                    .whenComplete((o, e) -> timer.execute(() -> outcome(ref, e == null ? o : null)));
        }
        push();
    }

    private void outcome(SpreadSlots.Ref ref, ProbeOutcome o) {
        long now = System.nanoTime();
        if (o != null && o.negotiated()) {
            slots.filled(ref, o.port(), now);
        } else if (o != null && o.result() == ProbeOutcome.Result.NOT_SUPPORTED) {
            // a legacy server on the port itself: the kernel connects there directly, no agent hop
            slots.filled(ref, ref.intercept().port(), now);
        } else {
            slots.failed(ref, now);
            EventLog.debug("intercept_probe_failed", "target", ref.intercept(), "slot", ref.slot(),
                    "result", o == null ? "error" : o.result());
            return;
        }
        // pushed by the next tick: the outcomes of a refresh burst share one transaction
        dirty = true;
    }

    private void push() {
        if (!dirty) {
            return;
        }
        try {
            InterceptRuleset.negotiatedUpdate(netlink.begin(), slots.elements(System.nanoTime()));
            netlink.commit();
            dirty = false;
            pushes++;
        } catch (IOException | RuntimeException e) {
            // a throw out of a scheduled task would cancel every later tick
            EventLog.warn("intercept_update_failed", "error", e.getMessage());
        }
    }

    /** Probes sent to fill slots. */
    public long probes() {
        return probes;
    }

    /** Transactions that replaced the negotiated elements. */
    public long pushes() {
        return pushes;
    }

    /** True while the miss path is on as far as the agent knows. */
    public boolean alive() {
        return lease.held();
    }

    /** Stops renewing and probing and removes the table: connections go to VIP:port as they are. */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            // a renewal or update may be mid-batch on the timer thread: let it finish before the socket goes
            timer.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        netlink.close();
        table.close();
        EventLog.info("intercept_removed", "table", "inet " + InterceptRuleset.TABLE);
    }
}
