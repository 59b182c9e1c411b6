package io.portredirect.balancer.io;

import io.portredirect.balancer.config.ConfigLoader;
import io.portredirect.balancer.table.ForwardingTables;
import io.portredirect.balancer.table.InterfaceMacs;
import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.IcmpView;
import io.portredirect.protocol.packet.PacketParser;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TransportChecksum;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ARP and neighbour discovery for the VIPs, checked field by field (checksums by the parser). */
class NeighborResponderTest {
    static final String YAML = """
            vips: [198.18.0.10, "2001:2::10"]
            network:
              interface: net0
              mac: 02:00:00:00:00:01
              next-hop: [198.18.0.2, "2001:2::2"]
              next-hop-mac: auto
            servers:
              - name: s1
                interface: srv1
                mac: 02:00:00:00:11:02
                interface-mac: 02:00:00:00:11:01
                mode: l2
                service-ports: ["8001"]
            """;
    static final byte[] OUR_MAC = Bytes.fromHex("020000000001");
    static final byte[] ASKER_MAC = Bytes.fromHex("020000000002");

    private final List<byte[]> sent = new ArrayList<>();
    private final List<byte[]> learned = new ArrayList<>();
    private final LongAdder arp = new LongAdder();
    private final LongAdder ndp = new LongAdder();
    private final LongAdder ignored = new LongAdder();
    private ForwardingTables tables;
    private NextHopResolver resolver;
    private NeighborResponder responder;
    private FramePort port;

    @BeforeEach
    void setUp() throws Exception {
        tables = ForwardingTables.build(ConfigLoader.parse(YAML, "t.yaml"), InterfaceMacs.placeholder(), (i, ip) -> null);
        resolver = new NextHopResolver(tables.nextHops(), (r, mac) -> learned.add(mac));
        responder = new NeighborResponder(() -> resolver, arp, ndp, ignored);
        port = new RecordingPort(sent);
    }

    private static byte[] arpRequest(String senderIp, String targetIp) throws Exception {
        byte[] f = new byte[60];
        NeighborFrames.writeArp(f, NeighborFrames.ARP_REQUEST, null, ASKER_MAC, InetAddress.getByName(senderIp).getAddress(), 0,
                null, 0, InetAddress.getByName(targetIp).getAddress(), 0);
        return f;
    }

    @Test
    void answersArpForAVipWithTheNetworkMac() throws Exception {
        assertTrue(responder.handle(arpRequest("198.18.0.2", "198.18.0.10"), 60, tables, port));
        assertEquals(1, sent.size());
        byte[] r = sent.get(0);
        assertArrayEquals(ASKER_MAC, Arrays.copyOfRange(r, 0, 6), "unicast back to the asker");
        assertArrayEquals(OUR_MAC, Arrays.copyOfRange(r, 6, 12));
        assertEquals(NeighborFrames.ARP_REPLY, Bytes.u16(r, NeighborFrames.ARP_OPER));
        assertArrayEquals(OUR_MAC, Arrays.copyOfRange(r, NeighborFrames.ARP_SHA, NeighborFrames.ARP_SHA + 6));
        assertEquals("198.18.0.10", Bytes.ip(r, NeighborFrames.ARP_SPA, 4));
        assertArrayEquals(ASKER_MAC, Arrays.copyOfRange(r, NeighborFrames.ARP_THA, NeighborFrames.ARP_THA + 6));
        assertEquals("198.18.0.2", Bytes.ip(r, NeighborFrames.ARP_TPA, 4));
        assertEquals(1, arp.sum());
        // the asker is the next hop: learned on the way
        assertEquals(1, learned.size());
        assertArrayEquals(ASKER_MAC, learned.get(0));
    }

    @Test
    void leavesArpForOtherAddressesToTheKernel() throws Exception {
        assertTrue(responder.handle(arpRequest("198.18.0.2", "198.18.0.1"), 60, tables, port), "consumed, not a packet to balance");
        assertTrue(sent.isEmpty());
        assertEquals(1, ignored.sum());
    }

    @Test
    void answersNeighbourSolicitationForAVip() throws Exception {
        byte[] ns = new byte[NeighborFrames.ND_FRAME_LENGTH];
        NeighborFrames.writeSolicitation(ns, ASKER_MAC, InetAddress.getByName("2001:2::2").getAddress(), 0,
                InetAddress.getByName("2001:2::10").getAddress(), 0);
        assertTrue(responder.handle(ns, ns.length, tables, port));
        assertEquals(1, sent.size());
        byte[] na = sent.get(0);
        ParsedPacket p = PacketParser.parseFrame(na, 0, na.length, new ParsedPacket());
        assertTrue(p.ok(), p.toString());
        assertEquals(IcmpView.V6_NEIGHBOR_ADVERTISEMENT, p.icmpType());
        assertEquals(TransportChecksum.Verdict.VALID, TransportChecksum.verify(p));
        assertEquals("2001:2::10", Bytes.ip(na, p.srcAddrOffset(), 16));
        assertEquals("2001:2::2", Bytes.ip(na, p.dstAddrOffset(), 16));
        assertEquals(255, Bytes.u8(na, NeighborFrames.IP6 + 7), "hop limit 255 (RFC 4861)");
        assertEquals(NeighborFrames.NA_FLAG_SOLICITED | NeighborFrames.NA_FLAG_OVERRIDE, Bytes.u8(na, NeighborFrames.ICMP6 + 4));
        assertEquals("2001:2::10", Bytes.ip(na, NeighborFrames.ND_TARGET, 16));
        int tlla = NeighborFrames.ndLinkLayerOption(na, na.length, NeighborFrames.OPT_TARGET_LLA);
        assertArrayEquals(OUR_MAC, Arrays.copyOfRange(na, tlla, tlla + 6));
        assertArrayEquals(ASKER_MAC, Arrays.copyOfRange(na, 0, 6));
        assertEquals(1, ndp.sum());
        assertEquals(1, learned.size(), "the solicitation's source link-layer option names the next hop");
    }

    @Test
    void ourSolicitationsAndAnnouncementsParseWithValidChecksums() throws Exception {
        resolver.solicit(port, OUR_MAC, tables.vipAddresses());
        NextHopResolver.announce(port, OUR_MAC, tables.vipAddresses());
        assertEquals(4, sent.size());
        for (byte[] f : sent) {
            if (NeighborFrames.isArp(f, f.length)) {
                continue;
            }
            ParsedPacket p = PacketParser.parseFrame(f, 0, f.length, new ParsedPacket());
            assertTrue(p.ok(), p.toString());
            assertEquals(TransportChecksum.Verdict.VALID, TransportChecksum.verify(p));
        }
        // the solicitation for 2001:2::2 goes to its solicited-node group ff02::1:ff00:2
        byte[] ns = sent.get(1);
        assertEquals("ff02::1:ff00:2", Bytes.ip(ns, NeighborFrames.IP6 + 24, 16));
        assertEquals("33:33:ff:00:00:02", Bytes.mac(ns, 0));
    }

    @Test
    void otherFramesGoOnToTheProcessor() throws Exception {
        byte[] syn = CraftedPacket.builder().ethernet(ASKER_MAC, OUR_MAC).src(InetAddress.getByName("198.18.0.2"), 1234)
                .dst(InetAddress.getByName("198.18.0.10"), 8001).tcp(2).build().encode();
        assertFalse(responder.handle(syn, syn.length, tables, port));
        assertTrue(sent.isEmpty());
    }

    /** A port that records what is sent. */
    static final class RecordingPort implements FramePort {
        private final List<byte[]> sent;
        private final PortCounters counters = new PortCounters();

        RecordingPort(List<byte[]> sent) {
            this.sent = sent;
        }

        @Override
        public String name() {
            return "test0";
        }

        @Override
        public int receive(byte[] buf) {
            return STOPPED;
        }

        @Override
        public boolean send(byte[] buf, int length) {
            sent.add(Arrays.copyOf(buf, length));
            return true;
        }

        @Override
        public void wakeUp() {
        }

        @Override
        public void captureAll(boolean all) {
        }

        @Override
        public PortCounters counters() {
            return counters;
        }

        @Override
        public long kernelDrops() {
            return 0;
        }

        @Override
        public void close() {
        }
    }
}
