package io.portredirect.clientagent.probe;

import io.portredirect.clientagent.config.VipConfig;
import io.portredirect.clientagent.negotiate.ProbeOutcome;
import io.portredirect.clientagent.negotiate.VipPolicy;
import io.portredirect.clientagent.stats.AgentStats;
import io.portredirect.clientagent.stats.Counter;
import io.portredirect.protocol.config.PortRange;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.PacketParser;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.wire.RedirectExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The UDP probe against a recording link (no network; its socket is a real loopback socket). */
class UdpProbeTest {
    static final InetAddress LOCAL = ProbeEngineTest.addr("127.0.0.1");
    static final InetAddress VIP = ProbeEngineTest.addr("198.18.53.10");
    /** Probe ports (the agent's are reserved from the kernel's ephemeral range). */
    static final PortRange RANGE = new PortRange(47300, 47399);
    static final VipPolicy POLICY = new VipPolicy(new VipConfig(VIP, List.of(new PortRange(20000, 20099))), Set.of(53));

    final AgentStats stats = new AgentStats();
    final LinkedBlockingQueue<CraftedPacket> sent = new LinkedBlockingQueue<>();
    final ProbeLink link = new ProbeLink() {
        @Override
        public Path prepare(InetAddress vip) {
            return new Path(LOCAL, null, null);
        }

        @Override
        public void send(CraftedPacket packet, Path path) throws IOException {
            sent.add(packet);
        }
    };
    UdpProbe probe;

    UdpProbe probe(Duration timeout, int retries) {
        probe = new UdpProbe(link, RANGE, v -> v.equals(VIP) ? POLICY : null, timeout, retries, stats);
        return probe;
    }

    @AfterEach
    void close() {
        if (probe != null) {
            probe.close();
        }
    }

    static ParsedPacket notice(InetAddress from, int fromPort, int toPort, RedirectExtension ext) {
        byte[] ip = CraftedPacket.builder().udp().src(from, fromPort).dst(LOCAL, toPort).payload(new byte[0]).redirect(ext).build().encode();
        return PacketParser.parseIp(ip, 0, ip.length, new ParsedPacket());
    }

    @Test
    void anEmptyRedirectDatagramOfItsOwnThenTheNoticesPort() throws Exception {
        UdpProbe p = probe(Duration.ofSeconds(5), 1);
        CompletableFuture<ProbeOutcome> f = p.probe(VIP, 53, 0);
        CraftedPacket d = sent.poll(5, TimeUnit.SECONDS);
        assertNotNull(d);
        assertEquals(CraftedPacket.Transport.UDP, d.transport());
        assertEquals(0, d.payload().length, "no application byte is spent on the negotiation");
        assertEquals(RedirectExtension.redirect(), d.redirect());
        assertEquals(VIP, d.dst());
        assertEquals(53, d.dstPort());
        int port = d.srcPort();

        // from another host, or to another port: not this probe's notice
        assertFalse(p.onNotice(notice(ProbeEngineTest.addr("198.18.53.99"), 53, port, RedirectExtension.confirm(20001))));
        assertFalse(p.onNotice(notice(VIP, 53, port + 1 == 65536 ? 1 : port + 1, RedirectExtension.confirm(20001))));
        // a port the VIP does not serve: counted, ignored, still waiting
        assertTrue(p.onNotice(notice(VIP, 53, port, RedirectExtension.confirm(30000))));
        assertFalse(f.isDone());
        assertEquals(1, stats.get(Counter.IGNORED_REDIRECTS));

        assertTrue(p.onNotice(notice(VIP, 53, port, RedirectExtension.confirm(20001))));
        ProbeOutcome o = f.get(1, TimeUnit.SECONDS);
        assertEquals(ProbeOutcome.Result.REDIRECTED, o.result());
        assertEquals(20001, o.port());
        assertEquals(0, p.waiting());
        assertEquals(1, stats.get(Counter.UDP_NOTICES));
        // a second notice for the same port: the probe is gone
        assertFalse(p.onNotice(notice(VIP, 53, port, RedirectExtension.confirm(20002))));
    }

    @Test
    void aConfirmationWithoutAPortMeansTheProbedPortServes() throws Exception {
        UdpProbe p = probe(Duration.ofSeconds(5), 0);
        CompletableFuture<ProbeOutcome> f = p.probe(VIP, 53, 0);
        CraftedPacket d = sent.poll(5, TimeUnit.SECONDS);
        assertTrue(p.onNotice(notice(VIP, 53, d.srcPort(), RedirectExtension.of(io.portredirect.protocol.wire.RedirectWire.FLAG_CONFIRM, 0))));
        assertEquals(ProbeOutcome.of(ProbeOutcome.Result.CONFIRMED_HERE, 53), f.get(1, TimeUnit.SECONDS));
    }

    @Test
    void retriesFromTheSamePortThenTimesOut() throws Exception {
        UdpProbe p = probe(Duration.ofMillis(20), 2);
        CompletableFuture<ProbeOutcome> f = p.probe(VIP, 53, 0);
        ProbeOutcome o = f.get(5, TimeUnit.SECONDS);
        assertEquals(ProbeOutcome.Result.TIMED_OUT, o.result());
        assertEquals(3, sent.size(), "the first datagram and two retries");
        assertEquals(1, sent.stream().mapToInt(CraftedPacket::srcPort).distinct().count(), "one source port: one hash on the balancer");
        assertEquals(3, stats.get(Counter.UDP_RAW_SENT));
        assertEquals(1, stats.get(Counter.PROBE_TIMED_OUT));
    }

    @Test
    void probesOfSeveralSlotsLeaveFromPortsOfTheirOwn() throws Exception {
        UdpProbe p = probe(Duration.ofSeconds(5), 0);
        for (int i = 0; i < 8; i++) {
            p.probe(VIP, 53, 0);
        }
        assertEquals(8, sent.stream().mapToInt(CraftedPacket::srcPort).distinct().count(),
                sent.stream().map(d -> Integer.toString(d.srcPort())).toList() + " " + stats.get(Counter.PROBE_NOT_SENT));
        assertTrue(sent.stream().allMatch(d -> RANGE.contains(d.srcPort())), "from the probe range only, never an ephemeral port");
        assertEquals(8, p.waiting());
    }

    @Test
    void aUsedUpRangeSendsNothing() throws Exception {
        try (UdpProbe two = new UdpProbe(link, new PortRange(47410, 47411), v -> POLICY, Duration.ofSeconds(5), 0, stats)) {
            two.probe(VIP, 53, 0);
            two.probe(VIP, 53, 0);
            assertEquals(ProbeOutcome.Result.NOT_SENT, two.probe(VIP, 53, 0).get(1, TimeUnit.SECONDS).result(), "both ports are held");
            assertEquals(2, sent.size());
        }
    }
}
