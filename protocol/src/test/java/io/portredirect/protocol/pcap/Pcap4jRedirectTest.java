package io.portredirect.protocol.pcap;

import io.portredirect.protocol.lab.LabSupport;
import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.PacketParser;
import io.portredirect.protocol.packet.PacketSpec;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.packet.TransportChecksum;
import io.portredirect.protocol.packet.UdpView;
import io.portredirect.protocol.wire.RedirectExtension;
import io.portredirect.protocol.wire.UdpOptionArea;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.pcap4j.core.PcapDumper;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.Pcaps;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IllegalTcpOption;
import org.pcap4j.packet.IpV4Packet;
import org.pcap4j.packet.IpV6Packet;
import org.pcap4j.packet.Packet;
import org.pcap4j.packet.TcpMaximumSegmentSizeOption;
import org.pcap4j.packet.TcpPacket;
import org.pcap4j.packet.TcpPacket.TcpOption;
import org.pcap4j.packet.UdpPacket;
import org.pcap4j.packet.UnknownTcpOption;
import org.pcap4j.packet.namednumber.DataLinkType;
import org.pcap4j.packet.namednumber.TcpOptionKind;
import org.pcap4j.packet.factory.PacketFactories;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.portredirect.protocol.packet.TestPackets.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pcap4j and our codec checked against each other: pcap4j decodes our bytes (the redirect option
 * as {@link TcpRedirectOption}), {@link Pcap4jPackets} keeps crafted packets byte for byte,
 * and a pcap file written through libpcap reads back in pcap4j and in tshark.
 */
class Pcap4jRedirectTest {
    private static final RedirectExtension R = RedirectExtension.redirect();
    private static final RedirectExtension C = RedirectExtension.confirm(8001);

    @BeforeAll
    static void install() {
        assertTrue(Pcap4jRedirect.install(), Pcap4jRedirect.failure());
    }

    @Test
    void installIsIdempotentAndVisibleThroughPcap4jsLookup() {
        assertTrue(Pcap4jRedirect.install());
        assertTrue(Pcap4jRedirect.isInstalled());
        assertInstanceOf(RedirectTcpOptionFactory.class, PacketFactories.getFactory(TcpOption.class, TcpOptionKind.class));
        assertEquals(Pcap4jRedirect.TCP_EXPERIMENT_1, TcpOptionKind.getInstance((byte) 253));
        RedirectTcpOptionFactory f = (RedirectTcpOptionFactory) PacketFactories.getFactory(TcpOption.class, TcpOptionKind.class);
        assertEquals(false, f.delegate() instanceof RedirectTcpOptionFactory, "installed once, not stacked");
    }

    /** One line per negotiation packet: what it is and the CraftedPacket. */
    static Stream<Arguments> negotiation() {
        List<Arguments> rows = new ArrayList<>();
        for (boolean v6 : new boolean[] {false, true}) {
            for (boolean eth : new boolean[] {false, true}) {
                InetAddress client = v6 ? CLIENT6 : CLIENT4;
                InetAddress vip = v6 ? VIP6 : VIP4;
                String tag = (v6 ? "v6" : "v4") + (eth ? " frame" : " ip");
                rows.add(Arguments.of("SYN+REDIRECT " + tag,
                        crafted(eth).src(client, 40000).dst(vip, 80).tcp(TcpView.SYN).seq(100).mss(1460).sackPermitted(true)
                                .timestamps(77, 0).windowScale(7).redirect(R)));
                rows.add(Arguments.of("SYN-ACK+CONFIRM " + tag,
                        crafted(eth).src(vip, 80).dst(client, 40000).tcp(TcpView.SYN | TcpView.ACK).seq(5000).ack(101).mss(1400).redirect(C)));
                rows.add(Arguments.of("ACK+REDIRECT_OPT mid-connection " + tag,
                        crafted(eth).src(vip, 8001).dst(client, 40000).tcp(TcpView.ACK).seq(9).ack(10).window(512)
                                .redirect(RedirectExtension.redirectTo(8002)).payload("bye".getBytes(StandardCharsets.US_ASCII))));
                rows.add(Arguments.of("RST+REDIRECT " + tag,
                        crafted(eth).src(client, 40000).dst(vip, 80).tcp(TcpView.RST).seq(101).window(0).redirect(R)));
                rows.add(Arguments.of("UDP+REDIRECT " + tag,
                        crafted(eth).src(client, 40000).dst(vip, 53).udp().payload(new byte[] {1, 2, 3}).redirect(R)));
                rows.add(Arguments.of("UDP notice+CONFIRM " + tag,
                        crafted(eth).src(vip, 53).dst(client, 40000).udp().payload(new byte[4]).redirect(C)));
            }
        }
        return rows.stream();
    }

    private static CraftedPacket.Builder crafted(boolean eth) {
        CraftedPacket.Builder b = CraftedPacket.builder();
        return eth ? b.ethernet(MAC_A, MAC_B) : b;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("negotiation")
    void pcap4jPacketsKeepTheBytesOurParserReads(String name, CraftedPacket.Builder ours) {
        CraftedPacket c = ours.build();
        byte[] expected = c.encode();
        Packet packet = Pcap4jPackets.of(c);
        byte[] actual = packet.getRawData();
        assertEquals(Bytes.hex(expected, 0, expected.length), Bytes.hex(actual, 0, actual.length), name);

        ParsedPacket p = c.hasEthernet() ? PacketParser.parseFrame(actual, 0, actual.length, new ParsedPacket())
                : PacketParser.parseIp(actual, 0, actual.length, new ParsedPacket());
        assertEquals(null, p.error());
        assertEquals(c.srcPort(), p.srcPort());
        assertEquals(c.dstPort(), p.dstPort());
        assertEquals(c.redirect(), p.redirect().toExtension());
        assertEquals(TransportChecksum.Verdict.VALID, TransportChecksum.verify(p), name);
        assertEquals(TransportChecksum.Verdict.VALID, TransportChecksum.verifyIpHeader(p), name);
        if (c.transport() == CraftedPacket.Transport.TCP) {
            assertEquals(c.tcpFlags(), p.tcpFlags());
            TcpPacket tcp = packet.get(TcpPacket.class);
            assertTrue(tcp.hasValidChecksum(c.src(), c.dst(), false), "pcap4j agrees the checksum is valid");
            assertEquals(c.redirect(), redirectOption(tcp).toExtension());
        } else {
            UdpPacket udp = packet.get(UdpPacket.class);
            assertEquals(c.payload().length + UdpView.HEADER_LENGTH, udp.getHeader().getLengthAsInt(), "the UDP length covers the user data");
            assertEquals(c.payload().length + p.udpSurplusLength(), udp.getPayload().length(), "the payload is user data then the surplus area");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("negotiation")
    void pcap4jDecodesOurBytes(String name, CraftedPacket.Builder ours) throws Exception {
        CraftedPacket c = ours.build();
        if (c.transport() != CraftedPacket.Transport.TCP) {
            return;
        }
        byte[] b = c.encode();
        Packet packet = c.hasEthernet() ? EthernetPacket.newPacket(b, 0, b.length)
                : c.isIpv6() ? IpV6Packet.newPacket(b, 0, b.length) : IpV4Packet.newPacket(b, 0, b.length);
        TcpPacket tcp = packet.get(TcpPacket.class);
        assertNotNull(tcp, name);
        TcpRedirectOption opt = redirectOption(tcp);
        assertNotNull(opt, name + ": " + tcp.getHeader().getOptions());
        assertEquals(c.redirect().flags(), opt.flags());
        assertEquals(c.redirect().port(), opt.port());
        assertEquals(c.redirect(), opt.toExtension());
        assertArrayEquals(b, packet.getRawData(), "pcap4j re-serialises the same bytes");
        assertTrue(tcp.hasValidChecksum(c.src(), c.dst(), false));
    }

    private static TcpRedirectOption redirectOption(TcpPacket tcp) {
        TcpRedirectOption found = null;
        for (TcpOption o : tcp.getHeader().getOptions()) {
            if (o instanceof TcpRedirectOption r) {
                assertEquals(null, found, "one redirect option");
                found = r;
            }
        }
        return found;
    }

    /** pcap4j's UDP decoder stops at the UDP length: the surplus area (and our UDP option) is not in its model. */
    @Test
    void pcap4jDropsTheUdpSurplusArea() throws Exception {
        byte[] b = udp4().payload(new byte[] {1, 2, 3}).redirect(C).build().encode();
        IpV4Packet ip = IpV4Packet.newPacket(b, 0, b.length);
        UdpPacket udp = ip.get(UdpPacket.class);
        assertArrayEquals(new byte[] {1, 2, 3}, udp.getPayload().getRawData());
        assertEquals(b.length, ip.getHeader().getTotalLengthAsInt());
        assertEquals(b.length - UdpOptionArea.encodedLength(11, C), ip.getRawData().length, "re-serialised without the surplus area");
    }

    /** Option areas pcap4j must decode: our option next to others, other experiments, malformed ones. */
    @Test
    void optionClassesPcap4jChooses() throws Exception {
        assertEquals("TcpRedirectOption flags=1 port=0", optionSummary("01 01 01 fd 05 52 44 01", 3));
        assertEquals("TcpRedirectOption flags=252 port=443", optionSummary("01 fd 07 52 44 fc 01 bb", 1));
        assertEquals("TcpMaximumSegmentSizeOption", optionSummary("02 04 05 b4 01 fd 07 52 44 02 1f 41", 0));
        assertEquals("TcpRedirectOption flags=2 port=8001", optionSummary("02 04 05 b4 01 fd 07 52 44 02 1f 41", 2));
        assertEquals("UnknownTcpOption", optionSummary("fd 06 12 34 aa bb 01 01", 0));
        assertEquals("IllegalTcpOption", optionSummary("01 fd 07 52 44 02 00 00", 1));
        assertEquals("IllegalTcpOption", optionSummary("01 01 fd 06 52 44 01 00", 2));
    }

    private static String optionSummary(String optionsHex, int index) throws Exception {
        byte[] ip = TcpSegments.withOptions(CraftedPacket.builder().src(CLIENT4, 1).dst(VIP4, 2).tcp(TcpView.SYN).build().encode(),
                optionsHex);
        TcpOption o = IpV4Packet.newPacket(ip, 0, ip.length).get(TcpPacket.class).getHeader().getOptions().get(index);
        if (o instanceof TcpRedirectOption r) {
            assertArrayEquals(Bytes.fromHex(optionsHex.substring(optionsHex.indexOf("fd"), optionsHex.indexOf("fd") + 3 * r.length() - 1)),
                    r.getRawData());
            return "TcpRedirectOption flags=" + r.flags() + " port=" + r.port();
        }
        if (o instanceof TcpMaximumSegmentSizeOption || o instanceof UnknownTcpOption || o instanceof IllegalTcpOption) {
            return o.getClass().getSimpleName();
        }
        return o.getClass().getName();
    }

    @Test
    void optionValue() throws Exception {
        TcpRedirectOption a = TcpRedirectOption.of(C);
        assertEquals(7, a.length());
        assertEquals("fd075244021f41", Bytes.hex(a.getRawData(), 0, 7));
        assertEquals(a, TcpRedirectOption.newInstance(Bytes.fromHex("00 fd 07 52 44 02 1f 41"), 1, 7));
        assertEquals(a.hashCode(), TcpRedirectOption.of(RedirectExtension.confirm(8001)).hashCode());
        assertEquals("[Kind: 253 (RFC3692-style Experiment 1 (RFC 6994))] [Length: 7 bytes] [ExID: 0x5244] [Flags: REDIRECT_CONFIRM] [REDIRECT_OPT: 8001]",
                a.toString());
        assertTrue(a.isConfirm());
        assertEquals(false, a.isRedirect());
        assertEquals(5, TcpRedirectOption.of(R).length());
        for (String bad : new String[] {"fd 07 52 44 02 1f", "fd 05 12 34 01", "fd 06 52 44 01 00", "fd 07 52 44 01 00 00", "02 04 05 b4", "fd"}) {
            byte[] b = Bytes.fromHex(bad);
            org.junit.jupiter.api.Assertions.assertThrows(org.pcap4j.packet.IllegalRawDataException.class,
                    () -> TcpRedirectOption.newInstance(b, 0, b.length), bad);
        }
    }

    /**
     * Random packets: pcap4j's model of a CraftedPacket serialises to the crafted bytes, and pcap4j,
     * computing on its own, finds the IPv4 header and TCP checksums valid.
     */
    @Property(tries = 300)
    void pcap4jKeepsTheBytesOfRandomPackets(@ForAll("specs") PacketSpec s) {
        CraftedPacket c = s.crafted().build();
        byte[] expected = c.encode();
        Packet packet = Pcap4jPackets.of(c);
        byte[] actual = packet.getRawData();
        assertEquals(Bytes.hex(expected, 0, expected.length), Bytes.hex(actual, 0, actual.length), s.toString());
        if (!c.isIpv6()) {
            assertTrue(packet.get(IpV4Packet.class).getHeader().hasValidChecksum(false), "pcap4j: IPv4 header checksum " + s);
        }
        if (c.transport() == CraftedPacket.Transport.TCP) {
            assertTrue(packet.get(TcpPacket.class).hasValidChecksum(c.src(), c.dst(), false), "pcap4j: TCP checksum " + s);
        }
    }

    @Provide
    Arbitrary<PacketSpec> specs() {
        return PacketSpec.arbitrary();
    }

    /**
     * Writes the negotiation to a pcap through libpcap (pcap4j's dumper), reads it back through
     * libpcap into pcap4j packets, and has tshark decode the same file: ExID, flags/port bytes and
     * checksums as an independent decoder sees them.
     */
    @Test
    void pcapFileRoundTripAndTshark() throws Exception {
        Path file = Files.createTempFile("redirect", ".pcap");
        List<CraftedPacket> sent = new ArrayList<>();
        negotiation().forEach(a -> {
            CraftedPacket c = ((CraftedPacket.Builder) a.get()[1]).build();
            if (c.hasEthernet() && c.transport() == CraftedPacket.Transport.TCP) {
                sent.add(c);
            }
        });
        try {
            try (PcapHandle dead = openDead(); PcapDumper dumper = dead.dumpOpen(file.toString())) {
                for (CraftedPacket c : sent) {
                    byte[] b = c.encode();
                    dumper.dumpRaw(b, new Timestamp(1_700_000_000_000L));
                }
            }
            List<TcpRedirectOption> read = new ArrayList<>();
            try (PcapHandle in = Pcaps.openOffline(file.toString())) {
                Packet p;
                while ((p = nextOrNull(in)) != null) {
                    read.add(redirectOption(p.get(TcpPacket.class)));
                }
            }
            assertEquals(sent.size(), read.size());
            for (int i = 0; i < sent.size(); i++) {
                assertEquals(sent.get(i).redirect(), read.get(i).toExtension(), "packet " + i);
            }

            LabSupport.assumeTool("tshark");
            Process proc = new ProcessBuilder("tshark", "-n", "-r", file.toString(), "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
                    "-T", "fields", "-E", "separator=;", "-e", "tcp.options.experimental.exid", "-e", "tcp.options.experimental.data",
                    "-e", "tcp.checksum.status", "-e", "ip.checksum.status", "-e", "tcp.flags")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(proc.waitFor(60, TimeUnit.SECONDS));
            List<String> lines = out.lines().toList();
            assertEquals(sent.size(), lines.size(), out);
            for (int i = 0; i < sent.size(); i++) {
                CraftedPacket c = sent.get(i);
                byte[] opt = c.redirect().toTcpOptionBytes();
                String data = Bytes.hex(opt, 4, opt.length - 4);
                String ipStatus = c.isIpv6() ? "" : "1"; // checksum status 1 = good
                assertEquals("0x5244;" + data + ";1;" + ipStatus + ";" + String.format("0x%04x", c.tcpFlags()), lines.get(i), c.toString());
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static PcapHandle openDead() {
        try {
            return Pcaps.openDead(DataLinkType.EN10MB, 65536);
        } catch (Throwable e) {
            Assumptions.abort("SKIPPED: libpcap is not usable here: " + e);
            return null;
        }
    }

    private static Packet nextOrNull(PcapHandle in) throws Exception {
        try {
            return in.getNextPacketEx();
        } catch (java.io.EOFException e) {
            return null;
        }
    }
}
