package io.portredirect.clientagent.relay;

import io.portredirect.clientagent.config.FallbackPolicy;
import io.portredirect.clientagent.config.VipConfig;
import io.portredirect.clientagent.negotiate.FlowRegistry;
import io.portredirect.clientagent.negotiate.NegativeCache;
import io.portredirect.clientagent.negotiate.ProbeOutcome;
import io.portredirect.clientagent.negotiate.Prober;
import io.portredirect.clientagent.negotiate.RedirectCache;
import io.portredirect.clientagent.negotiate.Resolver;
import io.portredirect.clientagent.negotiate.VipPolicy;
import io.portredirect.clientagent.stats.AgentStats;
import io.portredirect.clientagent.stats.Counter;
import io.portredirect.protocol.config.PortRange;
import io.portredirect.protocol.lab.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The relay's entry point over loopback: VIP = 127.0.0.1, service ports are local listeners, the
 * prober is scripted. Covers the warm path, a dead port re-resolved, a policy refusal and accepting
 * on the loops.
 */
class TcpSplicerTest {
    static final InetAddress VIP = InetAddress.getLoopbackAddress();
    static final int X = 80;

    final AgentStats stats = new AgentStats();
    final Deque<ProbeOutcome> answers = new ArrayDeque<>();
    final Prober prober = (vip, port, previous) -> CompletableFuture.completedFuture(answers.removeFirst());
    final FlowRegistry flows = new FlowRegistry();
    final ExecutorService negotiations = Executors.newCachedThreadPool();
    SpliceLoops loops;
    ServerSocket server;
    ServerSocketChannel front;

    TcpSplicer splicer(FallbackPolicy fallback) throws IOException {
        VipPolicy policy = new VipPolicy(new VipConfig(VIP, List.of(new PortRange(1024, 65535))), Set.of(X));
        NegativeCache failed = new NegativeCache(Duration.ofSeconds(1), Duration.ofSeconds(30), 64, System::nanoTime);
        Resolver r = new Resolver(new RedirectCache(Duration.ofSeconds(30)), prober, Map.of(VIP, policy), fallback, 3, stats, failed);
        loops = new SpliceLoops(2, 64 * 1024, stats);
        return new TcpSplicer(r, flows, loops, negotiations, Duration.ofSeconds(5), stats);
    }

    /** A server that says "served-by PORT" on accept, then echoes lines. */
    int bannerServer() throws IOException {
        server = new ServerSocket(0, 50, VIP);
        int port = server.getLocalPort();
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket c = server.accept();
                    Thread w = new Thread(() -> {
                        try (c) {
                            c.getOutputStream().write(("served-by " + port + "\n").getBytes(StandardCharsets.US_ASCII));
                            c.getInputStream().transferTo(c.getOutputStream());
                        } catch (IOException e) {
                            // client gone
                        }
                    });
                    w.setDaemon(true);
                    w.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return port;
    }

    static int deadPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, VIP)) {
            return s.getLocalPort();
        }
    }

    /** A connected client socket and the accepted channel the splicer is given. */
    Socket client(TcpSplicer splicer) throws IOException {
        if (front == null) {
            front = ServerSocketChannel.open().bind(new InetSocketAddress(VIP, 0));
        }
        Socket c = new Socket();
        c.connect(front.getLocalAddress(), 5000);
        c.setSoTimeout(10_000);
        SocketChannel app = front.accept();
        splicer.serve(app, VIP, X);
        return c;
    }

    static BufferedReader lines(Socket s) throws IOException {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
    }

    @AfterEach
    void close() throws IOException {
        if (loops != null) {
            loops.close();
        }
        negotiations.shutdownNow();
        if (server != null) {
            server.close();
        }
        if (front != null) {
            front.close();
        }
    }

    @Test
    void negotiatedThenCachedConnectionsAreSplicedAndTheirFlowsRegistered() throws Exception {
        TcpSplicer s = splicer(FallbackPolicy.PLAIN);
        int y = bannerServer();
        answers.add(ProbeOutcome.of(ProbeOutcome.Result.REDIRECTED, y));
        for (int i = 0; i < 3; i++) {
            try (Socket c = client(s)) {
                BufferedReader in = lines(c);
                assertEquals("served-by " + y, in.readLine());
                c.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals("ping", in.readLine());
                assertEquals(1, flows.size(), "the upstream flow is known to the mid-flow watcher");
            }
            Await.holdsWithin(Duration.ofSeconds(5), Duration.ofMillis(10), () -> flows.size() == 0);
        }
        assertEquals(1, stats.get(Counter.CACHE_MISSES), "one probe");
        assertEquals(2, stats.get(Counter.CACHE_HITS));
        Await.holdsWithin(Duration.ofSeconds(5), Duration.ofMillis(10), () -> stats.activeConnections().get() == 0);
    }

    @Test
    void aMissWhoseProbeStartsAtOnceStaysOnTheLoopThatAccepted() throws Exception {
        java.util.concurrent.atomic.AtomicInteger handedOff = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean pathKnown = new java.util.concurrent.atomic.AtomicBoolean(true);
        Prober known = new Prober() {
            @Override
            public CompletableFuture<ProbeOutcome> probe(InetAddress vip, int port, int previousPort) {
                return CompletableFuture.completedFuture(answers.removeFirst());
            }

            @Override
            public boolean probesWithoutWaiting(InetAddress vip) {
                return pathKnown.get();
            }
        };
        VipPolicy policy = new VipPolicy(new VipConfig(VIP, List.of(new PortRange(1024, 65535))), Set.of(X));
        // no cache: every connection is a miss, a probe each
        Resolver r = new Resolver(new RedirectCache(Duration.ZERO), known, Map.of(VIP, policy), FallbackPolicy.PLAIN, 3, stats);
        loops = new SpliceLoops(2, 64 * 1024, stats);
        TcpSplicer s = new TcpSplicer(r, flows, loops, task -> {
            handedOff.incrementAndGet();
            negotiations.execute(task);
        }, Duration.ofSeconds(5), stats);
        int y = bannerServer();
        for (int i = 0; i < 3; i++) {
            if (i == 2) {
                pathKnown.set(false);
            }
            answers.add(ProbeOutcome.of(ProbeOutcome.Result.REDIRECTED, y));
            try (Socket c = client(s)) {
                assertEquals("served-by " + y, lines(c).readLine());
            }
        }
        assertEquals(3, stats.get(Counter.CACHE_MISSES));
        assertEquals(1, handedOff.get(), "only the miss whose path was unknown (it may wait for ARP) left the loop");
    }

    @Test
    void aServicePortThatRefusesIsForgottenAndTheConnectionResolvedOnceMore() throws Exception {
        TcpSplicer s = splicer(FallbackPolicy.PLAIN);
        int y = bannerServer();
        answers.add(ProbeOutcome.of(ProbeOutcome.Result.REDIRECTED, deadPort()));
        answers.add(ProbeOutcome.of(ProbeOutcome.Result.REDIRECTED, y));
        try (Socket c = client(s)) {
            assertEquals("served-by " + y, lines(c).readLine());
        }
        assertEquals(1, stats.get(Counter.UPSTREAM_RETRIES));
        assertEquals(1, stats.get(Counter.SERVERS_MARKED_FAILED));
        assertEquals(0, stats.get(Counter.CONNECTIONS_FAILED));
    }

    @Test
    void aRefusalByPolicyResetsTheApplication() throws Exception {
        TcpSplicer s = splicer(FallbackPolicy.FAIL);
        answers.add(ProbeOutcome.of(ProbeOutcome.Result.TIMED_OUT, 0));
        try (Socket c = client(s)) {
            assertThrows(IOException.class, () -> c.getInputStream().read(), "a reset, as a refused connect");
        }
        assertEquals(1, stats.get(Counter.CONNECTIONS_FAILED));
        assertEquals(0, stats.activeConnections().get());
    }

    @Test
    void theLoopsAcceptAndServeWhatTheyAccepted() throws Exception {
        TcpSplicer s = splicer(FallbackPolicy.PLAIN);
        int y = bannerServer();
        answers.add(ProbeOutcome.of(ProbeOutcome.Result.REDIRECTED, y));
        try (ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress(VIP, 0))) {
            s.listen(listener, VIP, X);
            for (int i = 0; i < 20; i++) {
                try (Socket c = new Socket()) {
                    c.setSoTimeout(10_000);
                    c.connect(listener.getLocalAddress(), 5000);
                    assertEquals("served-by " + y, lines(c).readLine());
                }
            }
        }
        assertEquals(20, stats.get(Counter.CONNECTIONS));
    }
}
