package io.portredirect.balancer.lab;

import io.portredirect.protocol.lab.LabExtension;
import io.portredirect.protocol.lab.LabProcess;
import io.portredirect.protocol.lab.LabTest;
import io.portredirect.protocol.lab.Netns;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.wire.RedirectExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNetworkInterface;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Health checks as an operator meets them, in the lab of {@code lab.sh} (prefix {@code prhc}):
 * every server checked on port 80 every 500 ms (timeout 300 ms, rise 2, fall 3), table size 4099
 * (see below). s2's HTTP servers are stopped (killed by PID) while a stream of REDIRECT SYNs to
 * port 80 (300 client ports, every 100 ms) and four long paced downloads through the balancer (to
 * s1 and s3, by service port and legacy port 80) run; the config is reloaded while s2 is out.
 * Measured: when the last REDIRECT SYN reached s2 after the kill (bound: fall × interval + 1 s),
 * that no SYN of a flow hashed to s1 or s3 moved (only s2's slots move), that no download broke,
 * that no probe answer leaked to the client side, and, after the HTTP server is started again,
 * when s2 gets SYNs again.
 */
@LabTest
class HealthCheckLabTest {
    private static final int INTERVAL_MS = 500;
    private static final int TIMEOUT_MS = 300;
    private static final int RISE = 2;
    private static final int FALL = 3;
    private static final int FLOWS = 300;
    private static final int FIRST_PORT = 30000;
    private static final int TABLE_SIZE = 4099;
    private static final Pattern TS = Pattern.compile("^ts=(\\S+) ");

    @RegisterExtension
    static final LabExtension<BalancerLab> LAB = LabExtension.of(() -> BalancerLab.up("prhc", false));
    private static BalancerLab lab;

    @BeforeAll
    static void up(BalancerLab fixture) {
        lab = fixture;
    }

    @Test
    void aStoppedServerLeavesItsGroupsWithinFallIntervalsAndComesBackAfterRise() throws Exception {
        Path config = lab.work.resolve("balancer.yaml");
        String health = "    health: {port: 80, interval: " + INTERVAL_MS + "ms, timeout: " + TIMEOUT_MS + "ms, rise: " + RISE
                + ", fall: " + FALL + "}\n";
        String yaml = Files.readString(lab.labConfig());
        for (int i = 1; i <= 3; i++) {
            String line = "    service-ports: [\"800" + i + "\", \"900" + i + "/udp\", \"520" + i + "\", \"700" + i + "/tcp\"]\n";
            assertTrue(yaml.contains(line), "lab config changed: " + line);
            yaml = yaml.replace(line, line + health);
        }
        // a 4099-slot table: on nft a 64K-slot one takes 0.5-2 s to reload on this shared 2-CPU machine
        // (figures in README), which alone can eat the bound's 1 s; the behaviour is the same at any size
        assertTrue(yaml.contains("size: 65537"), "lab config changed: table size");
        yaml = yaml.replace("size: 65537", "size: " + TABLE_SIZE);
        Files.writeString(config, yaml);
        Path run = Path.of("/run/portredirect-lab", lab.prefix);
        for (String s : List.of("s1", "s3")) {
            writePattern(run.resolve("www-" + s).resolve("stream.bin"), 8 << 20);
        }

        LabProcess balancer = lab.startBalancer(config);
        balancer.awaitLog(l -> count(l, "event=health_check ") >= 3, "three health checks configured", Duration.ofSeconds(10));
        Thread.sleep(2L * INTERVAL_MS);
        String m = lab.metrics();
        for (String s : List.of("s1", "s2", "s3")) {
            assertEquals(1, BalancerLab.metric(m, "portredirect_balancer_server_up{server=\"" + s + "\""), m);
            assertTrue(BalancerLab.metric(m, "portredirect_balancer_health_checks_total{server=\"" + s + "\",result=\"syn_ack\"") >= 1, m);
        }
        assertTrue(!balancer.log().contains("event=server_down"), "every server healthy at start: " + balancer.log());

        // REDIRECT SYNs from FLOWS client ports, where the full config puts them
        Predictor predictor = new Predictor(config);
        List<byte[]> frames = new ArrayList<>();
        Map<Integer, String> home = new HashMap<>();
        InetAddress client = InetAddress.getByName(BalancerLab.CLIENT_IP);
        InetAddress vip = InetAddress.getByName(BalancerLab.VIP4);
        for (int i = 0; i < FLOWS; i++) {
            byte[] f = CraftedPacket.builder().ethernet(LegacyAndRedirectLabTest.macBytes(BalancerLab.CLIENT_MAC),
                            LegacyAndRedirectLabTest.macBytes(BalancerLab.GW_NET_MAC))
                    .src(client, FIRST_PORT + i).dst(vip, 80).tcp(TcpView.SYN).seq(7_000_000L * i).mss(1460)
                    .redirect(RedirectExtension.redirect()).build().encode();
            frames.add(f);
            home.put(FIRST_PORT + i, predictor.serverFor(f));
        }
        Path file = lab.work.resolve("syns.bin");
        LabProbe.writeFrames(file, frames);
        String filter = "tcp dst port 80 and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn and src host " + BalancerLab.CLIENT_IP;
        Map<String, BalancerLab.Capture> captures = new HashMap<>();
        for (String s : List.of("s1", "s2", "s3")) {
            captures.put(s, lab.capture(s, "eth0", filter));
        }
        // the probes' answers are the checker's: none may be sent on to the network side as return traffic
        BalancerLab.Capture leaks = lab.capture("client", "eth0", "tcp and dst portrange 61900-61999");

        int seconds = 16;
        Process streams = lab.start("client", List.of("python3", lab.root.resolve("testdata/lab/streams.py").toString(), "--seconds",
                String.valueOf(seconds), "--rate", "200000", "198.18.0.10:8001", "198.18.0.10:8003", "198.18.0.10:80",
                "[2001:2::10]:8003"), lab.work.resolve("streams.log").toFile());
        Process injector = lab.start("client", javaCommandFor(Injector.class, "eth0", file.toString(), "100",
                String.valueOf((seconds + 1) * 1000L)), lab.work.resolve("injector.log").toFile());
        awaitFile(lab.work.resolve("injector.log"), "started", Duration.ofSeconds(20));
        Thread.sleep(1000);

        // stop s2's HTTP application (both of its http.server processes)
        long killed = System.currentTimeMillis();
        for (String app : List.of("http-80-s2", "http-8002-s2")) {
            long pid = Long.parseLong(Files.readString(run.resolve(app + ".pid")).trim());
            Netns.run("kill", String.valueOf(pid));
        }
        balancer.awaitLog(l -> l.contains("event=health_applied") && l.contains("down=s2"), "s2 taken out",
                Duration.ofMillis((long) FALL * INTERVAL_MS + 5000));
        Instant downLogged = eventTime(balancer.log(), "event=server_down server=s2");
        Instant downApplied = eventTime(balancer.log(), "event=health_applied");
        m = lab.metrics();
        assertEquals(0, BalancerLab.metric(m, "portredirect_balancer_server_up{server=\"s2\""), m);
        assertEquals(1, BalancerLab.metric(m, "portredirect_balancer_server_up{server=\"s1\""), m);
        // a config reload keeps the health state: s2 stays out (a SYN landing on s2 after it would fail the bound below)
        balancer.signal("HUP");
        balancer.awaitLog(l -> l.contains("event=reload result=ok"), "reload", Duration.ofSeconds(20));
        assertEquals(0, BalancerLab.metric(lab.metrics(), "portredirect_balancer_server_up{server=\"s2\""), "s2 still down after a reload");
        Thread.sleep(2000);

        // start it again (the lab's own command line); s2 returns after RISE successes
        long restarted = System.currentTimeMillis();
        Process app = lab.start("s2", List.of("python3", "-m", "http.server", "80", "--bind", "::",
                "--directory", run.resolve("www-s2").toString()), lab.work.resolve("http-80-s2.log").toFile());
        try {
            balancer.awaitLog(l -> count(l, "event=health_applied") >= 2, "s2 back", Duration.ofMillis((long) RISE * INTERVAL_MS + 5000));
            Instant upLogged = eventTime(balancer.log(), "event=server_up server=s2");
            Instant upApplied = lastEventTime(balancer.log(), "event=health_applied");
            Thread.sleep(3000);
            assertTrue(injector.waitFor(seconds + 20L, java.util.concurrent.TimeUnit.SECONDS), "injector ended");
            assertTrue(streams.waitFor(seconds + 40L, java.util.concurrent.TimeUnit.SECONDS), "streams ended");
            String streamOut = Files.readString(lab.work.resolve("streams.log"));
            List<String> leaked = leaks.stop();

            Map<String, List<long[]>> seen = new HashMap<>();
            for (Map.Entry<String, BalancerLab.Capture> e : captures.entrySet()) {
                e.getValue().stop();
                seen.put(e.getKey(), timedPorts(e.getValue().file));
            }
            long lastOnS2WhileDown = -1;
            long firstOnS2AfterUp = -1;
            int moved = 0;
            int s2Before = 0;
            for (long[] tp : seen.get("s2")) {
                if (tp[0] < killed) {
                    s2Before++;
                } else if (tp[0] < restarted) {
                    lastOnS2WhileDown = Math.max(lastOnS2WhileDown, tp[0]);
                } else if (firstOnS2AfterUp < 0 || tp[0] < firstOnS2AfterUp) {
                    firstOnS2AfterUp = tp[0];
                }
                if (!"s2".equals(home.get((int) tp[1]))) {
                    moved++;
                }
            }
            for (String s : List.of("s1", "s3")) {
                for (long[] tp : seen.get(s)) {
                    String h = home.get((int) tp[1]);
                    if (!s.equals(h) && !"s2".equals(h)) {
                        moved++; // a flow of the other survivor: only s2's slots may move
                    }
                }
            }
            long bound = (long) FALL * INTERVAL_MS + 1000;
            Matcher am = Pattern.compile("event=health_applied .*apply_ms=(\\d+)").matcher(balancer.log());
            String applyMs = am.find() ? am.group(1) : "?";
            String report = String.format("health (table %d, apply %s ms): s2 stopped; server_down logged +%d ms, applied +%d ms, last REDIRECT SYN on s2 +%d ms "
                            + "(bound fall x interval + 1 s = %d ms); restarted: server_up +%d ms, applied +%d ms, first SYN on s2 +%d ms "
                            + "(rise x interval = %d ms); SYNs on s2 before the stop %d; flows of s1/s3 moved %d; streams %s",
                    TABLE_SIZE, applyMs, downLogged.toEpochMilli() - killed, downApplied.toEpochMilli() - killed, lastOnS2WhileDown - killed, bound,
                    upLogged.toEpochMilli() - restarted, upApplied.toEpochMilli() - restarted,
                    firstOnS2AfterUp < 0 ? -1 : firstOnS2AfterUp - restarted, (long) RISE * INTERVAL_MS, s2Before, moved,
                    streamOut.trim().replaceAll("\"streams\": \\[.*", "..."));
            System.out.println(report);
            assertTrue(s2Before > 0, "s2 got its share before the stop; " + report);
            assertTrue(lastOnS2WhileDown - killed <= bound, report);
            assertTrue(firstOnS2AfterUp > 0, "s2 back in the group; " + report);
            assertEquals(0, moved, "no flow hashed to s1 or s3 changed server; " + report);
            assertEquals(List.of(), leaked, "probe answers forwarded to the client side");
            assertTrue(streamOut.contains("\"broken\": 0"), "established connections to s1 and s3: 0 broken; " + streamOut);
            assertEquals(0, streams.exitValue(), streamOut);
            m = lab.metrics();
            assertEquals(1, BalancerLab.metric(m, "portredirect_balancer_server_up{server=\"s2\""), m);
            assertTrue(BalancerLab.metric(m, "portredirect_balancer_health_checks_total{server=\"s2\",result=\"refused\"") >= FALL, m);
            assertTrue(balancer.isAlive());
        } finally {
            app.destroy();
        }
    }

    private static List<String> javaCommandFor(Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>(BalancerLab.javaCommand(main));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static void awaitFile(Path file, String needle, Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (Files.exists(file) && Files.readString(file).contains(needle)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(file + " never said " + needle);
    }

    private static int count(String log, String needle) {
        int n = 0;
        for (int i = log.indexOf(needle); i >= 0; i = log.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    private static Instant eventTime(String log, String needle) {
        for (String l : log.split("\n")) {
            if (l.contains(needle)) {
                Matcher m = TS.matcher(l);
                if (m.find()) {
                    return Instant.parse(m.group(1));
                }
            }
        }
        throw new AssertionError("no " + needle + " in the log:\n" + log);
    }

    private static Instant lastEventTime(String log, String needle) {
        Instant last = null;
        for (String l : log.split("\n")) {
            Matcher m = TS.matcher(l);
            if (l.contains(needle) && m.find()) {
                last = Instant.parse(m.group(1));
            }
        }
        if (last == null) {
            throw new AssertionError("no " + needle + " in the log:\n" + log);
        }
        return last;
    }

    /** (epoch ms, source port) of every IPv4 TCP packet in a capture, read back with tcpdump -tt. */
    private static List<long[]> timedPorts(Path pcap) {
        String out = Netns.run("tcpdump", "-tt", "-nn", "-r", pcap.toString());
        Pattern p = Pattern.compile("^(\\d+)\\.(\\d{6}) IP \\d+\\.\\d+\\.\\d+\\.\\d+\\.(\\d+) > ");
        List<long[]> res = new ArrayList<>();
        for (String l : out.split("\n")) {
            Matcher m = p.matcher(l);
            // only the injected flows (the downloads' legacy connection to port 80 is in the capture too)
            if (m.find() && Integer.parseInt(m.group(3)) >= FIRST_PORT && Integer.parseInt(m.group(3)) < FIRST_PORT + FLOWS) {
                res.add(new long[] {Long.parseLong(m.group(1)) * 1000 + Long.parseLong(m.group(2)) / 1000, Long.parseLong(m.group(3))});
            }
        }
        return res;
    }

    private static void writePattern(Path file, int size) throws java.io.IOException {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i % 251);
        }
        Files.write(file, b);
    }

    /** {@code Injector IF FILE GAP_MS DURATION_MS}: sends the frames of FILE out of IF every GAP_MS for DURATION_MS. */
    static final class Injector {
        private Injector() {
        }

        public static void main(String[] args) throws Exception {
            List<byte[]> frames = new ArrayList<>();
            try (java.io.DataInputStream in = new java.io.DataInputStream(Files.newInputStream(Path.of(args[1])))) {
                while (in.available() > 0) {
                    byte[] f = new byte[in.readUnsignedShort()];
                    in.readFully(f);
                    frames.add(f);
                }
            }
            long gap = Long.parseLong(args[2]);
            long end = System.currentTimeMillis() + Long.parseLong(args[3]);
            PcapHandle h = new PcapHandle.Builder(args[0]).snaplen(65536)
                    .promiscuousMode(PcapNetworkInterface.PromiscuousMode.NONPROMISCUOUS).timeoutMillis(10).build();
            int rounds = 0;
            System.out.println("started");
            System.out.flush();
            try {
                while (System.currentTimeMillis() < end) {
                    for (byte[] f : frames) {
                        h.sendPacket(f, f.length);
                    }
                    rounds++;
                    Thread.sleep(gap);
                }
            } finally {
                h.close();
            }
            System.out.println("rounds " + rounds);
        }
    }
}
