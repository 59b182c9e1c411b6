package io.portredirect.balancer.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portredirect.balancer.cli.ReplayCommand;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.packet.TransportChecksum;
import io.portredirect.protocol.wire.RedirectExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pcap4j.core.PcapDumper;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.Pcaps;
import org.pcap4j.packet.namednumber.DataLinkType;
import picocli.CommandLine;

import java.io.EOFException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.portredirect.balancer.testing.Fixtures.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code replay} end to end: a pcap written here, replayed by the real command, outputs read back (and by tshark when installed). */
class ReplayCommandTest {
    @TempDir
    static Path dir;
    private static Path config;
    private static Path capture;
    private static final List<byte[]> FRAMES = new ArrayList<>();

    @BeforeAll
    static void capture() throws Exception {
        String reason = pcapUnavailable();
        assumeTrue(reason == null, "libpcap not usable through pcap4j: " + reason);
        config = dir.resolve("balancer.yaml");
        Files.writeString(config, VERDICT_YAML);
        FRAMES.add(tcp(CLIENT4, 40000, VIP4, 10001, TcpView.SYN, null));                  // 1 a
        FRAMES.add(tcp(CLIENT4, 40001, VIP4, 10012, TcpView.SYN, null));                  // 2 b (l3)
        FRAMES.add(tcp(CLIENT6, 40002, VIP6, 10012, TcpView.SYN, null));                  // 3 b (l3, v6)
        FRAMES.add(tcp(CLIENT4, 40003, VIP4, 8080, TcpView.SYN, null));                   // 4 a (legacy owner)
        FRAMES.add(tcp(CLIENT4, 40004, ip("198.18.0.99"), 10001, TcpView.SYN, null));     // 5 drop not_vip
        FRAMES.add(arp());                                                                  // 6 drop not_ip
        FRAMES.add(udp(CLIENT4, 40005, VIP4, 10021, null));                                // 7 c (raw)
        FRAMES.add(icmpError(CLIENT4, VIP4, 3, 3, serverPacket(VIP4, 10001, CLIENT4, 1, true, 22))); // 8 drop truncated quote
        for (int port = 50000; port < 50060; port++) {                                     // 9..68 rule 2
            FRAMES.add(tcp(CLIENT4, port, VIP4, 8080, TcpView.SYN, RedirectExtension.redirect()));
        }
        capture = dir.resolve("in.pcap");
        try (PcapHandle h = Pcaps.openDead(DataLinkType.EN10MB, 65536); PcapDumper d = h.dumpOpen(capture.toString())) {
            long t = 1_700_000_000_000L;
            for (byte[] f : FRAMES) {
                d.dumpRaw(f, new Timestamp(t += 1000));
            }
        }
    }

    static String pcapUnavailable() {
        try (PcapHandle h = Pcaps.openDead(DataLinkType.EN10MB, 128)) {
            return h == null ? "openDead returned null" : null;
        } catch (Throwable e) {
            return e.toString();
        }
    }

    static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cl = new CommandLine(new ReplayCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    static List<byte[]> read(Path pcap) throws Exception {
        List<byte[]> out = new ArrayList<>();
        try (PcapHandle h = Pcaps.openOffline(pcap.toString())) {
            while (true) {
                try {
                    out.add(h.getNextRawPacketEx());
                } catch (EOFException e) {
                    return out;
                }
            }
        }
    }

    @Test
    void replaySplitsTheCaptureByServerRewritesItAndLogsDrops() throws Exception {
        Path outDir = dir.resolve("out");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = run(out, err, "--config", config.toString(), "--in", capture.toString(), "--out-dir", outDir.toString(), "--json");
        assertEquals(0, code, err.toString());
        JsonNode j = new ObjectMapper().readTree(out.toString());
        assertEquals(FRAMES.size(), j.get("frames").asInt());
        assertEquals(3, j.get("dropped").asInt());
        assertEquals(1, j.get("drops").get("NOT_VIP").asInt());
        assertEquals(1, j.get("drops").get("NOT_IP").asInt());
        assertEquals(1, j.get("drops").get("ICMP_QUOTE_TRUNCATED").asInt());
        assertEquals(60, j.get("rules").get("REDIRECT_HASH").asInt());

        assertEquals(List.of("5 NOT_VIP", "6 NOT_IP", "8 ICMP_QUOTE_TRUNCATED"), Files.readAllLines(outDir.resolve("drops.log")));
        int total = 0;
        for (String s : List.of("a", "b", "c", "d", "e")) {
            Path p = outDir.resolve(s + ".pcap");
            assertTrue(Files.exists(p), p.toString());
            List<byte[]> frames = read(p);
            assertEquals(j.get("servers").get(s).get("frames").asInt(), frames.size(), s);
            total += frames.size();
        }
        assertEquals(FRAMES.size() - 3, total);

        List<byte[]> b = read(outDir.resolve("b.pcap"));
        assertTrue(b.size() >= 2);
        for (byte[] f : b.subList(0, 2)) {
            ParsedPacket p = parse(f);
            byte[] dst = java.util.Arrays.copyOfRange(f, p.dstAddrOffset(), p.dstAddrOffset() + p.addrLength());
            InetAddress expected = p.ipVersion() == 4 ? B4 : B6;
            if (p.dstPort() == 10012) {
                assertArrayEquals(expected.getAddress(), dst, "l3 destination in b.pcap");
                assertEquals(TransportChecksum.Verdict.VALID, TransportChecksum.verify(p));
                assertEquals(TransportChecksum.Verdict.VALID, TransportChecksum.verifyIpHeader(p));
            }
        }
        assertArrayEquals(FRAMES.get(6), read(outDir.resolve("c.pcap")).get(0), "raw server gets the frame unchanged");

        // an independent decoder agrees: tshark sees b's address and good checksums
        Path tshark = Path.of("/usr/bin/tshark");
        assumeTrue(Files.isExecutable(tshark), "tshark not installed: independent decode skipped");
        Process pr = new ProcessBuilder(tshark.toString(), "-r", outDir.resolve("b.pcap").toString(), "-Y", "tcp.dstport == 10012",
                "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE", "-T", "fields", "-E", "separator=,",
                "-e", "ip.dst", "-e", "ipv6.dst", "-e", "ip.checksum.status", "-e", "tcp.checksum.status")
                .redirectErrorStream(false).start();
        String decoded = new String(pr.getInputStream().readAllBytes()).trim();
        assertTrue(pr.waitFor(60, TimeUnit.SECONDS));
        System.out.println("tshark b.pcap:\n" + decoded);
        List<String> lines = decoded.lines().toList();
        assertEquals(2, lines.size(), decoded);
        assertEquals("198.18.2.2,,1,1", lines.get(0));
        assertEquals(",2001:2:0:2::2,,1", lines.get(1));
    }

    /** Per-VIP ports: the same ports through two VIPs end in two servers' pcaps. */
    @Test
    void replayFollowsPerVipPorts() throws Exception {
        Path perVip = dir.resolve("per-vip.yaml");
        Files.writeString(perVip, PER_VIP_YAML);
        List<byte[]> frames = List.of(
                tcp(CLIENT4, 40000, VIP4, 10001, TcpView.SYN, null),              // a
                tcp(CLIENT4, 40001, VIP4_API, 10001, TcpView.SYN, null),          // x
                tcp(CLIENT6, 40002, VIP6, 10001, TcpView.SYN, null),              // a
                syn(CLIENT4, 40003, VIP4_API, 8080),                              // x (its group)
                tcp(CLIENT4, 40004, VIP4, 8080, TcpView.SYN, null));              // a (legacy owner there)
        Path in = dir.resolve("per-vip.pcap");
        try (PcapHandle h = Pcaps.openDead(DataLinkType.EN10MB, 65536); PcapDumper d = h.dumpOpen(in.toString())) {
            long t = 1_700_000_000_000L;
            for (byte[] f : frames) {
                d.dumpRaw(f, new Timestamp(t += 1000));
            }
        }
        Path outDir = dir.resolve("per-vip-out");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(0, run(out, err, "-c", perVip.toString(), "-i", in.toString(), "-o", outDir.toString(), "--json"), err.toString());
        JsonNode j = new ObjectMapper().readTree(out.toString());
        assertEquals(0, j.get("dropped").asInt(), out.toString());
        List<byte[]> a = read(outDir.resolve("a.pcap"));
        List<byte[]> x = read(outDir.resolve("x.pcap"));
        assertEquals(3, a.size());
        assertEquals(2, x.size());
        assertEquals(VIP4_API, InetAddress.getByAddress(java.util.Arrays.copyOfRange(x.get(0), parse(x.get(0)).dstAddrOffset(),
                parse(x.get(0)).dstAddrOffset() + 4)));
    }

    @Test
    void badInputsExitWithTwo() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(2, run(out, err, "--config", config.toString(), "--out-dir", dir.resolve("x").toString()), "missing --in");
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, VERDICT_YAML.replace("table: {size: 65537}", "table: {size: 65536}"));
        err = new StringWriter();
        assertEquals(2, run(out, err, "-c", bad.toString(), "-i", capture.toString(), "-o", dir.resolve("y").toString()));
        assertTrue(err.toString().startsWith(bad + ":17: table.size: 65536 is not prime"), err.toString());
        err = new StringWriter();
        assertEquals(2, run(out, err, "-c", config.toString(), "-i", dir.resolve("missing.pcap").toString(), "-o", dir.resolve("z").toString()));
        Path notPcap = dir.resolve("not.pcap");
        Files.writeString(notPcap, "this is not a capture");
        err = new StringWriter();
        assertEquals(2, run(out, err, "-c", config.toString(), "-i", notPcap.toString(), "-o", dir.resolve("w").toString()));
        assertTrue(err.toString().contains("cannot open"), err.toString());
    }
}
