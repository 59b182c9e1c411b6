package io.portredirect.tools.e2e.reliability;

import io.portredirect.protocol.io.RawPort;
import io.portredirect.protocol.lab.LabExtension;
import io.portredirect.protocol.lab.LabTest;
import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.IcmpView;
import io.portredirect.protocol.packet.Ipv4View;
import io.portredirect.protocol.packet.PacketParser;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.packet.TransportChecksum;
import io.portredirect.tools.e2e.support.BalancerProcess;
import io.portredirect.tools.e2e.support.BalancerYaml;
import io.portredirect.tools.e2e.support.CommandResult;
import io.portredirect.tools.e2e.support.E2eLab;
import io.portredirect.tools.e2e.support.Metrics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.portredirect.tools.e2e.reliability.ConnectionStream.Attempt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A flood of malformed and spoofed packets at the real balancer (prri-gw) while good traffic flows
 * (long-lived and new connections from the client to s2's service port 8002): hping3 with odd flags,
 * options, offsets and protocols, and random frames crafted with CraftedPacket and injected with
 * RawPort (random headers and payloads, random TCP options, random UDP surplus areas, truncated
 * headers, fragments, ICMP errors quoting garbage). Every bad packet comes from a spoofed address
 * (198.19.0.0/16, routed nowhere) and none is addressed to anything of s2's, so the balancer's
 * counters account for them exactly: dropped (each with a reason) plus forwarded to s1 or s3 equals
 * what was sent. Nothing crashes, good connections neither break nor fail.
 */
@LabTest
class BadInputE2eTest {
    static final String PREFIX = "prri";
    @RegisterExtension
    static final LabExtension<E2eLab> LAB = LabExtension.of(() -> E2eLab.up(PREFIX, E2eLab.options().servers(false), "hping3"));
    static final long SEED = 0x5eed_2026L;
    static final int HPING_EACH = 150;
    static final int CRAFTED_EACH = 300;
    static final String P = "portredirect_balancer_";

    static E2eLab lab;
    static EchoServers echo;
    static BalancerProcess balancer;

    @BeforeAll
    static void up(E2eLab fixture) throws Exception {
        lab = fixture;
        echo = EchoServers.start(lab);
        balancer = lab.startBalancer(BalancerYaml.lab(), "--no-watch");
    }

    @AfterAll
    static void down() {
        if (echo != null) {
            echo.close();
        }
    }

    /** hping3 runs: name -> arguments after "hping3 -c N -i u400 -q -a SPOOF". All to the VIP, none to s2's ports. */
    static Map<String, List<String>> hpingRuns() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("all TCP flags to 8001", List.of("-S", "-F", "-R", "-P", "-A", "-U", "-X", "-Y", "-p", "8001"));
        m.put("bad TCP checksum to 8003", List.of("-S", "--badcksum", "-p", "8003"));
        m.put("TCP data offset 15 on a 20-byte header", List.of("-S", "--tcpoff", "15", "-p", "8001"));
        m.put("TCP data offset 2", List.of("-A", "--tcpoff", "2", "-p", "8003"));
        m.put("SYN with timestamps to unknown port", List.of("-S", "--tcp-timestamp", "-p", "12345"));
        m.put("SYN without REDIRECT to redirect port 80", List.of("-S", "-p", "80", "-d", "40"));
        m.put("IP protocol 99", List.of("-0", "-H", "99", "-d", "32"));
        m.put("UDP to 9003", List.of("-2", "-p", "9003", "-d", "20"));
        m.put("UDP to redirect port 9000 without option", List.of("-2", "-p", "9000", "-d", "8"));
        m.put("ICMP port unreachable", List.of("-1", "-C", "3", "-K", "3"));
        m.put("ICMP echo with 1400 bytes", List.of("-1", "-d", "1400"));
        m.put("more-fragments flag", List.of("-S", "-x", "-p", "8001"));
        m.put("fragment offset 800", List.of("-S", "-g", "800", "-p", "8001"));
        m.put("TTL 0", List.of("-S", "-t", "0", "-p", "8003"));
        return m;
    }

    @Test
    void floodOfBadPacketsIsCountedAndDroppedWhileGoodTrafficFlows() throws Exception {
        InetSocketAddress good = new InetSocketAddress(E2eLab.VIP4, 8002);
        LongLivedConnections longLived = LongLivedConnections.open(lab, good, 10);
        ConnectionStream stream = null;
        try {
            // both scrapes in quiet moments: a scrape reads counters one after the other, so traffic during it skews them
            Thread.sleep(300);
            Metrics before = balancer.metrics();
            longLived.startPinging(100);
            stream = ConnectionStream.start(lab, "good", good, 10, 3000, 30_000);

            // hping3 from the client's kernel (raw sockets), spoofed sources
            Map<String, Long> hpingSent = new LinkedHashMap<>();
            int k = 0;
            for (Map.Entry<String, List<String>> e : hpingRuns().entrySet()) {
                List<String> cmd = new ArrayList<>(List.of("hping3", "-c", "" + HPING_EACH, "-i", "u400", "-q", "-a", "198.19.200." + (++k)));
                cmd.addAll(e.getValue());
                cmd.add(E2eLab.VIP4);
                CommandResult r = lab.run("client", 60, cmd.toArray(String[]::new));
                Matcher m = Pattern.compile("(\\d+) packets tra").matcher(r.output());
                assertTrue(m.find(), "hping3 " + e.getKey() + ": " + r);
                hpingSent.put(e.getKey(), Long.parseLong(m.group(1)));
            }

            // crafted frames injected on the client's veth
            Map<String, List<byte[]>> crafted = craft(new Random(SEED));
            RawPort port = lab.rawPort("client", "eth0", "ether proto 0x88b5", RawPort.Direction.IN);
            long craftedSent = 0;
            int burst = 0;
            for (List<byte[]> frames : crafted.values()) {
                for (byte[] f : frames) {
                    port.send(f);
                    craftedSent++;
                    if (++burst % 100 == 0) {
                        Thread.sleep(5); // ~20 k frames/s: well inside the capture ring, no loss before the balancer reads
                    }
                }
            }
            long hpingTotal = hpingSent.values().stream().mapToLong(Long::longValue).sum();
            long sent = hpingTotal + craftedSent;
            Thread.sleep(1500);
            List<Attempt> attempts = stream.stop();
            stream = null;
            longLived.awaitFreshRound(LongLivedConnections.BREAK_MILLIS);
            longLived.stopPinging();
            Metrics after = settled();
            Metrics d = after.minus(before);

            long frames = d.get(P + "frames_total", "side", "network");
            long drops = d.drops(null);
            long toS1 = d.toServer("s1");
            long toS2 = d.toServer("s2");
            long toS3 = d.toServer("s3");
            // the client kernel's own packets to no VIP (IPv6 router solicitations, MLD reports of a fresh link): never a
            // bad frame's reason (those come from spoofed sources to the VIP or do not parse), so they are set apart
            long kernelNoise = d.drops("not_vip");
            long ring = d.get(P + "io_errors_total", "interface", "net0", "direction", "rx_ring");
            long sureDrops = crafted.entrySet().stream().filter(e -> e.getKey().startsWith("drop:")).mapToLong(e -> e.getValue().size()).sum()
                    + hpingSent.get("TCP data offset 15 on a 20-byte header") + hpingSent.get("TCP data offset 2")
                    + hpingSent.get("fragment offset 800");
            Map<String, Long> reasons = new TreeMap<>();
            for (Metrics.Sample s : d.samples()) {
                if (s.value() != 0 && (s.name().equals(P + "drops_total") || s.name().equals(P + "parse_errors_total")
                        || s.name().equals(P + "malformed_options_total"))) {
                    reasons.put(s.name().substring(P.length()) + s.labels().values(), (long) s.value());
                }
            }

            Stats.figure("bad input", "sent %d bad frames (hping3 %d in %d kinds, crafted %d in %d kinds) with %d good connections pinging "
                            + "and %d new ones: balancer read %d frames, dropped %d, forwarded %d to s1 + %d to s3 (legitimately: service "
                            + "ports, legacy owner, default server), %d to s2 (good traffic); sent - forwarded - dropped = %d (%d drops are "
                            + "the client kernel's own, not_vip); capture-ring losses %d; counters %s; good: broken %d, new failed %d of %d",
                    sent, hpingTotal, hpingSent.size(), craftedSent, crafted.size(), longLived.opened(), attempts.size(), frames, drops, toS1,
                    toS3, toS2, sent - toS1 - toS3 - drops, kernelNoise, ring, reasons, longLived.brokenCount(), ConnectionStream.failed(attempts),
                    attempts.size());

            String why = "\nhping3: " + hpingSent + "\ncounters: " + d.nonZero() + lab.diagnostics();
            assertTrue(balancer.isAlive(), "the balancer survived" + why);
            assertEquals(0, ring, "no frame lost before the balancer read it" + why);
            assertEquals(frames, drops + toS1 + toS2 + toS3, "every frame the balancer read was dropped with a reason or forwarded" + why);
            assertEquals(sent - toS1 - toS3, drops - kernelNoise, "every bad frame not legitimately forwarded was dropped and counted" + why);
            assertTrue(kernelNoise <= 10, "few packets of the client kernel's own" + why);
            assertTrue(drops >= sureDrops, "the surely malformed frames (" + sureDrops + ") were all dropped" + why);
            assertEquals(0, longLived.brokenCount(), "good long-lived connections broke: " + longLived.brokenDetails() + why);
            assertEquals(0, ConnectionStream.failed(attempts), "good new connections failed:\n" + ConnectionStream.errors(attempts) + why);
            assertTrue(attempts.size() >= 20, "the good stream ran: " + attempts.size());
            assertTrue(ConnectionStream.select(attempts, a -> !a.servedBy("s2")).isEmpty(), "good traffic went to s2 only");
        } finally {
            if (stream != null) {
                stream.stop();
            }
            longLived.close();
        }
    }

    /** Scrapes until the frame counter stops moving (the balancer has read everything sent). */
    private static Metrics settled() throws Exception {
        Metrics last = balancer.metrics();
        for (int i = 0; i < 40; i++) {
            Thread.sleep(250);
            Metrics m = balancer.metrics();
            if (m.get(P + "frames_total", "side", "network") == last.get(P + "frames_total", "side", "network")) {
                return m;
            }
            last = m;
        }
        return last;
    }

    // ---- crafted frames; kinds named "drop:..." can only be dropped, "any:..." may be forwarded to s1/s3

    static Map<String, List<byte[]>> craft(Random rnd) throws Exception {
        byte[] cm = RawPort.parseMac(E2eLab.CLIENT_MAC);
        byte[] gm = RawPort.parseMac(E2eLab.GW_NET_MAC);
        InetAddress vip = InetAddress.getByName(E2eLab.VIP4);
        InetAddress vip6 = InetAddress.getByName(E2eLab.VIP6);
        Map<String, List<byte[]>> m = new LinkedHashMap<>();
        for (int i = 0; i < CRAFTED_EACH; i++) {
            InetAddress spoof = InetAddress.getByAddress(new byte[] {(byte) 198, 19, (byte) rnd.nextInt(256), (byte) (1 + rnd.nextInt(254))});
            InetAddress spoof6 = InetAddress.getByName("2001:2:0:99::" + Integer.toHexString(1 + rnd.nextInt(0xfffe)));
            int sport = 1024 + rnd.nextInt(64000);
            int s13 = rnd.nextBoolean() ? 1 : 3; // s1 or s3, never s2

            add(m, "drop:random bytes after an IPv4 ethertype", ether(cm, gm, 0x0800, randomBytes(rnd, 1 + rnd.nextInt(120))));
            add(m, "drop:random bytes after an IPv6 ethertype", ether(cm, gm, 0x86DD, randomBytes(rnd, 1 + rnd.nextInt(120))));

            byte[] syn = CraftedPacket.builder().ethernet(cm, gm).src(spoof, sport).dst(vip, 8000 + s13).tcp(rnd.nextInt(256))
                    .seq(rnd.nextInt() & 0xFFFFFFFFL).mss(1460).sackPermitted(true).timestamps(rnd.nextInt() & 0xFFFFFFFFL, 0).windowScale(7)
                    .payload(randomBytes(rnd, rnd.nextInt(64))).build().encode();
            add(m, "any:random TCP options and payload to a service port of s1/s3", randomTcpOptions(syn, rnd));

            byte[] udp = CraftedPacket.builder().ethernet(cm, gm).src(spoof, sport).dst(vip, 9000 + s13).udp()
                    .payload(randomBytes(rnd, rnd.nextInt(32))).build().encode();
            add(m, "any:random UDP surplus area to a service port of s1/s3", randomSurplus(udp, rnd));

            byte[] whole = rnd.nextBoolean() ? syn : udp;
            add(m, "drop:truncated headers", Arrays.copyOf(whole, 14 + rnd.nextInt(Math.min(whole.length - 14, 60))));

            byte[] frag = CraftedPacket.builder().ethernet(cm, gm).src(spoof, sport).dst(vip, 8000 + s13).udp()
                    .payload(randomBytes(rnd, 8 + rnd.nextInt(64))).build().encode();
            Bytes.put16(frag, 14 + Ipv4View.FLAGS_FRAGMENT_OFFSET, 1 + rnd.nextInt(0x1FFF)); // a non-first fragment
            new Ipv4View().wrap(frag, 14).computeChecksum();
            add(m, "drop:non-first IPv4 fragments", frag);

            byte[] quote = randomBytes(rnd, rnd.nextInt(60));
            if (quote.length > 0) {
                quote[0] = (byte) (0x40 | (quote[0] & 0x0F)); // looks like IPv4; its source is random, never a VIP
            }
            add(m, "drop:ICMP errors quoting random bytes", CraftedPacket.builder().ethernet(cm, gm).src(spoof, 0).dst(vip, 0)
                    .icmp(rnd.nextBoolean() ? IcmpView.V4_DEST_UNREACHABLE : IcmpView.V4_TIME_EXCEEDED, rnd.nextInt(16), rnd.nextInt())
                    .payload(quote).build().encode());

            byte[] bad = syn.clone();
            switch (rnd.nextInt(3)) {
                case 0 -> bad[14] = (byte) (0x40 | rnd.nextInt(5)); // IHL below 5
                case 1 -> bad[14] = (byte) (0x50 | (bad[14] & 0x0F)); // version 5
                default -> Bytes.put16(bad, 14 + Ipv4View.TOTAL_LENGTH_OFFSET, rnd.nextInt(20)); // total length below the header
            }
            add(m, "drop:impossible IPv4 header fields", bad);

            byte[] v6 = CraftedPacket.builder().ethernet(cm, gm).src(spoof6, sport).dst(vip6, 8000 + s13).tcp(TcpView.SYN).build().encode();
            int[] chain = {0, 43, 44, 60, 59, 135, 253, rnd.nextInt(256)};
            int nh = chain[rnd.nextInt(chain.length)];
            v6[14 + 6] = (byte) (nh == 58 ? 59 : nh); // not ICMPv6: an NDP frame would be the neighbour responder's, not a drop

            byte[] tail = randomBytes(rnd, rnd.nextInt(48));
            byte[] v6x = Arrays.copyOf(v6, v6.length + tail.length);
            System.arraycopy(tail, 0, v6x, v6.length, tail.length);
            Bytes.put16(v6x, 14 + 4, v6x.length - 14 - 40);
            add(m, "any:IPv6 with random extension headers", v6x);
        }
        return m;
    }

    private static void add(Map<String, List<byte[]>> m, String kind, byte[] frame) {
        m.computeIfAbsent(kind, x -> new ArrayList<>()).add(frame);
    }

    private static byte[] randomBytes(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    private static byte[] ether(byte[] src, byte[] dst, int type, byte[] payload) {
        byte[] f = new byte[14 + payload.length];
        System.arraycopy(dst, 0, f, 0, 6);
        System.arraycopy(src, 0, f, 6, 6);
        Bytes.put16(f, 12, type);
        System.arraycopy(payload, 0, f, 14, payload.length);
        return f;
    }

    /** The 20 option bytes after the fixed TCP header overwritten with random bytes; checksum recomputed when it still parses. */
    private static byte[] randomTcpOptions(byte[] syn, Random rnd) {
        byte[] b = syn.clone();
        int opts = 14 + 20 + TcpView.MIN_HEADER_LENGTH;
        for (int i = 0; i < 20; i++) {
            b[opts + i] = (byte) rnd.nextInt(256);
        }
        if (rnd.nextInt(4) == 0) {
            // now and then our own option kind and ExID with a random length and flags
            b[opts] = (byte) 253;
            b[opts + 1] = (byte) rnd.nextInt(12);
            b[opts + 2] = 0x52;
            b[opts + 3] = 0x44;
        }
        ParsedPacket p = PacketParser.parseFrame(b, 0, b.length, new ParsedPacket());
        if (p.ok()) {
            TransportChecksum.compute(p);
        }
        return b;
    }

    /** Random bytes appended after the UDP datagram inside the IP packet (an RFC 9868 surplus area of garbage). */
    private static byte[] randomSurplus(byte[] udp, Random rnd) {
        byte[] tail = randomBytes(rnd, 1 + rnd.nextInt(40));
        byte[] b = Arrays.copyOf(udp, udp.length + tail.length);
        System.arraycopy(tail, 0, b, udp.length, tail.length);
        Bytes.put16(b, 14 + Ipv4View.TOTAL_LENGTH_OFFSET, b.length - 14);
        new Ipv4View().wrap(b, 14).computeChecksum();
        return b;
    }
}
