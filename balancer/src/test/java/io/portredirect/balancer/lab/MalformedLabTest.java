package io.portredirect.balancer.lab;

import io.portredirect.protocol.lab.LabExtension;
import io.portredirect.protocol.lab.LabProcess;
import io.portredirect.protocol.lab.LabTest;
import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.IcmpView;
import io.portredirect.protocol.packet.Ipv4View;
import io.portredirect.protocol.packet.PacketParser;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.packet.TransportChecksum;
import io.portredirect.protocol.wire.RedirectExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.File;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Malformed packets sent at the balancer (truncated headers, impossible lengths, a broken redirect
 * option, ICMP errors with bad quotes) are counted by reason and dropped, or for a broken option
 * forwarded as if the option were absent, while a TCP transfer through the balancer keeps going.
 */
@LabTest
class MalformedLabTest {
    @RegisterExtension
    static final LabExtension<BalancerLab> LAB = LabExtension.of(() -> BalancerLab.up("prbm", false));
    private static final int EACH = 50;
    private static final String P = "portredirect_balancer_";
    private static BalancerLab lab;
    private static LabProcess balancer;

    @BeforeAll
    static void up(BalancerLab fixture) throws Exception {
        lab = fixture;
        // busy polling on: the readers poll between frames, good and bad
        balancer = lab.startBalancer(lab.labConfig(), "--busy-poll-us", "100");
    }

    @Test
    void malformedPacketsAreCountedAndDroppedWhileGoodTrafficFlows() throws Exception {
        InetAddress client = InetAddress.getByName(BalancerLab.CLIENT_IP);
        InetAddress vip = InetAddress.getByName(BalancerLab.VIP4);
        InetAddress client6 = InetAddress.getByName("2001:2::2");
        InetAddress vip6 = InetAddress.getByName(BalancerLab.VIP6);
        byte[] cm = LegacyAndRedirectLabTest.macBytes(BalancerLab.CLIENT_MAC);
        byte[] gm = LegacyAndRedirectLabTest.macBytes(BalancerLab.GW_NET_MAC);
        byte[] syn = CraftedPacket.builder().ethernet(cm, gm).src(client, 30000).dst(vip, 8001).tcp(TcpView.SYN).mss(1460)
                .build().encode();
        byte[] syn6 = CraftedPacket.builder().ethernet(cm, gm).src(client6, 30000).dst(vip6, 8001).tcp(TcpView.SYN)
                .build().encode();

        Map<String, byte[]> kinds = new LinkedHashMap<>();
        kinds.put("truncated IPv4 header", Arrays.copyOf(syn, 14 + 12));
        kinds.put("truncated IPv6 header", Arrays.copyOf(syn6, 14 + 30));
        kinds.put("IPv4 total length beyond the frame", withIpv4(syn, b -> Bytes.put16(b, 14 + Ipv4View.TOTAL_LENGTH_OFFSET, 1400)));
        kinds.put("IP version 5 in an IPv4 frame", withIpv4(syn, b -> b[14] = 0x55));
        kinds.put("truncated TCP header", truncatedTcp(syn));
        kinds.put("TCP data offset beyond the packet", withIpv4(syn, b -> b[14 + 20 + TcpView.DATA_OFFSET_OFFSET] = (byte) 0xF0));
        kinds.put("redirect option with a bad length", badRedirectOption(cm, gm, client, vip));
        kinds.put("ICMP error with a truncated quote", icmpError(cm, gm, client, vip, Arrays.copyOf(quoteFromVip(), 12)));
        kinds.put("ICMP error quoting a packet not from a VIP", icmpError(cm, gm, client, vip, quoteFrom("198.18.99.99")));

        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < EACH; i++) {
            frames.addAll(kinds.values());
        }
        Path file = lab.work.resolve("malformed.bin");
        LabProbe.writeFrames(file, frames);

        lab.start("s2", List.of("iperf3", "-s", "-p", "5202", "-B", BalancerLab.VIP4), null);
        Thread.sleep(500);
        String before = lab.metrics();
        File out = lab.work.resolve("iperf.json").toFile();
        Process good = lab.start("client", List.of("iperf3", "-c", BalancerLab.VIP4, "-p", "5202", "-t", "4", "-b", "50M", "-J"), out);
        Thread.sleep(1000);
        BalancerLab.Result sent = lab.probe("client", 60, "inject", "eth0", file.toString(), "100");
        assertEquals(0, sent.exit(), sent.output());
        assertTrue(good.waitFor(30, TimeUnit.SECONDS), "iperf3 finished");
        String iperf = Files.readString(out.toPath());
        assertEquals(0, good.exitValue(), "good traffic kept flowing: " + iperf);
        String after = lab.metrics();

        Map<String, Long> delta = new LinkedHashMap<>();
        for (String sel : List.of(
                "parse_errors_total{error=\"truncated_ip\"", "parse_errors_total{error=\"bad_ip_total_length\"",
                "parse_errors_total{error=\"bad_ip_version\"", "parse_errors_total{error=\"truncated_tcp\"",
                "parse_errors_total{error=\"bad_tcp_data_offset\"", "malformed_options_total",
                "drops_total{reason=\"malformed\"", "drops_total{reason=\"icmp_quote_truncated\"",
                "drops_total{reason=\"icmp_quote_not_ours\"", "decisions_total{rule=\"legacy_owner\"")) {
            delta.put(sel, BalancerLab.metric(after, P + sel) - BalancerLab.metric(before, P + sel));
        }
        System.out.println("malformed frames sent: " + EACH + " of each of " + kinds.keySet() + "; counter deltas: " + delta);
        String why = "deltas " + delta + "\n" + after;
        assertEquals(2L * EACH, delta.get("parse_errors_total{error=\"truncated_ip\""), why);
        assertEquals((long) EACH, delta.get("parse_errors_total{error=\"bad_ip_total_length\""), why);
        assertEquals((long) EACH, delta.get("parse_errors_total{error=\"bad_ip_version\""), why);
        assertEquals((long) EACH, delta.get("parse_errors_total{error=\"truncated_tcp\""), why);
        assertEquals((long) EACH, delta.get("parse_errors_total{error=\"bad_tcp_data_offset\""), why);
        assertEquals(6L * EACH, delta.get("drops_total{reason=\"malformed\""), why);
        // the kernel dataplane routes a redirect option whose length runs past the header as Java
        // does (legacy owner, below), but cannot tell it from no option, so only Java counts it
        boolean kernel = after.contains(P + "nft_packets_total");
        assertEquals(kernel ? 0L : EACH, delta.get("malformed_options_total"), why);
        assertTrue(delta.get("decisions_total{rule=\"legacy_owner\"") >= EACH, "a broken option is treated as absent: " + why);
        assertEquals((long) EACH, delta.get("drops_total{reason=\"icmp_quote_truncated\""), why);
        assertEquals((long) EACH, delta.get("drops_total{reason=\"icmp_quote_not_ours\""), why);
        assertTrue(balancer.isAlive());
        BalancerLab.Result curl = lab.tryExec("client", 15, "curl", "-s", "-m", "5", "http://198.18.0.10:8003/");
        assertEquals("s3", curl.output().trim());
    }

    private interface Edit {
        void apply(byte[] b);
    }

    private static byte[] withIpv4(byte[] frame, Edit edit) {
        byte[] b = frame.clone();
        edit.apply(b);
        return b;
    }

    private static byte[] truncatedTcp(byte[] syn) {
        byte[] b = Arrays.copyOf(syn, 14 + 20 + 10);
        Bytes.put16(b, 14 + Ipv4View.TOTAL_LENGTH_OFFSET, 30);
        new Ipv4View().wrap(b, 14).computeChecksum();
        return b;
    }

    /** A SYN to redirect port 80 whose redirect option says length 6 (neither 5 nor 7). */
    private static byte[] badRedirectOption(byte[] cm, byte[] gm, InetAddress client, InetAddress vip) {
        byte[] b = CraftedPacket.builder().ethernet(cm, gm).src(client, 30001).dst(vip, 80).tcp(TcpView.SYN)
                .redirect(RedirectExtension.redirect()).build().encode();
        int opt = 14 + 20 + 20;
        while (Bytes.u8(b, opt) == 1) {
            opt++;
        }
        b[opt + 1] = 6;
        ParsedPacket p = PacketParser.parseFrame(b, 0, b.length, new ParsedPacket());
        TransportChecksum.compute(p);
        return b;
    }

    /** The IP+UDP header of a datagram the client received from VIP:5201 (what its kernel would quote). */
    private static byte[] quoteFromVip() throws Exception {
        return quoteFrom(BalancerLab.VIP4);
    }

    private static byte[] quoteFrom(String src) throws Exception {
        byte[] ip = CraftedPacket.builder().src(InetAddress.getByName(src), 5201).dst(InetAddress.getByName(BalancerLab.CLIENT_IP), 40000)
                .udp().payload(new byte[8]).build().encode();
        return Arrays.copyOf(ip, 28);
    }

    private static byte[] icmpError(byte[] cm, byte[] gm, InetAddress client, InetAddress vip, byte[] quote) {
        return CraftedPacket.builder().ethernet(cm, gm).src(client, 0).dst(vip, 0)
                .icmp(IcmpView.V4_DEST_UNREACHABLE, IcmpView.V4_CODE_PORT_UNREACHABLE, 0).payload(quote).build().encode();
    }
}
