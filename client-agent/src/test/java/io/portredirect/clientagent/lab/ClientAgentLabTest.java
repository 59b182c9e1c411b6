package io.portredirect.clientagent.lab;

import io.portredirect.clientagent.api.Redirect;
import io.portredirect.clientagent.host.ProbeGuard;
import io.portredirect.protocol.config.PortRange;
import io.portredirect.protocol.io.NetNamespace;
import io.portredirect.protocol.lab.Await;
import io.portredirect.protocol.lab.LabExtension;
import io.portredirect.protocol.lab.LabProcess;
import io.portredirect.protocol.lab.LabSupport;
import io.portredirect.protocol.lab.LabTest;
import io.portredirect.protocol.lab.Netns;
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
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client agent end to end, as a separate JVM in a client namespace, against real kernels:
 * <pre>
 *   prc-cli [agent, curl, socat]  prc-c0 198.18.52.1 ---- prc-s0 198.18.52.2  prc-srv [VIP 198.18.53.10 on lo]
 *                                                                              HTTP :80 :81 :82 :85 :20001
 *                                                                              banner-echo :20002 :20003, udp echo :20053
 *                                                                              StubResponder (pcap) answers REDIRECT SYNs
 * </pre>
 * The stub stands in for the server agent: 80 -> 20001, 81 -> forged 40000 then 20001, 83 -> 20003,
 * 85 black-holed, udp 53 -> 20053. Tests run in order on one topology.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@LabTest
class ClientAgentLabTest {
    @RegisterExtension
    static final LabExtension<Netns> LAB = LabExtension.of(() -> {
        for (String tool : List.of("nft", "tcpdump", "tshark", "curl", "socat")) {
            LabSupport.assumeTool(tool);
        }
        return new Netns("prc");
    });

    static final InetAddress VIP = addr("198.18.53.10");
    static final InetAddress VIP6 = addr("2001:2:0:1::10");
    static final String CONFIG = """
            probe:
              interface: prc-c0
              source-ports: 61000-61099
              timeout: 300ms
              retries: 2
            cache:
              ttl: 120s
            fallback: plain
            max-chain: 3
            vips:
              - address: 198.18.53.10
                service-ports: 20000-20099
              - address: 2001:2:0:1::10
                service-ports: 20000-20099
            listeners:
              - {listen: 127.0.0.1:8080, target: 198.18.53.10:80}
              - {listen: 127.0.0.1:8086, target: "[2001:2:0:1::10]:80"}
              - {listen: 127.0.0.1:8087, target: "[2001:2:0:1::10]:82"}
              - {listen: 127.0.0.1:8081, target: 198.18.53.10:81}
              - {listen: 127.0.0.1:8082, target: 198.18.53.10:82}
              - {listen: 127.0.0.1:8083, target: 198.18.53.10:83}
              - {listen: 127.0.0.1:8084, target: 198.18.53.10:84}
              - {listen: 127.0.0.1:8085, target: 198.18.53.10:85}
              - {listen: 127.0.0.1:5300, target: 198.18.53.10:53, protocol: udp}
              - {listen: 127.0.0.1:5400, target: 198.18.53.10:54, protocol: udp}
            """;
    static final String FAIL_CONFIG = """
            probe:
              interface: prc-c0
              source-ports: 61100-61199
              timeout: 200ms
              retries: 1
            fallback: fail
            vips:
              - address: 198.18.53.10
                service-ports: 20000-20099
            listeners:
              - {listen: 127.0.0.1:9084, target: 198.18.53.10:84}
              - {listen: 127.0.0.1:9085, target: 198.18.53.10:85}
            """;

    static Netns lab;
    static String cli;
    static String srv;
    static Path dir;
    static LabServers servers;
    static StubResponder stub;
    static StubResponder stub6;
    static LabServers servers6;
    static AgentProcess agent;
    static AgentProcess failAgent;

    static InetAddress addr(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeAll
    static void setUp(Netns fixture) throws Exception {
        lab = fixture;
        cli = lab.create("cli");
        srv = lab.create("srv");
        lab.veth(cli, "prc-c0", "198.18.52.1/24", srv, "prc-s0", "198.18.52.2/24");
        lab.exec(srv, "ip", "addr", "add", "198.18.53.10/32", "dev", "lo");
        lab.exec(cli, "ip", "route", "add", "198.18.53.10/32", "via", "198.18.52.2");
        lab.exec(cli, "ip", "-6", "addr", "add", "2001:2::1/64", "dev", "prc-c0", "nodad");
        lab.exec(srv, "ip", "-6", "addr", "add", "2001:2::2/64", "dev", "prc-s0", "nodad");
        lab.exec(srv, "ip", "-6", "addr", "add", "2001:2:0:1::10/128", "dev", "lo");
        lab.exec(cli, "ip", "-6", "route", "add", "2001:2:0:1::10/128", "via", "2001:2::2");
        servers = new LabServers(srv, VIP).http(80).http(81).http(82).http(85).http(20001)
                .bannerEcho(20002).bannerEcho(20003).udpEcho(20053).udpEcho(54);
        stub = new StubResponder(srv, "prc-s0", VIP, Map.of(80, 20001, 81, 20001, 82, 20001, 83, 20003), Set.of(81), Set.of(85),
                Map.of(53, 20053), Set.of(20003), "61000-61299").start();
        servers6 = new LabServers(srv, VIP6).http(20001).http(82);
        stub6 = new StubResponder(srv, "prc-s0", VIP6, Map.of(80, 20001), Set.of(), Set.of(), Map.of(), Set.of(), "61000-61299").start();
        dir = Files.createTempDirectory("prc-lab");
        agent = AgentProcess.start(cli, dir, "agent", CONFIG, List.of("-XX:+UseSerialGC"));
        failAgent = AgentProcess.start(cli, dir, "fail-agent", FAIL_CONFIG, List.of("-XX:+UseSerialGC"));
    }

    @AfterAll
    static void tearDown() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {agent, failAgent, stub, stub6, servers, servers6}) {
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

    record Result(int code, String out) {
    }

    /** Runs a command in a namespace; returns exit code and stdout+stderr. */
    static Result run(String ns, String... cmd) throws Exception {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(Arrays.asList(cmd));
        Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "timed out: " + full);
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    static Result curl(int port) throws Exception {
        return run(cli, "curl", "-s", "-S", "-m", "5", "http://127.0.0.1:" + port + "/");
    }

    static void assertServedBy(int servicePort, int listenPort) throws Exception {
        Result r = curl(listenPort);
        assertEquals(0, r.code(), "curl via " + listenPort + ": " + r.out() + "\n--- agent log:\n" + agent.log());
        assertEquals("served-by " + servicePort, r.out().trim());
    }

    /** One line of tshark's field output for a TCP packet. */
    record Seg(int frame, String src, int sport, String dst, int dport, int flags, long seq, long ack, String exid, String data,
               String checksum) {
        static Seg parse(String line) {
            String[] f = line.split("\t", -1);
            return new Seg(Integer.parseInt(f[0]), f[1], Integer.parseInt(f[2]), f[3], Integer.parseInt(f[4]),
                    Integer.decode(f[5]), Long.parseLong(f[6]), Long.parseLong(f[7]), f[8], f[9].replace(":", ""), f[10]);
        }

        boolean probePort() {
            return sport >= 61000 && sport <= 61099 || dport >= 61000 && dport <= 61099;
        }
    }

    @Test
    @Order(1)
    void probesThenReopensOnTheServicePort() throws Exception {
        Path pcap = dir.resolve("first.pcap");
        Path dumpLog = dir.resolve("tcpdump.log");
        LabProcess dump = lab.startProcess("tcpdump", cli, List.of("tcpdump", "-i", "prc-c0", "-n", "-U", "--immediate-mode", "-w", pcap.toString(), "tcp"),
                dumpLog);
        dump.awaitLog("listening on", Duration.ofSeconds(10));
        assertServedBy(20001, 8080);
        Thread.sleep(300);
        dump.signal("TERM");
        assertTrue(dump.awaitExit(Duration.ofSeconds(10)));

        // an independent decoder reads what went over the client's veth
        Result t = run(cli, "tshark", "-r", pcap.toString(), "-o", "tcp.check_checksum:TRUE", "-T", "fields",
                "-e", "frame.number", "-e", "ip.src", "-e", "tcp.srcport", "-e", "ip.dst", "-e", "tcp.dstport", "-e", "tcp.flags",
                "-e", "tcp.seq_raw", "-e", "tcp.ack_raw", "-e", "tcp.options.experimental.exid", "-e", "tcp.options.experimental.data",
                "-e", "tcp.checksum.status");
        assertEquals(0, t.code(), t.out());
        List<Seg> segs = t.out().lines().filter(l -> l.matches("\\d+\t.*")).map(Seg::parse).toList();
        String all = String.join("\n", t.out().lines().toList());
        Seg syn = segs.stream().filter(s -> s.dport() == 80 && s.flags() == 0x002 && s.probePort()).findFirst().orElseThrow(() -> new AssertionError(all));
        assertEquals("198.18.52.1", syn.src());
        assertEquals("0x5244", syn.exid(), "SYN carries the experimental option with our ExID\n" + all);
        assertEquals("01", syn.data(), "flags REDIRECT, no port");
        assertEquals("1", syn.checksum(), "crafted SYN checksum verified by tshark");
        Seg synAck = segs.stream().filter(s -> s.sport() == 80 && s.dport() == syn.sport() && s.flags() == 0x012).findFirst()
                .orElseThrow(() -> new AssertionError(all));
        assertEquals("0x5244", synAck.exid());
        assertEquals("024e21", synAck.data(), "REDIRECT_CONFIRM + REDIRECT_OPT=20001");
        assertEquals(syn.seq() + 1, synAck.ack());
        Seg rst = segs.stream().filter(s -> s.sport() == syn.sport() && s.dport() == 80 && s.flags() == 0x004).findFirst()
                .orElseThrow(() -> new AssertionError("no RST closing the probe\n" + all));
        assertEquals(synAck.ack(), rst.seq(), "RST seq = ack of the SYN-ACK");
        assertEquals("01", rst.data(), "the RST carries REDIRECT");
        assertEquals("1", rst.checksum());
        Seg kernelSyn = segs.stream().filter(s -> s.dport() == 20001 && s.flags() == 0x002).findFirst()
                .orElseThrow(() -> new AssertionError("no kernel connection to VIP:20001\n" + all));
        assertFalse(kernelSyn.probePort(), "the real connection comes from an ordinary ephemeral port");
        assertEquals("", kernelSyn.exid(), "the kernel's SYN carries no redirect option");
        assertTrue(syn.frame() < synAck.frame() && synAck.frame() < rst.frame() && rst.frame() < kernelSyn.frame(),
                "order: probe SYN, SYN-ACK, RST, kernel SYN\n" + all);
        assertTrue(segs.stream().noneMatch(s -> s.dport() == 80 && s.flags() == 0x010 && s.probePort()),
                "the probe never completes a handshake");

        assertEquals(1, agent.awaitStat("probes", v -> v >= 1));
        assertEquals(1, agent.awaitStat("probe_redirected", v -> v >= 1));
        assertTrue(agent.awaitStat("probe_rsts", v -> v >= 1) >= 1);
        // a loaded machine may delay the stub past the first timeout: then the SYN was sent twice
        assertTrue(stub.answers.get() >= 1);
        awaitTrue(() -> stub.probeRsts.get() >= 1, "the stub saw the probe's RST");
    }

    @Test
    @Order(2)
    void freshCacheSkipsTheProbe() throws Exception {
        agent.settle();
        long probes = agent.stat("probes");
        long hits = agent.stat("cache_hits");
        int syns = stub.synsWithRedirect.get();
        for (int i = 0; i < 5; i++) {
            assertServedBy(20001, 8080);
        }
        Result s = run(cli, "sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | socat -t 3 - TCP:127.0.0.1:8080");
        assertEquals(0, s.code(), s.out());
        assertTrue(s.out().contains("served-by 20001"), s.out());
        assertEquals(hits + 6, agent.awaitStat("cache_hits", v -> v >= hits + 6));
        assertEquals(probes, agent.stat("probes"), "no probe while the cache is fresh");
        assertEquals(syns, stub.synsWithRedirect.get(), "no probe SYN reached the server");
    }

    @Test
    @Order(3)
    void forgedOutOfRangeAnswerIsIgnored() throws Exception {
        assertServedBy(20001, 8081);
        assertTrue(stub.forged.get() >= 1);
        assertEquals(1, agent.awaitStat("ignored_redirects", v -> v >= 1));
        assertEquals(2, agent.awaitStat("probe_redirected", v -> v >= 2));
    }

    @Test
    @Order(4)
    void midConnectionRedirectMovesNewConnectionsAndTheOldOneDrains() throws Exception {
        Socket old = connect(8083);
        BufferedReader oldIn = reader(old);
        assertEquals("served-by 20003", oldIn.readLine());
        send(old, "ping");
        assertEquals("ping", oldIn.readLine());
        awaitTrue(() -> !stub.watchedClientPorts().isEmpty(), "the stub saw the agent's flow to 20003");
        int clientPort = stub.watchedClientPorts().get(0);
        assertEquals(3, agent.awaitStat("probes", v -> v >= 3), "80, 81 and now 83 were probed");
        agent.settle();
        long hits = agent.stat("cache_hits");

        stub.injectMidFlowRedirect(clientPort, 20002);
        assertEquals(1, agent.awaitStat("mid_flow_redirects", v -> v >= 1), agent.log());

        try (Socket fresh = connect(8083)) {
            assertEquals("served-by 20002", reader(fresh).readLine(), "a new connection goes to Z");
        }
        send(old, "still here");
        assertEquals("still here", oldIn.readLine(), "the old connection drains untouched on Y");
        old.close();
        agent.awaitStat("cache_hits", v -> v > hits);
        assertEquals(3, agent.stat("probes"), "the move needs no probe: the new connection came from the cache");
    }

    @Test
    @Order(5)
    void udpFirstDatagramGoesRawThenTheRestToTheServicePort() throws Exception {
        DatagramSocket ds = NetNamespace.call(cli, () -> new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)));
        try {
            ds.setSoTimeout(5000);
            InetSocketAddress listener = new InetSocketAddress("127.0.0.1", 5300);
            assertEquals("20053:one", exchange(ds, listener, "one"), "the notice is also the stub's reply");
            assertEquals(1, agent.awaitStat("udp_notices", v -> v >= 1));
            assertEquals("20053:two", exchange(ds, listener, "two"), "the kernel sends the rest to VIP:20053");
            assertEquals("20053:three", exchange(ds, listener, "three"));
            assertEquals(1, agent.awaitStat("udp_raw_sent", v -> v >= 1));
            assertEquals(1, stub.udpFirstDatagrams.get());
            assertTrue(agent.stat("udp_sessions") >= 1);
        } finally {
            ds.close();
        }
    }

    @Test
    @Order(6)
    void udpWithoutNoticeFallsBackAndTheLegacyServerGetsTheRawDatagramIntact() throws Exception {
        agent.settle();
        long raw = agent.stat("udp_raw_sent");
        DatagramSocket ds = NetNamespace.call(cli, () -> new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)));
        try {
            ds.setSoTimeout(5000);
            InetSocketAddress listener = new InetSocketAddress("127.0.0.1", 5400);
            // a plain kernel socket on VIP:54 receives exactly the payload; the surplus option is ignored
            assertEquals("54:one", exchange(ds, listener, "one"));
            assertEquals(1, agent.awaitStat("udp_fallbacks", v -> v >= 1), "no notice within the wait: plain VIP:54");
            assertEquals("54:two", exchange(ds, listener, "two"));
            assertEquals(raw + 1, agent.stat("udp_raw_sent"), "only the datagram sent while negotiating went raw");
        } finally {
            ds.close();
        }
    }

    @Test
    @Order(7)
    void apiSocketsUseTheSameNegotiation() throws Exception {
        Redirect r = NetNamespace.call(cli, () -> Redirect.builder().probeInterface("prc-c0").probePorts(61200, 61299)
                .timeout(Duration.ofMillis(300), 2).vip(VIP, new PortRange(20000, 20099)).open());
        String table = ProbeGuard.TABLE_PREFIX + ProcessHandle.current().pid();
        try {
            assertTrue(lab.exec(cli, "nft", "list", "tables").contains(table));
            Socket s = NetNamespace.call(cli, () -> r.connect(VIP, 80));
            assertEquals(20001, s.getPort());
            assertEquals("served-by 20001", httpGet(s));
            Socket lazy = NetNamespace.call(cli, () -> {
                Socket x = r.socketFactory().createSocket();
                x.setSoTimeout(5000);
                x.connect(new InetSocketAddress(VIP, 80), 5000);
                return x;
            });
            assertEquals(20001, lazy.getPort());
            assertEquals("served-by 20001", httpGet(lazy));
            assertEquals(1, r.stats().get(io.portredirect.clientagent.stats.Counter.PROBES));
            assertEquals(1, r.stats().get(io.portredirect.clientagent.stats.Counter.CACHE_HITS));
        } finally {
            NetNamespace.call(cli, () -> {
                r.close();
                return null;
            });
        }
        assertFalse(lab.exec(cli, "nft", "list", "tables").contains(table), "closing the API removes its nft table");
        assertFalse(lab.exec(cli, "cat", "/proc/sys/net/ipv4/ip_local_reserved_ports").contains("61299"));
    }

    @Test
    @Order(8)
    void ipv6ProbeAndLegacyFallback() throws Exception {
        agent.settle();
        long probes = agent.stat("probes");
        long notSupported = agent.stat("probe_not_supported");
        assertServedBy(20001, 8086);
        assertTrue(stub6.answers.get() >= 1);
        awaitTrue(() -> stub6.probeRsts.get() >= 1, "the stub saw the IPv6 probe's RST");
        // no stub on 82: the server kernel answers the IPv6 probe SYN, so its checksum is right
        assertServedBy(82, 8087);
        assertEquals(notSupported + 1, agent.awaitStat("probe_not_supported", v -> v > notSupported));
        assertEquals(probes + 2, agent.awaitStat("probes", v -> v >= probes + 2));
    }

    @Test
    @Order(9)
    void timeoutFallsBackPerPolicy() throws Exception {
        int synsBefore = stub.synsWithRedirect.get();
        assertServedBy(85, 8085);
        assertEquals(1, agent.awaitStat("probe_timed_out", v -> v >= 1));
        assertTrue(agent.awaitStat("fallbacks", v -> v >= 1) >= 1);

        Result failed = curl(9085);
        assertNotEquals(0, failed.code(), "fallback 'fail' refuses instead of connecting plainly: " + failed.out());
        assertEquals(1, failAgent.awaitStat("refused_by_policy", v -> v >= 1), failAgent.log());
        assertEquals(1, failAgent.stat("probe_timed_out"));
        awaitTrue(() -> stub.synsWithRedirect.get() - synsBefore == 3 + 2,
                "black-holed: SYN + 2 retransmissions (plain agent), SYN + 1 (fail agent)");
    }

    @Test
    @Order(10)
    void refusedProbe() throws Exception {
        Result plain = curl(8084);
        assertNotEquals(0, plain.code(), "nothing listens on 84: the plain fallback is refused too");
        assertEquals(1, agent.awaitStat("probe_refused", v -> v >= 1));
        assertEquals(1, agent.awaitStat("connections_failed", v -> v >= 1));
        Result fail = curl(9084);
        assertNotEquals(0, fail.code());
        assertEquals(1, failAgent.awaitStat("probe_refused", v -> v >= 1));
        assertEquals(2, failAgent.awaitStat("refused_by_policy", v -> v >= 2));
    }

    @Test
    @Order(11)
    void responderStoppedTheKernelAnswersPlainly() throws Exception {
        stub.close();
        agent.settle();
        long notSupported = agent.stat("probe_not_supported");
        // the server kernel now answers the probe SYN itself: proof our crafted SYN is a valid segment
        assertServedBy(82, 8082);
        assertEquals(notSupported + 1, agent.awaitStat("probe_not_supported", v -> v > notSupported));
        assertServedBy(20001, 8080);
    }

    @Test
    @Order(12)
    void exitRemovesTheNftTableAndTheReservedPorts() throws Exception {
        String tables = lab.exec(cli, "nft", "list", "tables");
        assertTrue(tables.contains(ProbeGuard.TABLE_PREFIX + agent.pid()), tables);
        assertTrue(tables.contains(ProbeGuard.TABLE_PREFIX + failAgent.pid()), tables);
        assertEquals("61000-61199", lab.exec(cli, "cat", "/proc/sys/net/ipv4/ip_local_reserved_ports").trim());
        int code = agent.stop();
        failAgent.stop();
        assertEquals(143, code, "terminated by SIGTERM after the shutdown hook ran\n" + agent.log());
        assertTrue(agent.log().contains("probe guard removed"), agent.log());
        assertFalse(lab.exec(cli, "nft", "list", "tables").contains(ProbeGuard.TABLE_PREFIX));
        assertEquals("", lab.exec(cli, "cat", "/proc/sys/net/ipv4/ip_local_reserved_ports").trim());
    }

    static Socket connect(int port) throws IOException {
        Socket s = NetNamespace.call(cli, () -> {
            Socket x = new Socket();
            x.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            return x;
        });
        s.setSoTimeout(5000);
        return s;
    }

    static BufferedReader reader(Socket s) throws IOException {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
    }

    static void send(Socket s, String line) throws IOException {
        OutputStream o = s.getOutputStream();
        o.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
        o.flush();
    }

    static String exchange(DatagramSocket ds, InetSocketAddress to, String msg) throws IOException {
        byte[] b = msg.getBytes(StandardCharsets.UTF_8);
        ds.send(new DatagramPacket(b, b.length, to));
        DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
        ds.receive(p);
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
    }

    static String httpGet(Socket s) throws IOException {
        s.setSoTimeout(5000);
        s.getOutputStream().write("GET / HTTP/1.0\r\nHost: vip\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        String resp = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        s.close();
        assertNotNull(resp);
        return resp.substring(resp.indexOf("\r\n\r\n") + 4).trim();
    }

    static void awaitTrue(BooleanSupplier c, String what) throws InterruptedException {
        Await.until(Duration.ofSeconds(5), Duration.ofMillis(20), c, () -> "timed out waiting: " + what);
    }
}
