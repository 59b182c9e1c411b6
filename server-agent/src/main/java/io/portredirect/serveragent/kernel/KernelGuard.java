package io.portredirect.serveragent.kernel;

import io.portredirect.protocol.io.GuardLease;
import io.portredirect.protocol.io.LocalPortReservation;
import io.portredirect.protocol.io.Nft;
import io.portredirect.protocol.io.NftNetlink;
import io.portredirect.serveragent.config.ServerAgentConfig;
import io.portredirect.serveragent.config.ServicePort;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * What the agent changes in the host for as long as it runs, all undone by {@link #close} (and by
 * shutdown hooks on SIGTERM): the nft table of {@link KernelRules}; redirect and service ports
 * reserved from the ephemeral range, so no local connect(2) takes one as its source port; and for
 * UDP, a socket bound to each VIP:redirect port the application does not use, so a REDIRECT
 * datagram is absorbed instead of drawing an ICMP port unreachable back to the client.
 *
 * <p>The nft drop is leased ({@link GuardLease}): a thread renews it every
 * {@code guard-timeout / 4}, so after a SIGKILL, which runs no hook, the kernel stops dropping
 * REDIRECT SYNs within {@code guard-timeout} by itself; the next start replaces the stale table.
 */
public final class KernelGuard implements AutoCloseable {
    private final List<AutoCloseable> undo = new ArrayList<>();
    private final AtomicLong absorbed = new AtomicLong();
    private volatile boolean nftInstalled;
    private volatile GuardLease lease;

    private KernelGuard() {
    }

    /** Applies everything; on failure undoes what was done and throws. */
    public static KernelGuard apply(ServerAgentConfig c, Consumer<String> log) throws IOException {
        KernelGuard g = new KernelGuard();
        try {
            if (c.reserveLocalPorts()) {
                List<Integer> ports = new ArrayList<>(c.redirectPorts());
                c.servicePorts().stream().map(ServicePort::port).forEach(ports::add);
                g.undo.add(LocalPortReservation.reserve(ports));
            }
            if (c.tcp()) {
                long installedAt = System.nanoTime();
                Nft table = Nft.install(c.nftTable(), KernelRules.render(c));
                g.nftInstalled = true;
                g.undo.add(() -> {
                    g.nftInstalled = false;
                    table.close();
                });
                g.lease(c, installedAt);
            }
            if (c.udp() && c.absorbUdp()) {
                for (InetAddress vip : c.vips()) {
                    for (int port : c.redirectPorts()) {
                        g.absorb(vip, port, log);
                    }
                }
            }
            return g;
        } catch (IOException | RuntimeException e) {
            g.close();
            throw e;
        }
    }

    /**
     * Starts renewing the lease over one netlink socket ({@link NftNetlink#renew}: the transaction of
     * {@link KernelRules#refreshScript}, without forking nft, which cost ~4 ms of CPU per renewal).
     *
     * @throws IOException when no nf_tables netlink socket can be opened
     */
    private void lease(ServerAgentConfig c, long installedAt) throws IOException {
        NftNetlink netlink = NftNetlink.open();
        undo.add(netlink);
        String table = c.nftTable();
        GuardLease l = new GuardLease(() -> netlink.renew(table, KernelRules.ALIVE_SET, NftNetlink.INET_PROTO_TCP), System::nanoTime,
                c.guardTimeoutMillis(), installedAt);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "nft-guard-lease");
            t.setDaemon(true);
            // a late renewal lets the kernel answer in the agent's place: run ahead of the rest
            t.setPriority(Thread.MAX_PRIORITY);
            return t;
        });
        timer.scheduleWithFixedDelay(() -> {
            try {
                l.renew();
            } catch (RuntimeException e) {
                // an exception would cancel every later renewal: the lease must keep trying
            }
        }, c.guardRefreshMillis(), c.guardRefreshMillis(), TimeUnit.MILLISECONDS);
        lease = l;
        // undone before the socket and the table go (undo runs backwards), so no renewal races them
        undo.add(() -> {
            timer.shutdownNow();
            timer.awaitTermination(2, TimeUnit.SECONDS);
        });
    }

    private void absorb(InetAddress vip, int port, Consumer<String> log) throws IOException {
        DatagramChannel ch = DatagramChannel.open(vip.getAddress().length == 4 ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
        try {
            ch.bind(new InetSocketAddress(vip, port));
        } catch (BindException e) {
            ch.close();
            log.accept("udp " + vip.getHostAddress() + ":" + port + " is in use: the application there receives first datagrams' payload");
            return;
        } catch (IOException e) {
            ch.close();
            throw new IOException("cannot bind udp " + vip.getHostAddress() + ":" + port + ": " + e.getMessage(), e);
        }
        Thread t = new Thread(() -> {
            ByteBuffer buf = ByteBuffer.allocate(65536);
            while (ch.isOpen()) {
                try {
                    buf.clear();
                    ch.receive(buf);
                    absorbed.incrementAndGet();
                } catch (IOException e) {
                    return;
                }
            }
        }, "udp-absorb-" + port);
        t.setDaemon(true);
        t.start();
        undo.add(ch);
    }

    /** True while the nft table that hides REDIRECT SYNs from the kernel is in place and its lease has not run out. */
    public boolean nftInstalled() {
        GuardLease l = lease;
        return nftInstalled && (l == null || l.held());
    }

    /** Successful renewals of the guard's lease. */
    public long guardRefreshes() {
        GuardLease l = lease;
        return l == null ? 0 : l.renewals();
    }

    /** Failed renewals of the guard's lease. */
    public long guardRefreshFailures() {
        GuardLease l = lease;
        return l == null ? 0 : l.failures();
    }

    /** Datagrams the absorbing sockets swallowed. */
    public long absorbedDatagrams() {
        return absorbed.get();
    }

    @Override
    public void close() {
        for (int i = undo.size() - 1; i >= 0; i--) {
            try {
                undo.get(i).close();
            } catch (Exception e) {
                // keep undoing the rest
            }
        }
        undo.clear();
    }
}
