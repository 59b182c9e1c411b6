package io.portredirect.protocol.io;

import io.portredirect.protocol.lab.LabExtension;
import io.portredirect.protocol.lab.LabTest;
import io.portredirect.protocol.lab.Netns;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TransportChecksum;
import io.portredirect.protocol.wire.RedirectExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RawPort, Nft, LocalPortReservation and Neighbors against real namespaces (prefix "prsio"). */
@LabTest
class RawPortLabTest {
    @RegisterExtension
    static final LabExtension<Netns> LAB = LabExtension.of(() -> new Netns("prsio"));
    private static Netns lab;
    private static String a;
    private static String b;

    @BeforeAll
    static void setUp(Netns fixture) {
        lab = fixture;
        a = lab.create("a");
        b = lab.create("b");
        lab.veth(a, "prsio-a0", "198.18.7.1/24", b, "prsio-b0", "198.18.7.2/24");
    }

    @Test
    void injectsInOneNamespaceAndCapturesInTheOther() throws Exception {
        FrameCollector got = new FrameCollector();
        try (RawPort rx = NetNamespace.call(b, () -> RawPort.open("prsio-b0", "udp and dst port 7777", RawPort.Direction.IN));
             RawPort tx = NetNamespace.call(a, () -> RawPort.open("prsio-a0", "udp and dst port 7777", RawPort.Direction.IN))) {
            rx.start(got);
            assertEquals(RawPort.LinkType.ETHERNET, tx.linkType());
            assertArrayEquals(RawPort.parseMac(lab.mac(a, "prsio-a0")), tx.mac());
            byte[] frame = CraftedPacket.builder().ethernet(tx.mac(), rx.mac())
                    .src(InetAddress.getByName("198.18.7.1"), 5555).dst(InetAddress.getByName("198.18.7.2"), 7777)
                    .udp().payload("hello".getBytes()).redirect(RedirectExtension.redirect()).build().encode();
            tx.send(frame, 0, frame.length);
            byte[] in = got.next(Duration.ofSeconds(3));
            assertNotNull(in, "frame injected in namespace a reaches the capture in namespace b");
            ParsedPacket p = rx.parse(in, in.length, new ParsedPacket());
            assertTrue(p.ok());
            assertEquals(7777, p.dstPort());
            assertTrue(p.redirect().isRedirect());
            assertEquals(TransportChecksum.Verdict.VALID, TransportChecksum.verify(p));
        }
    }

    @Test
    void resolvesTheNeighbourMacInsideANamespace() throws Exception {
        Neighbors.NextHop hop = NetNamespace.call(a, () -> Neighbors.lookup(InetAddress.getByName("198.18.7.2"), Duration.ofSeconds(2)));
        assertEquals("prsio-a0", hop.device());
        assertArrayEquals(RawPort.parseMac(lab.mac(b, "prsio-b0")), hop.mac());
    }

    @Test
    void nftTableAndReservedPortsAreRemovedOnClose() throws Exception {
        NetNamespace.call(a, () -> {
            try (Nft nft = Nft.install("prsio_t", "chain input { type filter hook input priority 0; policy accept; tcp dport 9 drop; }")) {
                assertTrue(Nft.exists("prsio_t"));
                assertTrue(nft.list().contains("tcp dport 9 drop"));
            }
            assertFalse(Nft.exists("prsio_t"));
            String before = LocalPortReservation.current();
            try (LocalPortReservation r = LocalPortReservation.reserve(41000, 41009)) {
                assertTrue(LocalPortReservation.current().contains("41000-41009"));
            }
            assertEquals(before, LocalPortReservation.current());
            return null;
        });
        assertFalse(lab.exec(a, "nft", "list", "tables").contains("prsio_t"));
    }
}
