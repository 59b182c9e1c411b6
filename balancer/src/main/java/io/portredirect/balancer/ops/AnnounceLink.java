package io.portredirect.balancer.ops;

import io.portredirect.protocol.config.Durations;
import io.portredirect.protocol.log.EventLog;
import io.portredirect.protocol.metrics.MetricRegistry;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The balancer's liveness link for a routing daemon ({@code run --announce-link NAME}): a TAP
 * device that exists exactly while the balancer is healthy. The box's BGP daemon announces the
 * VIPs with a static route via that interface (BIRD: {@code route VIP/32 via "NAME"}), so the
 * announcement follows the balancer without any protocol between the two:
 * <ul>
 *   <li>created once the data plane runs, and whenever {@code /healthz} is OK again;</li>
 *   <li>removed when {@code /healthz} would fail (checked every {@value #CHECK_MILLIS} ms);</li>
 *   <li>removed first on a graceful stop, then {@code withdraw-delay} is left for the daemon and
 *       the router to move traffic away before the data plane goes;</li>
 *   <li>removed by the kernel when the process dies (the device is not persistent), SIGKILL too.</li>
 * </ul>
 * BIRD hears of the interface by netlink at once, withdraws the route by BGP, and the router drops
 * the replica from its ECMP set in milliseconds.
 */
public final class AnnounceLink implements AutoCloseable {
    /** How often the health is looked at; the withdraw on unhealthy takes at most this long to start. */
    static final long CHECK_MILLIS = 100;
    /** Default time between taking the link down and stopping the data plane on SIGTERM. */
    public static final Duration DEFAULT_WITHDRAW_DELAY = Duration.ofMillis(300);

    /** Creates and removes the device; the seam between the decision and the kernel. */
    interface Link {
        void open() throws IOException;

        void close();
    }

    private final String name;
    private final Duration withdrawDelay;
    private final BooleanSupplier healthy;
    private final Link link;
    private ScheduledExecutorService timer;
    private boolean present;
    private boolean stopping;
    private boolean closed;
    private String lastFailure;
    /** System.nanoTime() of the last withdraw, or -1 when none. */
    private long downAt = -1;
    private volatile boolean announced;

    AnnounceLink(String name, Duration withdrawDelay, BooleanSupplier healthy, Link link) {
        this.name = name;
        this.withdrawDelay = withdrawDelay;
        this.healthy = healthy;
        this.link = link;
    }

    /** Why {@code name} cannot be the link's name, or null when it can. */
    public static String badName(String name) {
        return TapDevice.badName(name);
    }

    /**
     * Creates the link now (the balancer is healthy: its data plane runs) and follows
     * {@code healthy} from then on.
     *
     * @throws IOException the device cannot be created (no /dev/net/tun, no CAP_NET_ADMIN, the
     *                     name held by another process): the balancer would never be announced
     */
    public static AnnounceLink start(String name, Duration withdrawDelay, BooleanSupplier healthy) throws IOException {
        AnnounceLink a = new AnnounceLink(name, withdrawDelay, healthy, new Link() {
            private int fd = -1;

            @Override
            public void open() throws IOException {
                fd = TapDevice.open(name);
            }

            @Override
            public void close() {
                if (fd >= 0) {
                    TapDevice.close(fd);
                    fd = -1;
                }
            }
        });
        a.openNow();
        a.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "announce-link");
            t.setDaemon(true);
            return t;
        });
        a.timer.scheduleWithFixedDelay(a::check, CHECK_MILLIS, CHECK_MILLIS, TimeUnit.MILLISECONDS);
        return a;
    }

    private synchronized void openNow() throws IOException {
        link.open();
        present = true;
        announced = true;
        EventLog.info("announce_link_up", "link", name, "reason", "started");
    }

    /** One look at the health: the link follows it. A failed re-create is logged once and retried. */
    synchronized void check() {
        boolean want = !stopping && healthy.getAsBoolean();
        if (want == present) {
            return;
        }
        if (!want) {
            down("unhealthy");
            return;
        }
        try {
            link.open();
            present = true;
            announced = true;
            lastFailure = null;
            EventLog.info("announce_link_up", "link", name, "reason", "healthy");
        } catch (IOException | RuntimeException e) {
            // never out of the timer's task: an exception there would stop every later check
            String why = String.valueOf(e.getMessage());
            if (!why.equals(lastFailure)) {
                EventLog.error("announce_link_failed", "link", name, "error", why);
                lastFailure = why;
            }
        }
    }

    private void down(String reason) {
        link.close();
        present = false;
        announced = false;
        downAt = System.nanoTime();
        EventLog.info("announce_link_down", "link", name, "reason", reason);
    }

    /** True while the link exists (the box's daemon announces the VIPs). */
    public boolean announced() {
        return announced;
    }

    /** {@code portredirect_balancer_announced}: 1 while the link exists. */
    public void register(MetricRegistry metrics) {
        metrics.gauge("portredirect_balancer_announced", "1 while the announce link exists (the routing daemon announces "
                + "the VIPs), 0 while it is withdrawn.", List.of("link"), out -> out.sample(announced ? 1 : 0, name));
    }

    /**
     * Removes the link for good, now, without waiting: called from the SIGTERM handler, so the
     * withdraw starts before the main thread even wakes up. {@link #close()} then waits.
     */
    public synchronized void withdraw() {
        stopping = true;
        if (present) {
            down("stop");
        }
    }

    /**
     * Graceful stop, before the data plane goes: removes the link for good (if {@link #withdraw()}
     * did not already), then waits what is left of {@code withdraw-delay} since the link went, so
     * the routers stop sending here while this balancer still forwards.
     */
    @Override
    public void close() {
        long waitNanos;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            withdraw();
            // the stop may have been seen as unhealthy a moment ago: the wait counts from that withdraw
            waitNanos = downAt < 0 ? 0 : withdrawDelay.toNanos() - (System.nanoTime() - downAt);
        }
        if (timer != null) {
            timer.shutdownNow();
        }
        if (waitNanos > 0) {
            EventLog.info("announce_withdraw_wait", "link", name, "withdraw_delay", Durations.format(withdrawDelay));
            try {
                TimeUnit.NANOSECONDS.sleep(waitNanos);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
