package io.portredirect.serveragent.lab;

import io.portredirect.protocol.io.FrameCollector;
import io.portredirect.protocol.io.NetNamespace;
import io.portredirect.protocol.io.RawPort;
import io.portredirect.protocol.lab.LabExtension;
import io.portredirect.protocol.lab.LabProcess;
import io.portredirect.protocol.lab.LabTest;
import io.portredirect.protocol.lab.Netns;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.packet.TransportChecksum;
import io.portredirect.protocol.wire.RedirectExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real agent binary (a separate JVM inside the server namespace) against real kernels:
 * client namespace <-> server namespace over one veth, VIP on the server's loopback, the client
 * routing the VIP via the server. Packets are injected and captured with RawPort inside the
 * client namespace. Tests run in order on one agent; the last one stops it and checks cleanup.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@LabTest
class ServerAgentLabTest {
    @RegisterExtension
    static final LabExtension<Netns> LAB = LabExtension.of(() -> new Netns("prs"));

    static final String VIP = "198.18.0.10";
    static final String VIP6 = "2001:2::10";
    static final String CLIENT_IP = "198.18.20.1";
    static final String CLIENT_IP6 = "2001:2:20::1";
    static final int REDIRECT = 8000;
    static final int FULL_PORT = 8001;
    static final int APP_PORT = 8002;
    static final int PROXIED_PORT = 8003;
    static final int PROXY_TARGET = 9003;
    static final String TABLE = "prs_agent";

    static Netns lab;
    static String client;
    static String server;
    static byte[] clientMac;
    static byte[] serverMac;
    static LabProcess agent;
    static Path dir;
    static Path config;
    static String reservedBefore;
    static final List<AutoCloseable> resources = new ArrayList<>();
    static int nextClientPort = 41000;

    @BeforeAll
    static void setUp(Netns fixture) throws Exception {
        lab = fixture;
        client = lab.create("c");
        server = lab.create("s");
        lab.veth(client, "prs-c0", CLIENT_IP + "/24", server, "prs-s0", "198.18.20.2/24");
        lab.exec(client, "ip", "-6", "addr", "add", CLIENT_IP6 + "/64", "dev", "prs-c0", "nodad");
        lab.exec(server, "ip", "-6", "addr", "add", "2001:2:20::2/64", "dev", "prs-s0", "nodad");
        lab.exec(server, "ip", "addr", "add", VIP + "/32", "dev", "lo");
        lab.exec(server, "ip", "-6", "addr", "add", VIP6 + "/128", "dev", "lo", "nodad");
        lab.exec(client, "ip", "route", "add", VIP + "/32", "via", "198.18.20.2");
        lab.exec(client, "ip", "-6", "route", "add", VIP6 + "/128", "via", "2001:2:20::2");
        clientMac = RawPort.parseMac(lab.mac(client, "prs-c0"));
        serverMac = RawPort.parseMac(lab.mac(server, "prs-s0"));

        // the applications: a legacy one on the redirect port (the kernel would answer REDIRECT SYNs
        // with it if the agent's nft rule did not drop them), one on a service port, one behind the
        // agent's proxy, and a listener with backlog 1 that never accepts (its queue fills)
        resources.add(EchoServer.start(server, null, REDIRECT, "legacy"));
        resources.add(EchoServer.start(server, null, APP_PORT, "app"));
        resources.add(EchoServer.start(server, "127.0.0.1", PROXY_TARGET, "proxied"));
        resources.add(NetNamespace.call(server, () -> new java.net.ServerSocket(FULL_PORT, 1)));
        resources.add(NetNamespace.call(server, () -> new DatagramSocket(new InetSocketAddress(VIP, REDIRECT))));

        dir = Files.createTempDirectory("prs-agent");
        config = Files.writeString(dir.resolve("agent.yaml"), String.join("\n",
                "interface: prs-s0",
                "vips: [" + VIP + ", " + VIP6 + "]",
                "redirect-ports: [" + REDIRECT + "]",
                "service-ports:",
                "  - " + FULL_PORT,
                "  - " + APP_PORT,
                "  - port: " + PROXIED_PORT,
                "    proxy-to: 127.0.0.1:" + PROXY_TARGET,
                "policy: queue-aware",
                "refresh: 50ms",
                "nft-table: " + TABLE,
                ""));
        reservedBefore = lab.exec(server, "cat", "/proc/sys/net/ipv4/ip_local_reserved_ports").trim();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        agent = lab.startProcess("server agent", server, List.of(java, "-cp", System.getProperty("java.class.path"),
                "io.portredirect.serveragent.cli.ServerAgentCommand", "run", "--config", config.toString()), dir.resolve("agent.log"));
        agent.awaitLog("ready", Duration.ofSeconds(30));
    }

    @AfterAll
    static void tearDown() {
        for (AutoCloseable c : resources) {
            try {
                c.close();
            } catch (Exception e) {
                // tearing down anyway
            }
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException e) {
                // a temp directory left behind
            }
        }
    }

    /** What the agent logged (without LabProcess's run header). */
    static String log() {
        return agent.currentLog();
    }

    static RawPort clientPort(String filter, FrameCollector into) throws IOException {
        RawPort p = NetNamespace.call(client, () -> RawPort.open("prs-c0", filter, RawPort.Direction.IN));
        p.start(into);
        return p;
    }

    static CraftedPacket.Builder syn(boolean v6, int sport, RedirectExtension ext) throws IOException {
        return CraftedPacket.builder().ethernet(clientMac, serverMac)
                .src(InetAddress.getByName(v6 ? CLIENT_IP6 : CLIENT_IP), sport)
                .dst(InetAddress.getByName(v6 ? VIP6 : VIP), REDIRECT)
                .tcp(TcpView.SYN).seq(1000).mss(1460).redirect(ext);
    }

    /** SYN-ACKs captured from the redirect port to {@code sport} within {@code wait}. */
    static List<ParsedPacket> synAcks(FrameCollector got, int sport, Duration wait) throws InterruptedException {
        List<ParsedPacket> out = new ArrayList<>();
        long end = System.nanoTime() + wait.toNanos();
        for (long left = wait.toNanos(); left > 0; left = end - System.nanoTime()) {
            byte[] f = got.next(Duration.ofNanos(left));
            if (f == null) {
                break;
            }
            ParsedPacket p = io.portredirect.protocol.packet.PacketParser.parseFrame(f, 0, f.length, new ParsedPacket());
            if (p.ok() && p.isTcp() && p.dstPort() == sport && (p.tcpFlags() & (TcpView.SYN | TcpView.ACK)) == (TcpView.SYN | TcpView.ACK)) {
                out.add(p);
            }
        }
        return out;
    }

    /** One REDIRECT probe: the service port the single SYN-ACK names (asserting there is exactly one). */
    static int probe(boolean v6) throws Exception {
        FrameCollector got = new FrameCollector();
        int sport = nextClientPort++;
        try (RawPort p = clientPort("tcp and src port " + REDIRECT, got)) {
            p.send(syn(v6, sport, RedirectExtension.redirect()).build().encode());
            List<ParsedPacket> answers = synAcks(got, sport, Duration.ofMillis(500));
            assertEquals(1, answers.size(), "exactly one SYN-ACK (the agent's; the kernel stays silent)");
            ParsedPacket a = answers.get(0);
            assertTrue(a.redirect().isConfirm(), "REDIRECT_CONFIRM");
            assertEquals(TransportChecksum.Verdict.VALID, TransportChecksum.verify(a));
            assertEquals(1001, io.portredirect.protocol.packet.Bytes.u32(a.buffer(), a.l4Offset() + TcpView.ACK_OFFSET));
            return a.redirect().port();
        }
    }

    @Test
    @Order(1)
    void redirectSynGetsOneConfirmingSynAckAndTheKernelStaysSilent() throws Exception {
        int y = probe(false);
        assertTrue(Set.of(FULL_PORT, APP_PORT, PROXIED_PORT).contains(y), "names a service port: " + y);
        int y6 = probe(true);
        assertTrue(Set.of(FULL_PORT, APP_PORT, PROXIED_PORT).contains(y6), "IPv6 too: " + y6);
        assertTrue(lab.exec(server, "nft", "list", "table", "inet", TABLE).contains("tcp option @253,16,16 21060"));
        assertTrue(log().contains("udp " + VIP + ":" + REDIRECT + " is in use"), "the UDP application keeps its port: " + log());
    }

    @Test
    @Order(2)
    void legacySynIsLeftToTheKernel() throws Exception {
        FrameCollector got = new FrameCollector();
        int sport = nextClientPort++;
        try (RawPort p = clientPort("tcp and src port " + REDIRECT, got)) {
            p.send(syn(false, sport, null).build().encode());
            List<ParsedPacket> answers = synAcks(got, sport, Duration.ofMillis(500));
            assertFalse(answers.isEmpty(), "the kernel answers a SYN without the option");
            assertFalse(answers.get(0).redirect().isPresent(), "and without the extension");
        }
        try (Socket s = NetNamespace.call(client, () -> new Socket(VIP, REDIRECT))) {
            assertEquals("legacy:hi", EchoServer.ask(s, "hi"), "a legacy client on the redirect port is served");
        }
    }

    @Test
    @Order(3)
    void queueAwareSkipsTheServicePortWhoseAcceptQueueIsFull() throws Exception {
        Set<Integer> before = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            before.add(probe(false));
        }
        assertEquals(Set.of(FULL_PORT, APP_PORT, PROXIED_PORT), before, "all three are used while no queue is full");
        // backlog 1, never accepted: two completed handshakes fill it
        for (int i = 0; i < 2; i++) {
            resources.add(NetNamespace.call(client, () -> {
                Socket s = new Socket();
                s.connect(new InetSocketAddress(VIP, FULL_PORT), 2000);
                return s;
            }));
        }
        // a few refreshes (50 ms), read over netlink: the agent starts no process meanwhile (ss
        // forked every refresh, a few ms each, and was seen within a few samples)
        Set<String> children = new HashSet<>();
        long until = System.nanoTime() + 600_000_000L;
        while (System.nanoTime() < until) {
            ProcessHandle.of(agent.pid()).ifPresent(h -> h.descendants()
                    .forEach(c -> children.add(c.info().command().orElse("pid " + c.pid()))));
            Thread.sleep(2);
        }
        assertEquals(Set.of(), children, "processes the agent started while idle");
        assertFalse(log().contains("socket_load_reader"), "no fallback to ss: " + log());
        List<Integer> after = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            after.add(probe(false));
        }
        assertFalse(after.contains(FULL_PORT), "the full port is skipped: " + after);
        assertEquals(Set.of(APP_PORT, PROXIED_PORT), new HashSet<>(after));
    }

    @Test
    @Order(4)
    void aKernelConnectionToTheNamedServicePortIsServed() throws Exception {
        try (Socket s = NetNamespace.call(client, () -> new Socket(VIP, APP_PORT))) {
            assertEquals("app:hello", EchoServer.ask(s, "hello"));
        }
        try (Socket s = NetNamespace.call(client, () -> new Socket(VIP, PROXIED_PORT))) {
            assertEquals("proxied:through the agent", EchoServer.ask(s, "through the agent"));
            s.shutdownOutput();
            assertEquals(-1, s.getInputStream().read(), "half-close passes through the proxy");
        }
        try (Socket s = NetNamespace.call(client, () -> new Socket(VIP6, PROXIED_PORT))) {
            assertEquals("proxied:v6", EchoServer.ask(s, "v6"));
        }
    }

    @Test
    @Order(5)
    void drainTellsEstablishedClientsToMoveAndTheConnectionKeepsWorking() throws Exception {
        Socket conn = NetNamespace.call(client, () -> new Socket(VIP, APP_PORT));
        resources.add(conn);
        assertEquals("app:before", EchoServer.ask(conn, "before"));
        FrameCollector got = new FrameCollector();
        try (RawPort p = clientPort("tcp and src port " + APP_PORT + " and dst port " + conn.getLocalPort(), got)) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process drain = new ProcessBuilder("ip", "netns", "exec", server, java, "-cp", System.getProperty("java.class.path"),
                    "io.portredirect.serveragent.cli.ServerAgentCommand", "drain", "--to", String.valueOf(PROXIED_PORT),
                    "--config", config.toString(), "--port", String.valueOf(APP_PORT), "--json")
                    .redirectErrorStream(true).start();
            String out = new String(drain.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(drain.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, drain.exitValue(), out);
            assertTrue(out.contains("\"drained\" : 1"), out);
            byte[] f = got.next(Duration.ofSeconds(2), b -> {
                ParsedPacket q = io.portredirect.protocol.packet.PacketParser.parseFrame(b, 0, b.length, new ParsedPacket());
                return q.ok() && q.isTcp() && q.redirect().isRedirect();
            });
            assertNotNull(f, "the client sees the mid-connection redirect");
            ParsedPacket q = io.portredirect.protocol.packet.PacketParser.parseFrame(f, 0, f.length, new ParsedPacket());
            assertEquals(PROXIED_PORT, q.redirect().port());
            assertEquals(TcpView.ACK, q.tcpFlags(), "a pure ACK");
            assertEquals(TransportChecksum.Verdict.VALID, TransportChecksum.verify(q));
        }
        assertEquals("app:after", EchoServer.ask(conn, "after"), "the drained connection still carries data");
        // had the client found the segment out of window or failing PAWS, it would have counted it here
        // (its duplicate ACK is rate-limited right after the probe's, hence TCPACKSkippedSeq)
        String nstat = lab.exec(client, "nstat", "-az", "TcpExtTCPACKSkippedSeq", "TcpExtPAWSEstab");
        assertEquals(2, nstat.lines().filter(l -> l.startsWith("TcpExt")).count(), nstat);
        assertTrue(nstat.lines().filter(l -> l.startsWith("TcpExt")).allMatch(l -> l.split("\\s+")[1].equals("0")),
                "the client's kernel accepted the drain segment: " + nstat);
    }

    @Test
    @Order(6)
    void redirectDatagramGetsANoticeAndTheApplicationStillGetsThePayload() throws Exception {
        DatagramSocket app = (DatagramSocket) resources.get(4);
        app.setSoTimeout(2000);
        try (DatagramSocket clientSocket = NetNamespace.call(client, () -> new DatagramSocket(new InetSocketAddress(CLIENT_IP, 5353)))) {
            clientSocket.setSoTimeout(2000);
            FrameCollector got = new FrameCollector();
            try (RawPort p = clientPort("udp and src port " + REDIRECT, got)) {
                p.send(CraftedPacket.builder().ethernet(clientMac, serverMac)
                        .src(InetAddress.getByName(CLIENT_IP), 5353).dst(InetAddress.getByName(VIP), REDIRECT).udp()
                        .payload("first".getBytes(StandardCharsets.UTF_8)).redirect(RedirectExtension.redirect()).build().encode());
                byte[] f = got.next(Duration.ofSeconds(2));
                assertNotNull(f, "a notice comes back from VIP:" + REDIRECT);
                ParsedPacket n = io.portredirect.protocol.packet.PacketParser.parseFrame(f, 0, f.length, new ParsedPacket());
                assertTrue(n.redirect().isConfirm());
                assertTrue(Set.of(APP_PORT, PROXIED_PORT, FULL_PORT).contains(n.redirect().port()));
                assertEquals(5353, n.dstPort());
            }
            DatagramPacket notice = new DatagramPacket(new byte[100], 100);
            clientSocket.receive(notice);
            assertEquals(0, notice.getLength(), "the client's kernel delivers the notice as an empty datagram");
            DatagramPacket first = new DatagramPacket(new byte[100], 100);
            app.receive(first);
            assertEquals("first", new String(first.getData(), 0, first.getLength(), StandardCharsets.UTF_8),
                    "the application on the redirect port gets exactly the payload");

            // a transparent client agent's own REDIRECT datagram is empty: answered, and kept from the application
            FrameCollector again = new FrameCollector();
            try (RawPort p = clientPort("udp and src port " + REDIRECT, again)) {
                p.send(CraftedPacket.builder().ethernet(clientMac, serverMac)
                        .src(InetAddress.getByName(CLIENT_IP), 5353).dst(InetAddress.getByName(VIP), REDIRECT).udp()
                        .payload(new byte[0]).redirect(RedirectExtension.redirect()).build().encode());
                assertNotNull(again.next(Duration.ofSeconds(2)), "a notice answers the empty REDIRECT datagram too");
            }
            app.setSoTimeout(500);
            assertThrows(java.net.SocketTimeoutException.class, () -> app.receive(new DatagramPacket(new byte[100], 100)),
                    "the server's kernel drops the empty REDIRECT datagram before the application");
        }
    }

    @Test
    @Order(7)
    void sigtermRemovesTheNftTableAndTheReservedPorts() throws Exception {
        assertTrue(lab.exec(server, "cat", "/proc/sys/net/ipv4/ip_local_reserved_ports").contains("8000-8003"));
        agent.signal("TERM");
        assertTrue(agent.awaitExit(Duration.ofSeconds(20)), "agent exits on SIGTERM");
        String log = log();
        assertTrue(log.contains("stats ") && log.contains("syn_ack="), log);
        assertFalse(lab.exec(server, "nft", "list", "tables").contains(TABLE), "nft table removed");
        assertEquals(reservedBefore, lab.exec(server, "cat", "/proc/sys/net/ipv4/ip_local_reserved_ports").trim());
    }
}
