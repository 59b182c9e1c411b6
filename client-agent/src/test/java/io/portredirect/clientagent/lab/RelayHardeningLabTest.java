package io.portredirect.clientagent.lab;

import io.portredirect.protocol.io.NetNamespace;
import io.portredirect.protocol.io.RawPort;
import io.portredirect.protocol.lab.Await;
import io.portredirect.protocol.lab.LabExtension;
import io.portredirect.protocol.lab.LabSupport;
import io.portredirect.protocol.lab.LabTest;
import io.portredirect.protocol.lab.Netns;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.wire.RedirectExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The relay and the hardening of the client agent (#12), the real agent as a separate JVM in
 * {@code -Xmx192m} (as the demo runs it):
 * <pre>
 *   prrl-cli [agents, test clients]  prrl-c0 198.18.60.1 ---- prrl-s0 198.18.60.2  prrl-srv [VIP 198.18.61.10 on lo]
 *                                                                                   hold :20001 (NIO, 'x' on accept, echo)
 *                                                                                   iperf3 :20002, banner-echo :20003 :20004
 *                                                                                   udp echo :20053; StubResponder answers probes
 * </pre>
 * Redirect ports: 80 -> 20001, 81 -> 20002, 82 -> 20003, 83 -> 20005 (a python asyncio server
 * holding many connections in its own process), udp 53 -> 20053. The warm agent caches (listeners
 * 8080-8083, udp 5300); the cold one (cache TTL 0, listener 9080) probes for every connection.
 * Tests run in order on one topology.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@LabTest
class RelayHardeningLabTest {
    @RegisterExtension
    static final LabExtension<Netns> LAB = LabExtension.of(() -> {
        for (String tool : List.of("nft", "iperf3", "ss", "python3")) {
            LabSupport.assumeTool(tool);
        }
        return new Netns("prrl");
    });

    static final InetAddress VIP = ClientAgentLabTest.addr("198.18.61.10");
    static final int CONNECTIONS = 10_000;
    static final List<String> JVM = List.of("-Xmx192m", "-XX:+UseSerialGC");
    static final String WARM = """
            probe:
              interface: prrl-c0
              source-ports: 61000-61099
              timeout: 300ms
              retries: 2
            cache:
              ttl: 600s
            vips:
              - address: 198.18.61.10
                service-ports: 20000-20099
            listeners:
              - {listen: 127.0.0.1:8080, target: 198.18.61.10:80}
              - {listen: 127.0.0.1:8081, target: 198.18.61.10:81}
              - {listen: 127.0.0.1:8082, target: 198.18.61.10:82}
              - {listen: 127.0.0.1:8083, target: 198.18.61.10:83}
              - {listen: 127.0.0.1:5300, target: 198.18.61.10:53, protocol: udp}
            """;
    static final String COLD = """
            probe:
              interface: prrl-c0
              source-ports: 61100-61199
              timeout: 300ms
              retries: 2
            cache:
              ttl: 0s
            vips:
              - address: 198.18.61.10
                service-ports: 20000-20099
            listeners:
              - {listen: 127.0.0.1:9080, target: 198.18.61.10:80}
            """;

    static Netns lab;
    static String cli;
    static String srv;
    static Path dir;
    static HoldServer hold;
    static LabServers servers;
    static StubResponder stub;
    static AgentProcess warm;
    static AgentProcess cold;

    @BeforeAll
    static void setUp(Netns fixture) throws Exception {
        lab = fixture;
        cli = lab.create("cli");
        srv = lab.create("srv");
        lab.veth(cli, "prrl-c0", "198.18.60.1/24", srv, "prrl-s0", "198.18.60.2/24");
        lab.exec(srv, "ip", "addr", "add", "198.18.61.10/32", "dev", "lo");
        lab.exec(cli, "ip", "route", "add", "198.18.61.10/32", "via", "198.18.60.2");
        dir = Files.createTempDirectory("prrl-lab");
        // the many-connections server runs in a process of its own: every process has its own descriptor limit
        Path py = dir.resolve("hold.py");
        Files.writeString(py, HOLD_PY);
        Path pyLog = dir.resolve("hold-py.log");
        python = lab.start(srv, List.of("python3", py.toString(), "198.18.61.10", "20005"), pyLog.toFile());
        Await.holdsWithin(Duration.ofSeconds(10), Duration.ofMillis(50), () -> {
            try {
                return Files.readString(pyLog).contains("listening");
            } catch (IOException e) {
                return false;
            }
        });
        hold = new HoldServer(srv, new InetSocketAddress(VIP, 20001)).start();
        servers = new LabServers(srv, VIP).bannerEcho(20003).bannerEcho(20004).udpEcho(20053);
        lab.start(srv, List.of("iperf3", "-s", "-B", "198.18.61.10", "-p", "20002"), dir.resolve("iperf3-server.log").toFile());
        stub = new StubResponder(srv, "prrl-s0", VIP, Map.of(80, 20001, 81, 20002, 82, 20003, 83, 20005), Set.of(), Set.of(),
                Map.of(53, 20053), Set.of(20003), "61000-61299").start();
        warm = AgentProcess.start(cli, dir, "warm", WARM, JVM);
        cold = AgentProcess.start(cli, dir, "cold", COLD, JVM);
    }

    static Process python;
    static final String HOLD_PY = """
            import asyncio, sys
            async def handle(r, w):
                w.write(b'x')
                try:
                    while True:
                        d = await r.read(65536)
                        if not d:
                            break
                        w.write(d)
                        await w.drain()
                except Exception:
                    pass
                w.close()
            async def main():
                s = await asyncio.start_server(handle, sys.argv[1], int(sys.argv[2]), backlog=4096)
                print("listening", flush=True)
                async with s:
                    await s.serve_forever()
            asyncio.run(main())
            """;

    @AfterAll
    static void tearDown() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {warm, cold, stub, servers, hold}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // keep tearing down
            }
        }
        if (dir != null) {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    static final InetSocketAddress DIRECT = new InetSocketAddress(VIP, 20001);
    static final InetSocketAddress VIA_WARM = new InetSocketAddress("127.0.0.1", 8080);
    static final InetSocketAddress VIA_COLD = new InetSocketAddress("127.0.0.1", 9080);

    static double pct(double[] us, double p) {
        double[] s = us.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(p * s.length) - 1)];
    }

    @Test
    @Order(1)
    void localListenerSetUpAndThroughputAgainstDirect() throws Exception {
        ClientAgentBench.setup(cli, DIRECT, 100);
        ClientAgentBench.setup(cli, VIA_WARM, 100);
        int n = 400;
        List<Double> direct = new ArrayList<>();
        List<Double> agent = new ArrayList<>();
        // interleaved in blocks, so load drift on a shared machine hits both paths
        for (int round = 0; round < 4; round++) {
            for (double v : ClientAgentBench.setup(cli, DIRECT, n / 4)) {
                direct.add(v);
            }
            for (double v : ClientAgentBench.setup(cli, VIA_WARM, n / 4)) {
                agent.add(v);
            }
        }
        double[] d = direct.stream().mapToDouble(Double::doubleValue).toArray();
        double[] a = agent.stream().mapToDouble(Double::doubleValue).toArray();
        double d50 = pct(d, 0.5);
        double a50 = pct(a, 0.5);
        System.out.printf("local-listener set-up (connect -> first server byte), us: direct p50 %.0f p99 %.0f; through the agent (warm) "
                + "p50 %.0f p99 %.0f; added p50 %+.0f us (target <= +300)%n", d50, pct(d, 0.99), a50, pct(a, 0.99), a50 - d50);

        // as bin/bench's netbench does: the client writes first (connect, send 1 byte, read the answer), then resets
        double[] de = echoFirst(cli, DIRECT, 300);
        double[] ae = echoFirst(cli, VIA_WARM, 300);
        System.out.printf("local-listener set-up, client writes first (connect, 1 byte, answer), us: direct p50 %.0f p99 %.0f; agent p50 %.0f "
                + "p99 %.0f; added p50 %+.0f us%n", pct(de, 0.5), pct(de, 0.99), pct(ae, 0.5), pct(ae, 0.99), pct(ae, 0.5) - pct(de, 0.5));

        List<Double> ratios = new ArrayList<>();
        StringBuilder runs = new StringBuilder();
        for (int round = 0; round < 3; round++) {
            double plain;
            double spliced;
            if (round % 2 == 0) {
                plain = ClientAgentBench.iperf(cli, "198.18.61.10", 20002, 2, false);
                spliced = ClientAgentBench.iperf(cli, "127.0.0.1", 8081, 2, false);
            } else {
                spliced = ClientAgentBench.iperf(cli, "127.0.0.1", 8081, 2, false);
                plain = ClientAgentBench.iperf(cli, "198.18.61.10", 20002, 2, false);
            }
            ratios.add(spliced / plain);
            runs.append(String.format(" %.2f/%.2f", spliced, plain));
        }
        double[] r = ratios.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double ratio = r[r.length / 2];
        System.out.printf("local-listener throughput, iperf3 2 s, Gbit/s agent/direct:%s; median ratio %.2f (target >= 0.80)%n", runs, ratio);
        // the targets (+0.3 ms, 0.8x) are printed; the asserts leave room for a shared 2-core machine
        assertTrue(a50 - d50 < 1000, "warm set-up through the agent adds " + (a50 - d50) + " us at the median");
        assertTrue(ratio > 0.5, "throughput through the agent is " + ratio + " of direct");
    }

    /** The soft limit on open files of a process, from /proc/PID/limits. */
    static long fdLimit(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "limits"))) {
            if (l.startsWith("Max open files")) {
                return Long.parseLong(l.substring(25).trim().split("\\s+")[0]);
            }
        }
        throw new IllegalStateException("no open-files limit for " + pid);
    }

    @Test
    @Order(2)
    void tenThousandConnectionsIn192MegabytesTwoDescriptorsEach() throws Exception {
        long pid = warm.pid();
        warm.settle();
        long fdBefore = fds(pid);
        // the agent needs 2 per connection on top of what it has open; the hard limit here may be lower
        // than 20,000 + that, and raising it needs CAP_SYS_RESOURCE: then as many as fit
        long limit = Math.min(fdLimit(pid), fdLimit(ProcessHandle.current().pid()) * 2);
        int n = (int) Math.min(CONNECTIONS, (limit - fdBefore - 64) / 2);
        org.junit.jupiter.api.Assumptions.assumeTrue(n >= 1000, "SKIPPED: the open-files limit (" + limit + ") leaves room for "
                + n + " connections only");
        if (n < CONNECTIONS) {
            System.out.printf("RLIMIT_NOFILE is %d here (raising it needs CAP_SYS_RESOURCE): %d connections instead of %d%n",
                    fdLimit(pid), n, CONNECTIONS);
        }
        long active0 = warm.stat("active_connections");
        long failed0 = warm.stat("connections_failed");
        InetSocketAddress via = new InetSocketAddress("127.0.0.1", 8083);
        List<SocketChannel> clients = new ArrayList<>(n);
        try {
            NetNamespace.call(cli, () -> {
                for (int i = 0; i < n; i++) {
                    SocketChannel c = SocketChannel.open();
                    clients.add(c);
                    c.socket().setSoTimeout(10_000);
                    c.connect(via);
                    // the server's first byte came back through the splice: this connection is up end to end
                    if (c.socket().getInputStream().read() != 'x') {
                        throw new IllegalStateException("connection " + i + ": no first byte");
                    }
                }
                return null;
            });
            long active = warm.awaitStat("active_connections", v -> v >= active0 + n);
            assertEquals(active0 + n, active, "every connection is spliced at once");
            long fdWith = fds(pid);
            long perConnection = fdWith - fdBefore;
            System.out.printf("%,d concurrent connections through the agent (-Xmx192m): agent fds %d before, %d with them open: +%d = %.3f per "
                    + "connection; heap after GC %s%n", n, fdBefore, fdWith, perConnection, perConnection / (double) n, heapUsed(pid));
            assertTrue(Math.abs(perConnection - 2L * n) <= 16, "2 descriptors per connection, got " + perConnection + " for " + n);
            // some of them still carry bytes both ways
            for (int i = 0; i < n; i += 997) {
                Socket s = clients.get(i).socket();
                s.getOutputStream().write("echo\n".getBytes(StandardCharsets.US_ASCII));
                byte[] back = s.getInputStream().readNBytes(5);
                assertEquals("echo\n", new String(back, StandardCharsets.US_ASCII), "connection " + i);
            }
        } finally {
            for (SocketChannel c : clients) {
                c.close();
            }
        }
        warm.awaitStat("active_connections", v -> v == active0);
        Await.holdsWithin(Duration.ofSeconds(10), Duration.ofMillis(100), () -> fds(pid) <= fdBefore + 16);
        assertTrue(warm.isAlive(), "the agent survived");
        assertFalse(warm.log().contains("OutOfMemoryError"), "no OutOfMemoryError:\n" + tail(warm.log()));
        assertEquals(failed0, warm.stat("connections_failed"));
    }

    @Test
    @Order(3)
    void spoofedSynAckFloodChangesNoProbeTimeForksNothingAndLeavesTheHeapFlat() throws Exception {
        ClientAgentBench.setup(cli, VIA_COLD, 30);
        long probes0 = cold.stat("probes");
        String heapBefore = heapUsed(cold.pid());
        long capturedBefore = cold.stat("captured");
        byte[] clientMac = RawPort.parseMac(lab.mac(cli, "prrl-c0"));
        AtomicBoolean flooding = new AtomicBoolean(true);
        AtomicBoolean on = new AtomicBoolean(false);
        AtomicInteger sent = new AtomicInteger();
        AtomicInteger children = new AtomicInteger();
        List<String> childNames = new ArrayList<>();
        int maxPackets = 12_000;
        Thread flood = new Thread(() -> {
            try {
                NetNamespace.call(srv, () -> {
                    try (RawPort port = RawPort.open("prrl-s0", "tcp port 1 and tcp port 2", RawPort.Direction.IN)) {
                        ThreadLocalRandom rnd = ThreadLocalRandom.current();
                        long next = System.nanoTime();
                        while (flooding.get() && sent.get() < maxPackets) {
                            // 1000 per second, in bursts of 10 every 10 ms
                            for (int i = 0; i < 10 && on.get(); i++) {
                                InetAddress from = InetAddress.getByAddress(new byte[] {(byte) 198, 18, 60, (byte) (10 + rnd.nextInt(240))});
                                port.send(CraftedPacket.builder().ethernet(port.mac(), clientMac)
                                        .src(from, 1024 + rnd.nextInt(60000)).dst(InetAddress.getByName("198.18.60.1"), 61000 + rnd.nextInt(200))
                                        .tcp(TcpView.SYN | TcpView.ACK).seq(rnd.nextInt() & 0xFFFFFFFFL).ack(rnd.nextInt() & 0xFFFFFFFFL)
                                        .mss(1460).redirect(RedirectExtension.confirm(20001)).build().encode());
                                sent.incrementAndGet();
                            }
                            next += 10_000_000L;
                            long sleep = next - System.nanoTime();
                            if (sleep > 0) {
                                Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                            }
                        }
                    }
                    return null;
                });
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, "synack-flood");
        Thread watch = new Thread(() -> {
            while (flooding.get()) {
                for (String c : children(cold.pid())) {
                    children.incrementAndGet();
                    synchronized (childNames) {
                        childNames.add(c);
                    }
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "fork-watch");
        flood.start();
        watch.start();
        // blocks of probes with and without the flood, alternating, so whatever else loads the machine hits both
        List<Double> quietList = new ArrayList<>();
        List<Double> floodList = new ArrayList<>();
        try {
            while (sent.get() < 3000 && flood.isAlive()) {
                on.set(false);
                for (double v : ClientAgentBench.setup(cli, VIA_COLD, 50)) {
                    quietList.add(v);
                }
                on.set(true);
                Thread.sleep(50);
                for (double v : ClientAgentBench.setup(cli, VIA_COLD, 50)) {
                    floodList.add(v);
                }
            }
        } finally {
            flooding.set(false);
            flood.join(5000);
            watch.join(5000);
        }
        double[] quiet = quietList.stream().mapToDouble(Double::doubleValue).toArray();
        double[] flooded = floodList.stream().mapToDouble(Double::doubleValue).toArray();
        int k = quiet.length + flooded.length;
        assertTrue(cold.awaitStat("probes", v -> v >= probes0 + k) >= probes0 + k, "one probe per connection");
        long captured = cold.awaitStat("captured", v -> true) - capturedBefore;
        String heapAfter = heapUsed(cold.pid());
        System.out.printf("cold set-up (one probe each), us: quiet p50 %.0f p99 %.0f; under %d spoofed SYN-ACKs (1000/s from random on-link "
                        + "sources) p50 %.0f p99 %.0f (%d probes each); packets the agent's capture passed meanwhile: %d; child processes seen: %d; heap after GC "
                        + "%s before, %s after%n",
                pct(quiet, 0.5), pct(quiet, 0.99), sent.get(), pct(flooded, 0.5), pct(flooded, 0.99), flooded.length, captured, children.get(),
                heapBefore, heapAfter);
        assertTrue(sent.get() >= 3000, "the flood ran for a few seconds: " + sent.get());
        assertEquals(0, children.get(), "no process started by the agent: " + childNames);
        assertTrue(captured < 4L * k, "the kernel filter kept the flood out of the agent: " + captured + " captured for " + k + " probes");
        assertTrue(pct(flooded, 0.99) <= 2 * pct(quiet, 0.99) + 5000,
                "probe p99 under the flood " + pct(flooded, 0.99) + " us vs " + pct(quiet, 0.99) + " us quiet");
        long before = kib(heapBefore);
        long after = kib(heapAfter);
        assertTrue(after <= before + 8 * 1024, "heap flat: " + heapBefore + " -> " + heapAfter);
    }

    @Test
    @Order(4)
    void aForgedUdpReplyIsNotDelivered() throws Exception {
        DatagramSocket app = NetNamespace.call(cli, () -> new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)));
        try {
            app.setSoTimeout(5000);
            InetSocketAddress listener = new InetSocketAddress("127.0.0.1", 5300);
            long notices = warm.stat("udp_notices");
            assertEquals("20053:one", exchange(app, listener, "one"));
            warm.awaitStat("udp_notices", v -> v > notices);
            assertEquals("20053:two", exchange(app, listener, "two"), "answered by VIP:20053 itself");
            int session = sessionPort();
            long dropped = warm.stat("udp_foreign_dropped");
            InetSocketAddress to = new InetSocketAddress("198.18.60.1", session);
            // three real senders in the server namespace: another host, the VIP from a wrong port, the VIP's redirect port
            for (InetSocketAddress from : List.of(new InetSocketAddress("198.18.60.2", 20053), new InetSocketAddress(VIP, 20054),
                    new InetSocketAddress(VIP, 53))) {
                NetNamespace.call(srv, () -> {
                    try (DatagramSocket s = new DatagramSocket(from)) {
                        byte[] b = ("forged from " + from).getBytes(StandardCharsets.US_ASCII);
                        s.send(new DatagramPacket(b, b.length, to));
                    }
                    return null;
                });
            }
            assertEquals(dropped + 3, warm.awaitStat("udp_foreign_dropped", v -> v >= dropped + 3), "three datagrams counted and dropped");
            app.setSoTimeout(1000);
            DatagramPacket in = new DatagramPacket(new byte[1500], 1500);
            assertThrows(SocketTimeoutException.class, () -> app.receive(in), "nothing forged reaches the application");
            app.setSoTimeout(5000);
            assertEquals("20053:three", exchange(app, listener, "three"), "the real server still gets through");
        } finally {
            app.close();
        }
    }

    @Test
    @Order(5)
    void aForgedMidConnectionRedirectWithABadSequenceNumberChangesNothing() throws Exception {
        Socket old = connect(8082);
        BufferedReader oldIn = new BufferedReader(new InputStreamReader(old.getInputStream(), StandardCharsets.US_ASCII));
        try {
            assertEquals("served-by 20003", oldIn.readLine());
            old.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("ping", oldIn.readLine());
            Await.holdsWithin(Duration.ofSeconds(5), Duration.ofMillis(20), () -> !stub.watchedClientPorts().isEmpty());
            int clientPort = stub.watchedClientPorts().get(0);
            warm.settle();
            long moves = warm.stat("mid_flow_redirects");
            long outOfWindow = warm.stat("mid_flow_out_of_window");

            stub.injectMidFlowRedirect(clientPort, 20004, 0x40000000L);
            assertEquals(outOfWindow + 1, warm.awaitStat("mid_flow_out_of_window", v -> v > outOfWindow), "counted with its reason");
            assertEquals(moves, warm.stat("mid_flow_redirects"), "not applied");
            assertEquals("served-by 20003", firstLine(8082), "new connections keep the port");

            // the same segment in sequence (as the server agent's drain sends it) does move them
            stub.injectMidFlowRedirect(clientPort, 20004);
            assertEquals(moves + 1, warm.awaitStat("mid_flow_redirects", v -> v > moves));
            assertEquals("served-by 20004", firstLine(8082));
            old.getOutputStream().write("still\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("still", oldIn.readLine(), "the old connection drains untouched");
        } finally {
            old.close();
        }
    }

    // ---- helpers

    static Socket connect(int port) throws IOException {
        Socket s = NetNamespace.call(cli, () -> {
            Socket c = new Socket();
            c.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            return c;
        });
        s.setSoTimeout(5000);
        return s;
    }

    static String firstLine(int port) throws IOException {
        try (Socket s = connect(port)) {
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        }
    }

    static String exchange(DatagramSocket s, InetSocketAddress to, String msg) throws IOException {
        byte[] b = msg.getBytes(StandardCharsets.UTF_8);
        s.send(new DatagramPacket(b, b.length, to));
        DatagramPacket in = new DatagramPacket(new byte[1500], 1500);
        s.receive(in);
        return new String(in.getData(), 0, in.getLength(), StandardCharsets.UTF_8);
    }

    /** The local port of the warm agent's one UDP session socket (bound to the probe interface's address). */
    static int sessionPort() {
        Matcher m = Pattern.compile("198\\.18\\.60\\.1:(\\d+)").matcher(lab.exec(cli, "ss", "-Huan"));
        List<Integer> ports = new ArrayList<>();
        while (m.find()) {
            ports.add(Integer.parseInt(m.group(1)));
        }
        assertEquals(1, ports.size(), "one UDP session socket: " + ports);
        return ports.get(0);
    }

    /** Connect, write one byte, read the server's first byte and the echo; reset. Microseconds each. */
    static double[] echoFirst(String ns, InetSocketAddress to, int n) throws Exception {
        return NetNamespace.call(ns, () -> {
            double[] out = new double[n];
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                try (Socket s = new Socket()) {
                    s.setTcpNoDelay(true);
                    s.setSoTimeout(5000);
                    s.connect(to, 5000);
                    s.getOutputStream().write('p');
                    byte[] b = s.getInputStream().readNBytes(2);
                    if (b.length != 2 || b[1] != 'p') {
                        throw new IllegalStateException("no echo via " + to);
                    }
                    out[i] = (System.nanoTime() - t0) / 1000.0;
                    s.setSoLinger(true, 0);
                }
            }
            return out;
        });
    }

    static long fds(long pid) {
        String[] names = new java.io.File("/proc/" + pid + "/fd").list();
        return names == null ? -1 : names.length;
    }

    /** Processes whose parent is {@code pid}, as "pid comm". */
    static List<String> children(long pid) {
        List<String> out = new ArrayList<>();
        String[] all = new java.io.File("/proc").list();
        if (all == null) {
            return out;
        }
        for (String p : all) {
            if (!p.chars().allMatch(Character::isDigit)) {
                continue;
            }
            try {
                String stat = Files.readString(Path.of("/proc", p, "stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                if (Long.parseLong(f[1]) == pid) {
                    out.add(p + " " + stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
                }
            } catch (IOException | RuntimeException e) {
                // gone meanwhile
            }
        }
        return out;
    }

    /** Heap in use after a full GC, as jcmd prints it (e.g. "12345K"). */
    static String heapUsed(long pid) throws Exception {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        Netns.run(jcmd, Long.toString(pid), "GC.run");
        String info = Netns.run(jcmd, Long.toString(pid), "GC.heap_info");
        Matcher m = Pattern.compile("total \\d+K, used (\\d+)K").matcher(info);
        long used = 0;
        while (m.find()) {
            used += Long.parseLong(m.group(1));
        }
        return used + "K";
    }

    static long kib(String s) {
        return Long.parseLong(s.substring(0, s.length() - 1));
    }

    static String tail(String log) {
        return log.length() > 4000 ? log.substring(log.length() - 4000) : log;
    }

    /**
     * A server for many connections on one NIO thread: writes 'x' on accept (the first byte set-up
     * is timed to), echoes what it reads, holds the connection until the client closes.
     */
    static final class HoldServer implements AutoCloseable {
        final String ns;
        final InetSocketAddress at;
        final AtomicInteger open = new AtomicInteger();
        volatile boolean running = true;
        ServerSocketChannel server;
        Selector selector;
        Thread thread;

        HoldServer(String ns, InetSocketAddress at) {
            this.ns = ns;
            this.at = at;
        }

        HoldServer start() throws IOException {
            NetNamespace.call(ns, () -> {
                server = ServerSocketChannel.open();
                server.bind(at, 4096);
                return null;
            });
            selector = Selector.open();
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
            thread = new Thread(this::loop, "hold-server");
            thread.setDaemon(true);
            thread.start();
            return this;
        }

        private void loop() {
            ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
            ByteBuffer x = ByteBuffer.wrap(new byte[] {'x'});
            try {
                while (running) {
                    selector.select(200);
                    for (SelectionKey k : selector.selectedKeys()) {
                        if (!k.isValid()) {
                            continue;
                        }
                        if (k.isAcceptable()) {
                            for (SocketChannel c; (c = server.accept()) != null; ) {
                                c.configureBlocking(false);
                                c.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
                                x.clear();
                                c.write(x);
                                c.register(selector, SelectionKey.OP_READ);
                                open.incrementAndGet();
                            }
                        } else if (k.isReadable()) {
                            SocketChannel c = (SocketChannel) k.channel();
                            buf.clear();
                            int n;
                            try {
                                n = c.read(buf);
                            } catch (IOException e) {
                                n = -1;
                            }
                            if (n < 0) {
                                k.cancel();
                                c.close();
                                open.decrementAndGet();
                            } else if (n > 0) {
                                buf.flip();
                                c.write(buf); // small echoes: the socket buffer takes them
                            }
                        }
                    }
                    selector.selectedKeys().clear();
                }
            } catch (IOException e) {
                // closing
            }
        }

        @Override
        public void close() throws Exception {
            running = false;
            thread.join(2000);
            for (SelectionKey k : selector.keys()) {
                k.channel().close();
            }
            selector.close();
        }
    }
}
