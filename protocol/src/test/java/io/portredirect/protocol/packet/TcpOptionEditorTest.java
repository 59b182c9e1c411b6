package io.portredirect.protocol.packet;

import io.portredirect.protocol.wire.RedirectExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.stream.Stream;

import static io.portredirect.protocol.packet.TestPackets.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * TcpOptionEditor over a table of segments, one line each: the segment, frame or bare IP, what to
 * do, and the outcome (length change and the redirect option seen afterwards, or the error).
 * Every success is also checked for valid checksums, checksums equal to a full recompute, and
 * (for add) that removing again gives back the original bytes.
 */
class TcpOptionEditorTest {
    private static final boolean FRAME = true;
    private static final boolean IP = false;
    private static final RedirectExtension R = RedirectExtension.redirect();
    private static final RedirectExtension C = RedirectExtension.confirm(8001);

    private static Arguments add(String name, boolean frame, byte[] packet, RedirectExtension ext, String expected) {
        return Arguments.of(name, frame, packet, ext, expected);
    }

    private static Arguments remove(String name, boolean frame, byte[] packet, String expected) {
        return Arguments.of(name, frame, packet, null, expected);
    }

    static Stream<Arguments> vectors() {
        byte[] syn4 = syn4().build().encode();
        byte[] bare4 = CraftedPacket.builder().src(CLIENT4, 1).dst(VIP4, 2).tcp(TcpView.ACK).build().encode();
        byte[] syn6 = syn6().build().encode();
        byte[] full4 = syn4().sackPermitted(true).timestamps(1, 2).windowScale(7).build().encode(); // 24 bytes of options
        int hbh = IpProtocol.IPV6_HOP_BY_HOP;
        int rt = IpProtocol.IPV6_ROUTING;
        return Stream.of(
            add("v4 SYN with MSS, REDIRECT", IP, syn4, R, "+8 REDIRECT"),
            add("v4 ACK without options, CONFIRM", IP, bare4, C, "+8 REDIRECT_CONFIRM port=8001"),
            add("v4 with odd-length payload", IP, syn4().tcp(TcpView.ACK | TcpView.PSH).payload(new byte[] {1, 2, 3, 4, 5}).build().encode(), C,
                    "+8 REDIRECT_CONFIRM port=8001"),
            add("v4 in a frame", FRAME, ethernet(syn4), R, "+8 REDIRECT"),
            add("v4 in an 802.1Q frame", FRAME, vlan(ethernet(syn4), IpProtocol.ETHERTYPE_VLAN, 7), C, "+8 REDIRECT_CONFIRM port=8001"),
            add("v4 frame with Ethernet padding kept", FRAME, pad(ethernet(bare4), 6), R, "+8 REDIRECT"),
            add("v4 with IPv4 options", IP, ipv4Options(syn4, new byte[] {1, 1, 1, 0}), C, "+8 REDIRECT_CONFIRM port=8001"),
            add("v6 SYN", IP, syn6, R, "+8 REDIRECT"),
            add("v6 SYN-ACK in a frame", FRAME, ethernet(syn6().tcp(TcpView.SYN | TcpView.ACK).build().encode()), C, "+8 REDIRECT_CONFIRM port=8001"),
            add("v6 behind hop-by-hop and routing", IP, ipv6Ext(syn6, new int[] {hbh, rt}, new byte[][] {extHeader(hbh), extHeader(rt)}), C,
                    "+8 REDIRECT_CONFIRM port=8001"),
            add("options ending in EOL and padding", IP, withOptions(bare4, "02 04 05 b4 00 00 00 00"), R, "+8 REDIRECT"),
            add("24 bytes of options grow to 32", IP, full4, C, "+8 REDIRECT_CONFIRM port=8001"),
            add("32 bytes of options grow to 40", IP, withOptions(bare4, "01".repeat(32)), R, "+8 REDIRECT"),
            add("36 bytes of options: full", IP, withOptions(bare4, "01".repeat(36)), R, "ERR_OPTIONS_FULL"),
            add("40 bytes of options: full", IP, withOptions(bare4, "01".repeat(40)), C, "ERR_OPTIONS_FULL"),
            add("no room to grow", IP, syn4, R, "ERR_NO_ROOM"),
            add("already carries REDIRECT", IP, withRedirect(syn4(), R), C, "ERR_ALREADY_PRESENT"),
            add("already carries a malformed one", IP, withOptions(bare4, "01 fd 07 52 44 02 00 00"), R, "ERR_ALREADY_PRESENT"),
            add("malformed option area", IP, withOptions(bare4, "02 03 05 01"), R, "ERR_MALFORMED_OPTIONS"),
            add("UDP", IP, udp4().build().encode(), R, "ERR_NOT_TCP"),
            add("ICMP", IP, icmpError(VIP4, CLIENT4, 3, 3, udp4().build().encode(), 28), R, "ERR_NOT_TCP"),
            add("IPv4 first fragment", IP, ipv4Fragment(syn4, 0, true), R, "ERR_NOT_TCP"),
            add("IPv6 non-first fragment", IP, ipv6Ext(syn6, new int[] {IpProtocol.IPV6_FRAGMENT}, new byte[][] {fragmentHeader(2, false, 1)}), R, "ERR_NOT_TCP"),
            add("truncated", IP, truncate(syn4, 30), R, "ERR_PARSE"),
            add("no flags at all is still an option", IP, syn4, RedirectExtension.of(0, 0), "+8 none"),

            remove("CraftedPacket REDIRECT after MSS", IP, withRedirect(syn4(), R), "-8 absent"),
            remove("CraftedPacket CONFIRM after all options, v6 frame", FRAME,
                    ethernet(withRedirect(syn6().sackPermitted(true).timestamps(5, 6).windowScale(3), C)), "-8 absent"),
            remove("option first, then EOL: area repadded", IP, withOptions(bare4, "fd 07 52 44 01 1f 41 00"), "-4 absent"),
            remove("option after WS, no NOPs: area repadded", IP, withOptions(bare4, "03 03 07 fd 05 52 44 01"), "-4 absent"),
            remove("option after WS 1, no NOPs: the shift byte is not a NOP", IP, withOptions(bare4, "03 03 01 fd 05 52 44 01"), "-4 absent"),
            remove("option after TS ending in 01 01 01: its data is not NOPs", IP,
                    withOptions(bare4, "08 0a 00 00 00 01 00 00 01 01 01 01 fd 05 52 44 01 01 01 01"), "-4 absent"),
            remove("option mid-area, one NOP", IP, withOptions(bare4, "02 04 05 b4 01 fd 07 52 44 02 1f 41 01 03 03 07"), "-8 absent"),
            remove("len-6 malformed option", IP, withOptions(bare4, "01 01 fd 06 52 44 01 00"), "-8 absent"),
            remove("port-0 malformed option", IP, withOptions(bare4, "01 fd 07 52 44 02 00 00"), "-8 absent"),
            remove("option followed by a broken one", IP, withOptions(bare4, "fd 05 52 44 01 1e 09 00"), "-4 malformed (option runs past the end of the option area)"),
            remove("duplicate", IP, withOptions(bare4, "01 01 01 fd 05 52 44 01 01 01 01 fd 05 52 44 02"), "ERR_MALFORMED_OPTIONS"),
            remove("none there", IP, syn4, "ERR_ABSENT"),
            remove("broken area, none there", IP, withOptions(bare4, "02 03 05 01"), "ERR_MALFORMED_OPTIONS"),
            remove("UDP with the UDP option", IP, withRedirect(udp4(), C), "ERR_NOT_TCP"),
            remove("not a packet", FRAME, new byte[10], "ERR_PARSE")
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void edits(String name, boolean frame, byte[] packet, RedirectExtension ext, String expected) {
        int headroom = name.equals("no room to grow") ? 7 : 64;
        byte[] buf = new byte[5 + packet.length + headroom];
        Arrays.fill(buf, (byte) 0xee);
        System.arraycopy(packet, 0, buf, 5, packet.length);
        TcpOptionEditor editor = new TcpOptionEditor();
        int capacity = packet.length + headroom;
        int r;
        if (ext != null) {
            r = frame ? editor.addToFrame(buf, 5, packet.length, capacity, ext) : editor.addToIp(buf, 5, packet.length, capacity, ext);
        } else {
            r = frame ? editor.removeFromFrame(buf, 5, packet.length) : editor.removeFromIp(buf, 5, packet.length);
        }
        if (r < 0) {
            assertEquals(expected, errorName(r), name);
            assertArrayEquals(packet, Arrays.copyOfRange(buf, 5, 5 + packet.length), "an error leaves the bytes alone");
            return;
        }
        int delta = r - packet.length;
        ParsedPacket p = parse(buf, 5, r, frame);
        assertEquals(expected, (delta > 0 ? "+" : "") + delta + " " + p.redirect(), name);
        assertChecksumsValid(buf, 5, r, frame);
        for (int i = 5 + Math.max(r, packet.length); i < buf.length; i++) {
            assertEquals((byte) 0xee, buf[i], "nothing written past the packet");
        }
        if (ext != null) {
            int back = editor.removeFromIp(buf, 5 + (frame ? p.l3Offset() - 5 : 0), r - (frame ? p.l3Offset() - 5 : 0));
            assertEquals(packet.length, back + (frame ? p.l3Offset() - 5 : 0), "remove gives back the length");
            assertArrayEquals(packet, Arrays.copyOfRange(buf, 5, 5 + packet.length), "add then remove gives back the original bytes");
        }
    }

    @Test
    void removingFromACraftedPacketGivesTheCraftedPacketWithout() {
        CraftedPacket.Builder b = syn6().sackPermitted(true).timestamps(9, 0).windowScale(2).ethernet(MAC_A, MAC_B);
        byte[] with = b.redirect(C).build().encode();
        byte[] without = b.redirect(null).build().encode();
        int r = new TcpOptionEditor().removeFromFrame(with, 0, with.length);
        assertEquals(without.length, r);
        assertArrayEquals(without, Arrays.copyOf(with, r));
    }

    @Test
    void addWorksOnAParsedPacketTheCallerHolds() {
        byte[] syn = syn4().build().encode();
        byte[] buf = Arrays.copyOf(syn, syn.length + 8);
        ParsedPacket p = PacketParser.parseIp(buf, 0, syn.length, new ParsedPacket());
        assertEquals(syn.length + 8, TcpOptionEditor.add(p, buf.length, 0x01, 0));
        assertEquals("absent", p.redirect().toString(), "the caller's parse is not updated: parse again");
        ParsedPacket again = PacketParser.parseIp(buf, 0, buf.length, new ParsedPacket());
        assertEquals("REDIRECT", again.redirect().toString());
        assertEquals(syn.length, TcpOptionEditor.remove(again));
        assertArrayEquals(syn, Arrays.copyOf(buf, syn.length));
    }

    @Test
    void rejectsFlagsOrPortOutOfRange() {
        byte[] syn = syn4().build().encode();
        byte[] buf = Arrays.copyOf(syn, syn.length + 8);
        TcpOptionEditor editor = new TcpOptionEditor();
        assertEquals(TcpOptionEditor.ERR_BAD_ARGUMENT, editor.addToIp(buf, 0, syn.length, buf.length, 0x100, 0));
        assertEquals(TcpOptionEditor.ERR_BAD_ARGUMENT, editor.addToIp(buf, 0, syn.length, buf.length, -1, 0));
        assertEquals(TcpOptionEditor.ERR_BAD_ARGUMENT, editor.addToIp(buf, 0, syn.length, buf.length, 1, 0x10000));
        assertEquals(TcpOptionEditor.ERR_BAD_ARGUMENT, editor.addToIp(buf, 0, syn.length, buf.length, 1, -5));
        assertArrayEquals(syn, Arrays.copyOf(buf, syn.length));
    }

    @Test
    void capacityBeyondTheArrayIsNotTrusted() {
        byte[] syn = syn4().build().encode();
        byte[] buf = Arrays.copyOf(syn, syn.length + 7);
        assertEquals(TcpOptionEditor.ERR_NO_ROOM, new TcpOptionEditor().addToIp(buf, 0, syn.length, 1 << 20, 1, 0));
    }

    @Test
    void refusesToGrowPastTheIpLengthLimit() {
        byte[] big = syn4().payload(new byte[65535 - 20 - 24]).build().encode();
        byte[] buf = Arrays.copyOf(big, big.length + 8);
        assertEquals(TcpOptionEditor.ERR_TOO_LONG, new TcpOptionEditor().addToIp(buf, 0, big.length, buf.length, 1, 0));
        byte[] ok = syn4().payload(new byte[65535 - 20 - 24 - 8]).build().encode();
        byte[] buf2 = Arrays.copyOf(ok, ok.length + 8);
        assertEquals(65535, new TcpOptionEditor().addToIp(buf2, 0, ok.length, buf2.length, 1, 0));
        assertChecksumsValid(buf2, 0, 65535, false);
    }

    @Test
    void everyErrorCodeHasADescription() throws IllegalAccessException {
        for (Field f : TcpOptionEditor.class.getFields()) {
            if (f.getName().startsWith("ERR_")) {
                int code = f.getInt(null);
                assertEquals(true, code < 0, f.getName());
                assertEquals(false, TcpOptionEditor.describe(code).startsWith("error "), f.getName());
            }
        }
        assertEquals("ok, length 60", TcpOptionEditor.describe(60));
    }

    static String errorName(int code) {
        try {
            for (Field f : TcpOptionEditor.class.getFields()) {
                if (f.getName().startsWith("ERR_") && f.getInt(null) == code) {
                    return f.getName();
                }
            }
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
        return "unknown " + code;
    }

    static ParsedPacket parse(byte[] b, int off, int len, boolean frame) {
        ParsedPacket p = new ParsedPacket();
        return frame ? PacketParser.parseFrame(b, off, len, p) : PacketParser.parseIp(b, off, len, p);
    }

    /** IP header and TCP checksums verify and equal what a full recompute writes. */
    static void assertChecksumsValid(byte[] b, int off, int len, boolean frame) {
        ParsedPacket p = parse(b, off, len, frame);
        assertEquals(null, p.error());
        assertEquals(TransportChecksum.Verdict.VALID, TransportChecksum.verifyIpHeader(p));
        assertEquals(TransportChecksum.Verdict.VALID, TransportChecksum.verify(p));
        byte[] copy = b.clone();
        ParsedPacket q = parse(copy, off, len, frame);
        TransportChecksum.compute(q);
        if (q.ipVersion() == 4) {
            new Ipv4View().wrap(copy, q.l3Offset()).computeChecksum();
        }
        assertArrayEquals(copy, b, "incremental checksums equal a full recompute");
    }

    /** Replaces the option area of a bare IPv4 TCP segment without options by {@code hex}; checksums fixed. */
    static byte[] withOptions(byte[] bareIp4, String hex) {
        byte[] opts = Bytes.fromHex(hex);
        int l4 = (bareIp4[0] & 0x0F) * 4;
        byte[] r = new byte[bareIp4.length + opts.length];
        System.arraycopy(bareIp4, 0, r, 0, l4 + 20);
        System.arraycopy(opts, 0, r, l4 + 20, opts.length);
        System.arraycopy(bareIp4, l4 + 20, r, l4 + 20 + opts.length, bareIp4.length - l4 - 20);
        r[l4 + TcpView.DATA_OFFSET_OFFSET] = (byte) (((20 + opts.length) / 4) << 4);
        Bytes.put16(r, Ipv4View.TOTAL_LENGTH_OFFSET, r.length);
        return fixChecksums(r);
    }
}
