package io.portredirect.tools.e2e.ecmp;

import io.portredirect.protocol.io.RawPort;
import io.portredirect.protocol.lab.LabExtension;
import io.portredirect.protocol.lab.LabTest;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.wire.RedirectExtension;
import io.portredirect.tools.e2e.support.Capture;
import io.portredirect.tools.e2e.support.ClientAgentYaml;
import io.portredirect.tools.e2e.support.E2eLab;
import io.portredirect.tools.e2e.support.Metrics;
import io.portredirect.tools.e2e.support.Segment;
import io.portredirect.tools.e2e.support.ServerAgentYaml;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Balancer replicas behind ECMP (DESIGN.md section 5: "switching to a second replica breaks no
 * established connection"), end to end with the real programs, on {@code LAB_REPLICAS=2 lab.sh}:
 * <pre>
 *   pre-client ── pre-rt (VIP: ECMP over gw1, gw2, L4 hash) ══ pre-gw1 | pre-gw2 ══ pre-s1..s3
 * </pre>
 * Both replicas run {@code testdata/lab/balancer.yaml}; every server runs the server agent, the
 * client runs the client agent. A dead replica is taken out of the router's and the servers' ECMP
 * sets by {@code lab.sh replica out K} right after its balancer is SIGKILLed (what a routing
 * daemon does on BFD loss), and put back with {@code replica in K} once its new balancer runs.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@LabTest
class EcmpReplicasE2eTest {
    static final String PREFIX = "pre";
    @RegisterExtension
    static final LabExtension<ReplicaLab> LAB = LabExtension.of(() -> ReplicaLab.up(PREFIX, "curl"));
    static final int PORTS4 = 48;
    static final int PORTS6 = 12;
    static final int FIRST_PORT = 40000;
    static final int STREAM_RATE = 400_000;      // bytes/s, paced by the server
    static final int STREAM_SECONDS = 16;
    static final String STREAM_FILE = "stream.bin";

    static ReplicaLab replicas;
    static E2eLab lab;

    @BeforeAll
    static void up(ReplicaLab fixture) throws Exception {
        replicas = fixture;
        lab = replicas.lab();
        // the pattern file, served paced on 520N (a service port of sN in balancer.yaml)
        byte[] data = new byte[STREAM_RATE * STREAM_SECONDS];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i % 251);
        }
        lab.serveFile(STREAM_FILE, data);
        for (int n = 1; n <= 3; n++) {
            lab.startHttpServer(n, 5200 + n);
        }
        replicas.startBalancer(1);
        replicas.startBalancer(2);
        List<io.portredirect.tools.e2e.support.ServerAgentProcess> agents = new ArrayList<>();
        for (int n = 1; n <= 3; n++) {
            // l2 servers answer for both VIPs; s3 (l3) for its own addresses
            List<String> vips = n == 3 ? List.of("198.18.13.2", "2001:2:0:13::2") : List.of(E2eLab.VIP4, E2eLab.VIP6);
            agents.add(lab.launchServerAgent(n, ServerAgentYaml.builderFor(n).vips(vips).servicePorts(List.of(5200 + n)).build()));
        }
        for (var a : agents) {
            a.awaitReady();
        }
        // every connection negotiates (0 s cache), so the agent's connections spread over the group
        lab.startClientAgent("agent", "client", ClientAgentYaml.builder().cacheTtl("0s")
                .vip(E2eLab.VIP4, "5200-5299").listener("127.0.0.1:8080", E2eLab.VIP4 + ":80").build());
    }

    // ---------------------------------------------------------------- same negotiation, either replica

    /** A SYN with REDIRECT from CLIENT:port to VIP:80, marked with {@code seq} so a capture tells the phases apart. */
    static byte[] redirectSyn(boolean v6, int port, long seq, String srcMac, String dstMac) throws IOException {
        InetAddress client = InetAddress.getByName(v6 ? ReplicaLab.CLIENT6 : ReplicaLab.CLIENT4);
        InetAddress vip = InetAddress.getByName(v6 ? E2eLab.VIP6 : E2eLab.VIP4);
        return CraftedPacket.builder().ethernet(RawPort.parseMac(srcMac), RawPort.parseMac(dstMac))
                .src(client, port).dst(vip, 80).tcp(TcpView.SYN).seq(seq).window(64240).mss(1460)
                .redirect(RedirectExtension.redirect()).build().encode();
    }

    /** Which server received each (family, port) SYN of a phase: key "4:40000" -> "s2"; duplicates fail. */
    static Map<String, String> landed(Map<Integer, List<Segment>> byServer, long phaseSeq) {
        Map<String, String> out = new TreeMap<>();
        for (var e : byServer.entrySet()) {
            for (Segment s : e.getValue()) {
                if (!s.isSyn() || s.seq() != phaseSeq || !s.redirect()) {
                    continue;
                }
                String key = (s.src().contains(":") ? "6:" : "4:") + s.srcPort();
                String before = out.put(key, "s" + e.getKey());
                assertEquals(null, before, "SYN " + key + " of phase " + phaseSeq + " reached " + before + " and s" + e.getKey()
                        + ": a frame was duplicated");
            }
        }
        return out;
    }

    static long negotiations(Metrics m) {
        return m.get("portredirect_balancer_redirect_negotiations_total", "port", "80", "protocol", "tcp");
    }

    @Test
    @Order(1)
    void theSameNegotiationLandsOnTheSameServerWhicheverReplicaSeesIt() throws Exception {
        List<Capture> caps = new ArrayList<>();
        for (int n = 1; n <= 3; n++) {
            caps.add(lab.capture("s" + n, "eth0", "tcp dst port 80"));
        }
        RawPort router = lab.rawPort("rt", "up0", "ether proto 0x88b5", RawPort.Direction.IN);
        RawPort client = lab.rawPort("client", "eth0", "ether proto 0x88b5", RawPort.Direction.IN);

        // phase 1: straight to gw1; phase 2: the same SYNs straight to gw2; phase 3: from the
        // client through the router, whose L4 hash picks a replica per flow
        long[] seqs = {1_000_001L, 2_000_002L, 3_000_003L};
        long[][] perReplica = new long[4][3];
        for (int phase = 0; phase < 3; phase++) {
            Metrics b1 = replicas.metrics(1);
            Metrics b2 = replicas.metrics(2);
            for (int i = 0; i < PORTS4 + PORTS6; i++) {
                boolean v6 = i >= PORTS4;
                int port = FIRST_PORT + (v6 ? i - PORTS4 : i);
                if (phase < 2) {
                    router.send(redirectSyn(v6, port, seqs[phase], ReplicaLab.ROUTER_MAC, ReplicaLab.gwMac(phase + 1)));
                } else {
                    client.send(redirectSyn(v6, port, seqs[phase], ReplicaLab.CLIENT_MAC, ReplicaLab.ROUTER_DOWN_MAC));
                }
                Thread.sleep(2);
            }
            Thread.sleep(400);
            perReplica[1][phase] = negotiations(replicas.metrics(1)) - negotiations(b1);
            perReplica[2][phase] = negotiations(replicas.metrics(2)) - negotiations(b2);
        }
        Map<Integer, List<Segment>> byServer = new HashMap<>();
        for (int n = 1; n <= 3; n++) {
            byServer.put(n, caps.get(n - 1).stop());
        }
        Map<String, String> viaGw1 = landed(byServer, seqs[0]);
        Map<String, String> viaGw2 = landed(byServer, seqs[1]);
        Map<String, String> viaRouter = landed(byServer, seqs[2]);
        System.out.printf("ECMP: %d SYNs per phase; REDIRECT SYNs hashed by gw1/gw2: direct to gw1 %d/%d, direct to gw2 %d/%d,"
                        + " through the router %d/%d%n", PORTS4 + PORTS6, perReplica[1][0], perReplica[2][0], perReplica[1][1],
                perReplica[2][1], perReplica[1][2], perReplica[2][2]);
        Map<String, Integer> spread = new TreeMap<>();
        viaGw1.values().forEach(s -> spread.merge(s, 1, Integer::sum));
        System.out.println("ECMP: servers picked for the " + viaGw1.size() + " negotiations: " + spread);

        int total = PORTS4 + PORTS6;
        assertEquals(total, viaGw1.size(), "SYNs sent to gw1 that reached a server (each exactly once)");
        assertEquals(total, viaGw2.size(), "SYNs sent to gw2 that reached a server");
        assertEquals(total, viaRouter.size(), "SYNs sent through the router that reached a server");
        assertEquals(viaGw1, viaGw2, "the same negotiation must land on the same server through either replica");
        assertEquals(viaGw1, viaRouter, "through the router's ECMP the same negotiations land on the same servers");
        assertEquals(total, perReplica[1][0], "gw1 hashed every SYN sent to it");
        assertEquals(0, perReplica[2][0], "gw2 saw none of the SYNs sent to gw1");
        assertEquals(total, perReplica[2][1], "gw2 hashed every SYN sent to it");
        assertEquals(0, perReplica[1][1], "gw1 saw none of the SYNs sent to gw2");
        assertEquals(total, perReplica[1][2] + perReplica[2][2], "the router delivered every SYN to one replica");
        assertTrue(perReplica[1][2] > 0 && perReplica[2][2] > 0, "the router's L4 hash used both replicas: " + perReplica[1][2] + "/"
                + perReplica[2][2]);
        assertTrue(spread.size() >= 2, "60 client ports all hashed onto one server: " + spread);
    }

    // ---------------------------------------------------------------- failover under load

    /** One long paced download: the body must be the pattern file; records the longest gap between reads. */
    static final class Stream implements Runnable {
        final String name;
        final Socket socket;
        final Thread thread;
        final List<long[]> gaps = new ArrayList<>();   // {start, end} of gaps > 100 ms (nanoTime)
        volatile long bytes;
        volatile long maxGapNanos;
        volatile String error;
        volatile boolean contentOk = true;
        volatile boolean complete;

        Stream(String name, Socket socket) {
            this.name = name;
            this.socket = socket;
            this.thread = new Thread(this, "stream-" + name);
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            byte[] buf = new byte[16384];
            try (socket; InputStream in = socket.getInputStream()) {
                // HTTP/1.0 header, then the body to EOF
                StringBuilder head = new StringBuilder();
                while (!head.toString().endsWith("\r\n\r\n")) {
                    int c = in.read();
                    if (c < 0) {
                        throw new IOException("closed in the header: " + head);
                    }
                    head.append((char) c);
                }
                if (!head.toString().startsWith("HTTP/1.0 200") && !head.toString().startsWith("HTTP/1.1 200")) {
                    throw new IOException("status " + head.toString().lines().findFirst().orElse(""));
                }
                long last = System.nanoTime();
                while (true) {
                    int n = in.read(buf);
                    long now = System.nanoTime();
                    if (n < 0) {
                        break;
                    }
                    long gap = now - last;
                    if (gap > maxGapNanos) {
                        maxGapNanos = gap;
                    }
                    if (gap > 100_000_000L) {
                        synchronized (gaps) {
                            gaps.add(new long[] {last, now});
                        }
                    }
                    last = now;
                    for (int i = 0; i < n; i++) {
                        if (buf[i] != (byte) ((bytes + i) % 251)) {
                            contentOk = false;
                            break;
                        }
                    }
                    bytes += n;
                }
                complete = true;
            } catch (IOException e) {
                error = e.toString();
            }
        }

        /** The longest gap of this stream that contains {@code instant}, 0 when it flowed across it. */
        long stallAcross(long instant) {
            synchronized (gaps) {
                long worst = 0;
                for (long[] g : gaps) {
                    if (g[0] <= instant && g[1] >= instant) {
                        worst = Math.max(worst, g[1] - instant);
                    }
                }
                return worst;
            }
        }
    }

    static Stream open(String name, String host, int port, long size) throws IOException {
        Socket s = lab.inNamespace("client", () -> {
            Socket sock = new Socket();
            sock.setReceiveBufferSize(16384);   // a stalled path shows as a gap, not hidden in buffers
            sock.setSoTimeout(30_000);
            sock.connect(new InetSocketAddress(host, port), 5000);
            return sock;
        });
        String req = "GET /" + STREAM_FILE + "?rate=" + STREAM_RATE + " HTTP/1.0\r\nHost: lab\r\n\r\n";
        s.getOutputStream().write(req.getBytes(StandardCharsets.US_ASCII));
        return new Stream(name, s);
    }

    @Test
    @Order(2)
    void killingAReplicaMidTransferAndBringingItBackBreaksNoConnection() throws Exception {
        long size = (long) STREAM_RATE * STREAM_SECONDS;
        List<Stream> streams = new ArrayList<>();
        // long-lived TCP straight to service ports (paced by the server), IPv4 and IPv6 ...
        for (int n = 1; n <= 3; n++) {
            for (int j = 0; j < 2; j++) {
                streams.add(open("v4-520" + n + "-" + j, E2eLab.VIP4, 5200 + n, size));
            }
        }
        streams.add(open("v6-5202", E2eLab.VIP6, 5202, size));
        streams.add(open("v6-5203", E2eLab.VIP6, 5203, size));
        // ... and through the client agent (negotiated on VIP:80, reopened on VIP:520N)
        for (int j = 0; j < 4; j++) {
            streams.add(open("agent-" + j, "127.0.0.1", 8080, size));
        }
        long t0 = System.nanoTime();
        streams.forEach(s -> s.thread.start());

        List<String> timeline = new ArrayList<>();
        long[] killedAt = new long[3];
        long[] backAt = new long[3];
        long[] outMillis = new long[3];
        long[] backMillis = new long[3];
        long[] framesBefore = new long[3];
        for (int k = 1; k <= 2; k++) {
            // let traffic run, then check this replica really carries some of it
            Thread.sleep(1500);
            long f0 = replicas.metrics(k).get("portredirect_balancer_frames_total", "side", "network");
            Thread.sleep(1000);
            framesBefore[k] = replicas.metrics(k).get("portredirect_balancer_frames_total", "side", "network") - f0;

            killedAt[k] = System.nanoTime();
            replicas.balancer(k).kill();                 // SIGKILL: a crash, nothing said goodbye
            outMillis[k] = replicas.replica("out", k);   // the routing daemon withdraws it
            timeline.add(String.format("%5.1f s gw%d SIGKILL, withdrawn from ECMP in %d ms", (killedAt[k] - t0) / 1e9, k, outMillis[k]));
            Thread.sleep(1500);
            long r0 = System.nanoTime();
            replicas.startBalancer(k);                   // a new balancer process, the same config
            replicas.replica("in", k);
            backAt[k] = System.nanoTime();
            backMillis[k] = (backAt[k] - r0) / 1_000_000;
            timeline.add(String.format("%5.1f s gw%d back in ECMP (process start + route %d ms)", (System.nanoTime() - t0) / 1e9, k, backMillis[k]));
        }
        String routes = replicas.routerRoutes();
        for (Stream s : streams) {
            s.thread.join(60_000);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;

        StringBuilder report = new StringBuilder("failover under load, " + streams.size() + " connections for " + String.format("%.1f", seconds)
                + " s:\n");
        timeline.forEach(l -> report.append("  ").append(l).append('\n'));
        int broken = 0;
        long worst = 0;
        long[] recovery = new long[3];
        long[] rejoin = new long[3];
        for (Stream s : streams) {
            boolean ok = s.complete && s.error == null && s.contentOk && s.bytes == size;
            if (!ok) {
                broken++;
            }
            worst = Math.max(worst, s.maxGapNanos);
            for (int k = 1; k <= 2; k++) {
                recovery[k] = Math.max(recovery[k], s.stallAcross(killedAt[k]));
                rejoin[k] = Math.max(rejoin[k], s.stallAcross(backAt[k]));
            }
            report.append(String.format("  %-12s %9d bytes %s longest gap %4d ms%s%n", s.name, s.bytes, ok ? "intact " : "BROKEN ",
                    s.maxGapNanos / 1_000_000, s.error == null ? (s.contentOk ? "" : " (content differs)") : " " + s.error));
        }
        report.append(String.format("  broken connections: %d; recovery after the kill of gw1: %d ms, of gw2: %d ms; longest gap overall %d ms%n",
                broken, recovery[1] / 1_000_000, recovery[2] / 1_000_000, worst / 1_000_000));
        report.append(String.format("  stall when the replica came back (gaps > 100 ms across the route change): gw1 %d ms, gw2 %d ms%n",
                rejoin[1] / 1_000_000, rejoin[2] / 1_000_000));
        report.append(String.format("  frames/s on the network side before each kill: gw1 %d, gw2 %d%n", framesBefore[1], framesBefore[2]));
        report.append("  router after the run:\n").append(routes.indent(4));
        System.out.print(report);

        assertEquals(0, broken, report + lab.diagnostics());
        assertTrue(framesBefore[1] > 0 && framesBefore[2] > 0, "each replica carried traffic before it was killed\n" + report);
        assertTrue(routes.contains("198.18.0.1") && routes.contains("198.18.0.3"), "both replicas are back in the ECMP route:\n" + routes);
        // traffic moved back: each restarted balancer (its counters start at 0) forwarded to the servers
        for (int k = 1; k <= 2; k++) {
            Metrics m = replicas.metrics(k);
            long forwarded = m.toServer("s1") + m.toServer("s2") + m.toServer("s3");
            assertTrue(forwarded > 0, "gw" + k + " forwarded nothing after it came back\n" + report);
        }
    }
}
