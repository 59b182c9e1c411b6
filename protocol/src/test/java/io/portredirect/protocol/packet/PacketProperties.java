package io.portredirect.protocol.packet;

import io.portredirect.protocol.wire.MalformedReason;
import io.portredirect.protocol.wire.RedirectExtension;
import io.portredirect.protocol.wire.RedirectOptionScan;
import io.portredirect.protocol.wire.RedirectWire;
import io.portredirect.protocol.wire.TcpOptionWalker;
import io.portredirect.protocol.wire.UdpOptionArea;
import io.portredirect.protocol.wire.UdpOptionWalker;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Properties over random packets: what CraftedPacket encodes, PacketParser and the views read back
 * field by field; the editor's add/remove round trip; and nothing that reads packets throws on
 * random bytes or on valid packets with random damage.
 */
class PacketProperties {
    @Provide
    Arbitrary<PacketSpec> specs() {
        return PacketSpec.arbitrary();
    }

    private static ParsedPacket parse(byte[] b, int off, int len, boolean frame) {
        ParsedPacket p = new ParsedPacket();
        return frame ? PacketParser.parseFrame(b, off, len, p) : PacketParser.parseIp(b, off, len, p);
    }

    @Property(tries = 2000)
    void encodeThenParseIsLossless(@ForAll("specs") PacketSpec s) {
        byte[] b = s.crafted().build().encode();
        ParsedPacket p = parse(b, 0, b.length, s.hasEthernet());
        assertNull(p.error());
        assertEquals(b.length, p.ipEnd());
        if (s.hasEthernet()) {
            assertArrayEquals(s.dstMac, Arrays.copyOfRange(b, 0, 6));
            assertArrayEquals(s.srcMac, Arrays.copyOfRange(b, 6, 12));
        }
        assertEquals(s.v6 ? 6 : 4, p.ipVersion());
        assertArrayEquals(s.src, Arrays.copyOfRange(b, p.srcAddrOffset(), p.srcAddrOffset() + p.addrLength()));
        assertArrayEquals(s.dst, Arrays.copyOfRange(b, p.dstAddrOffset(), p.dstAddrOffset() + p.addrLength()));
        if (s.v6) {
            Ipv6View ip = new Ipv6View().wrap(b, p.l3Offset());
            assertEquals(s.ttl, ip.hopLimit());
            assertEquals(b.length - p.l3Offset() - 40, ip.payloadLength());
        } else {
            Ipv4View ip = new Ipv4View().wrap(b, p.l3Offset());
            assertEquals(s.ttl, ip.ttl());
            assertEquals(s.ipId, ip.id());
            assertEquals(s.dontFragment, ip.dontFragment());
            assertEquals(false, ip.isFragment());
            assertTrue(ip.checksumValid());
        }
        assertEquals(s.udp ? IpProtocol.UDP : IpProtocol.TCP, p.protocol());
        assertEquals(s.srcPort, p.srcPort());
        assertEquals(s.dstPort, p.dstPort());
        int payloadAt;
        if (s.udp) {
            assertEquals(UdpView.HEADER_LENGTH + s.payload.length, p.udpLength());
            payloadAt = p.l4Offset() + UdpView.HEADER_LENGTH;
            assertEquals(s.redirect == null ? 0 : UdpOptionArea.encodedLength(p.udpLength(), s.redirect), p.udpSurplusLength());
        } else {
            TcpView tcp = new TcpView().wrap(b, p.l4Offset());
            assertEquals(s.tcpFlags, p.tcpFlags());
            assertEquals(s.seq, tcp.seq());
            assertEquals(s.ack, tcp.ack());
            assertEquals(s.window, tcp.window());
            long[] seen = {0, -1, 0, -1, -1};
            MalformedReason why = TcpOptionWalker.walk(b, tcp.optionsOffset(), tcp.optionsLength(), (buf, off, kind, len) -> {
                switch (kind) {
                    case RedirectWire.TCP_MSS -> seen[0] = Bytes.u16(buf, off + 2);
                    case RedirectWire.TCP_WINDOW_SCALE -> seen[1] = Bytes.u8(buf, off + 2);
                    case RedirectWire.TCP_SACK_PERMITTED -> seen[2] = 1;
                    case RedirectWire.TCP_TIMESTAMPS -> {
                        seen[3] = Bytes.u32(buf, off + 2);
                        seen[4] = Bytes.u32(buf, off + 6);
                    }
                    default -> {
                    }
                }
                return true;
            });
            assertNull(why);
            assertEquals(s.mss, seen[0]);
            assertEquals(s.windowScale, seen[1]);
            assertEquals(s.sackPermitted ? 1 : 0, seen[2]);
            assertEquals(s.timestamps ? s.tsVal : -1, seen[3]);
            assertEquals(s.timestamps ? s.tsEcr : -1, seen[4]);
            assertEquals(0, tcp.headerLength() % 4);
            payloadAt = p.l4Offset() + p.tcpHeaderLength();
        }
        assertArrayEquals(s.payload, Arrays.copyOfRange(b, payloadAt, payloadAt + s.payload.length));
        if (s.redirect == null) {
            assertEquals(RedirectOptionScan.Status.ABSENT, p.redirect().status());
        } else {
            assertEquals(s.redirect, p.redirect().toExtension());
        }
        assertEquals(TransportChecksum.Verdict.VALID, TransportChecksum.verify(p));
    }

    @Property(tries = 2000)
    void addThenRemoveGivesBackTheOriginal(@ForAll("specs") PacketSpec s, @ForAll @IntRange(min = 0, max = 255) int flags,
                                           @ForAll @IntRange(min = 0, max = 65535) int port) {
        s.udp = false;
        s.redirect = null;
        byte[] original = s.crafted().build().encode();
        byte[] buf = Arrays.copyOf(original, original.length + 8);
        TcpOptionEditor editor = new TcpOptionEditor();
        int grown = s.hasEthernet() ? editor.addToFrame(buf, 0, original.length, buf.length, flags, port)
                : editor.addToIp(buf, 0, original.length, buf.length, flags, port);
        int optionsBefore = (s.mss > 0 ? 4 : 0) + (s.windowScale >= 0 ? 4 : 0) + (s.sackPermitted ? 4 : 0) + (s.timestamps ? 12 : 0);
        if (optionsBefore + 8 > 40) {
            assertEquals(TcpOptionEditor.ERR_OPTIONS_FULL, grown);
            return;
        }
        assertEquals(original.length + 8, grown);
        TcpOptionEditorTest.assertChecksumsValid(buf, 0, grown, s.hasEthernet());
        ParsedPacket p = parse(buf, 0, grown, s.hasEthernet());
        assertEquals(RedirectExtension.of(flags, port), p.redirect().toExtension());
        assertEquals(s.payload.length, p.l4Length() - p.tcpHeaderLength());
        int back = s.hasEthernet() ? editor.removeFromFrame(buf, 0, grown) : editor.removeFromIp(buf, 0, grown);
        assertEquals(original.length, back);
        assertArrayEquals(original, Arrays.copyOf(buf, back));
    }

    @Property(tries = 2000)
    void randomBytesNeverThrow(@ForAll @Size(max = 160) byte[] b, @ForAll @IntRange(min = 0, max = 160) int cut) {
        exerciseEverything(b, Math.min(cut, b.length));
        if (b.length > 0) {
            // the same bytes with a plausible start, so parsing gets further than the first check
            byte[] ip4 = b.clone();
            ip4[0] = 0x45;
            exerciseEverything(ip4, ip4.length);
            byte[] ip6 = b.clone();
            ip6[0] = 0x60;
            exerciseEverything(ip6, ip6.length);
        }
    }

    @Property(tries = 2000)
    void damagedPacketsNeverThrow(@ForAll("specs") PacketSpec s,
                                  @ForAll @Size(min = 1, max = 6) List<@IntRange(min = 0, max = 119) Integer> positions,
                                  @ForAll @Size(min = 6, max = 6) List<Byte> values,
                                  @ForAll @IntRange(min = -40, max = 40) int lengthChange) {
        byte[] b = s.crafted().build().encode();
        for (int i = 0; i < positions.size(); i++) {
            int at = positions.get(i) % b.length;
            b[at] = values.get(i);
        }
        int len = Math.max(0, Math.min(b.length, b.length + lengthChange));
        exerciseEverything(b, len);
    }

    /** Runs every reader and the editor over {@code b[0, len)}; they must not throw, and a successful add must be undone by remove. */
    private static void exerciseEverything(byte[] b, int len) {
        for (boolean frame : new boolean[] {true, false}) {
            ParsedPacket p = parse(b, 0, len, frame);
            String unused = p.toString();
            if (p.ok()) {
                TransportChecksum.verify(p);
                TransportChecksum.verifyIpHeader(p);
                byte[] copy = Arrays.copyOf(b, len);
                TransportChecksum.compute(parse(copy, 0, len, frame));
            }
            byte[] buf = Arrays.copyOf(b, len + 8);
            TcpOptionEditor editor = new TcpOptionEditor();
            int added = frame ? editor.addToFrame(buf, 0, len, buf.length, 0x03, 443) : editor.addToIp(buf, 0, len, buf.length, 0x03, 443);
            if (added >= 0) {
                assertEquals(len + 8, added);
                ParsedPacket q = parse(buf, 0, added, frame);
                assertTrue(q.ok(), "an edited packet still parses");
                assertEquals(RedirectExtension.of(0x03, 443), q.redirect().toExtension());
                int ipCsum = p.ipVersion() == 4 ? Bytes.u16(b, p.l3Offset() + Ipv4View.CHECKSUM_OFFSET) : 0;
                int tcpCsum = Bytes.u16(b, p.l4Offset() + TcpView.CHECKSUM_OFFSET);
                assertEquals(len, frame ? editor.removeFromFrame(buf, 0, added) : editor.removeFromIp(buf, 0, added));
                if (ipCsum != 0xFFFF && tcpCsum != 0xFFFF) {
                    // 0xFFFF is ones' complement's other zero: the incremental round trip may land on 0x0000
                    assertArrayEquals(Arrays.copyOf(b, len), Arrays.copyOf(buf, len));
                }
            } else {
                assertArrayEquals(Arrays.copyOf(b, len), Arrays.copyOf(buf, len), "a refused edit changes nothing");
            }
            if (frame ? editor.removeFromFrame(buf, 0, len) < 0 : editor.removeFromIp(buf, 0, len) < 0) {
                assertArrayEquals(Arrays.copyOf(b, len), Arrays.copyOf(buf, len), "a refused remove changes nothing");
            }
        }
        for (int off = 0; off <= Math.min(len, 8); off += 3) {
            TcpOptionWalker.walk(b, off, len - off, (x, o, k, l) -> true);
            UdpOptionWalker.walk(b, off, len - off, (x, o, k, l) -> true);
            new RedirectOptionScan().scanTcp(b, off, len - off);
            RedirectOptionScan.forUdp().scanUdpOptions(b, off, len - off);
            UdpOptionArea.scan(b, 0, off, len, RedirectOptionScan.forUdp());
            if (len >= 2) {
                UdpOptionArea.scan(b, 0, Math.min(len, Bytes.u16(b, 0)), len, RedirectOptionScan.forUdp());
            }
        }
    }
}
