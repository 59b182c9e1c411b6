package io.portredirect.balancer.decide;

import io.portredirect.balancer.metrics.BalancerCounters;
import io.portredirect.balancer.table.ForwardingTables;
import io.portredirect.protocol.metrics.MetricRegistry;
import io.portredirect.protocol.packet.ParseError;
import io.portredirect.protocol.wire.MalformedReason;
import io.portredirect.protocol.wire.RedirectExtension;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

import static io.portredirect.balancer.testing.Fixtures.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the processor counts, and the Prometheus text it renders. */
class CountingTest {
    private static final Pattern SAMPLE = Pattern.compile("portredirect_balancer_[a-z_]+\\{[a-z_]+=\"[^\"]*\"(,[a-z_]+=\"[^\"]*\")*} \\d+");

    @Test
    void malformedOptionsParseErrorsNegotiationsAndServersAreCounted() throws Exception {
        ForwardingTables t = tables(VERDICT_YAML);
        BalancerCounters c = new BalancerCounters();
        PacketProcessor p = new PacketProcessor(() -> t, c);
        for (byte[] f : new byte[][] {VerdictTableTest.tcpOptionZeroPort(), VerdictTableTest.tcpOptionBadLength(),
                VerdictTableTest.udpBadOcs(CLIENT4, VIP4), VerdictTableTest.udpBadOcs(CLIENT6, VIP6),
                Arrays.copyOf(tcp(CLIENT4, 40000, VIP4, 10001, 2, null), 40),
                syn(CLIENT4, 1111, VIP4, 8080), syn(CLIENT4, 1112, VIP4, 8080), udp(CLIENT6, 1113, VIP6, 5000, RedirectExtension.redirect())}) {
            p.fromNetwork(f, 0, f.length);
        }
        assertEquals(1, c.malformed(MalformedReason.REDIRECT_ZERO_PORT));
        assertEquals(1, c.malformed(MalformedReason.REDIRECT_BAD_LENGTH));
        assertEquals(2, c.malformed(MalformedReason.UDP_BAD_OCS));
        assertEquals(1, c.parseErrors(ParseError.BAD_IP_TOTAL_LENGTH));
        assertEquals(1, c.drops(DropReason.MALFORMED));
        assertEquals(2, c.negotiations(8080, "tcp"));
        assertEquals(1, c.negotiations(5000, "udp"));
        assertEquals(8, c.networkFrames());
        assertEquals(2, c.decisions(Rule.LEGACY_OWNER));
        assertEquals(2, c.decisions(Rule.LEGACY_DEFAULT));
        assertEquals(3, c.decisions(Rule.REDIRECT_HASH));

        MetricRegistry registry = new MetricRegistry();
        c.register(registry);
        String text = registry.scrapeText();
        String lastType = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("# HELP ")) {
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                assertTrue(line.endsWith(" counter"), line);
                lastType = line.split(" ")[2];
                continue;
            }
            assertTrue(SAMPLE.matcher(line).matches(), "not a Prometheus sample: " + line);
            assertTrue(line.startsWith(lastType + "{"), "sample without its TYPE line: " + line);
        }
        assertTrue(text.contains("portredirect_balancer_malformed_options_total{reason=\"udp_bad_ocs\"} 2\n"), text);
        assertTrue(text.contains("portredirect_balancer_redirect_negotiations_total{port=\"8080\",protocol=\"tcp\"} 2\n"), text);
        assertTrue(text.contains("portredirect_balancer_drops_total{reason=\"malformed\"} 1\n"), text);
        assertTrue(text.contains("portredirect_balancer_parse_errors_total{error=\"bad_ip_total_length\"} 1\n"), text);
        assertTrue(text.contains("portredirect_balancer_server_packets_total{server=\"a\",direction=\"to_server\"} 2\n"), text);
    }

    /** A table swap takes effect at the next packet, and per-server counters keep counting by name across it. */
    @Test
    void swappedTablesApplyAtTheNextPacketAndCountersSurvive() {
        AtomicReference<ForwardingTables> ref = new AtomicReference<>(tables(VERDICT_YAML));
        BalancerCounters c = new BalancerCounters();
        PacketProcessor p = new PacketProcessor(ref::get, c);
        byte[] f = tcp(CLIENT4, 40000, VIP4, 10001, 2, null);
        assertEquals("a", ref.get().serverName(p.fromNetwork(f.clone(), 0, f.length)));
        // the new config moves 10001 to d and puts d first
        String moved = VERDICT_YAML.replace("service-ports: [\"10001\", \"10002-10004/tcp\"]", "service-ports: [\"10002-10004/tcp\"]")
                .replace("service-ports: [\"10031\"]", "service-ports: [\"10031\", \"10001\"]");
        ref.set(tables(moved));
        assertEquals("d", ref.get().serverName(p.fromNetwork(f.clone(), 0, f.length)));
        byte[] g = tcp(CLIENT4, 40000, VIP4, 10002, 2, null);
        assertEquals("a", ref.get().serverName(p.fromNetwork(g, 0, g.length)));
        assertEquals(2, c.serverPackets("a"));
        assertEquals(1, c.serverPackets("d"));
    }
}
