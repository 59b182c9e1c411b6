package io.portredirect.protocol.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.Ipv4View;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpOptionEditor;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.wire.RedirectOptionScan;
import io.portredirect.protocol.wire.RedirectWire;
import io.portredirect.protocol.wire.TcpOptionWalker;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;

import static io.portredirect.protocol.fuzz.PacketInvariants.check;
import static io.portredirect.protocol.fuzz.PacketInvariants.checksumsValid;
import static io.portredirect.protocol.fuzz.PacketInvariants.fixChecksums;
import static io.portredirect.protocol.fuzz.PacketInvariants.parse;
import static io.portredirect.protocol.fuzz.PacketInvariants.require;

/**
 * Fuzz target for {@link TcpOptionEditor}: add the redirect option to any bytes, then remove it
 * again, and remove it from the original bytes. Input: a control byte (bit 0 bare IP instead of
 * Ethernet, bit 1 keep the checksums as they are instead of fixing them first, bits 2-3 bytes
 * before the packet, bits 4-7 spare capacity after it), the flags byte, the port (2 bytes), then
 * the packet. Corpus: {@code testdata/fuzz/tcp-option-editor}.
 */
class TcpOptionEditorFuzzTest {
    private static final int HEADER = 4;
    private static final byte GUARD = (byte) 0xA5;
    private final TcpOptionEditor editor = new TcpOptionEditor();
    private final ParsedPacket parsed = new ParsedPacket();

    /**
     * Never throws; never writes outside {@code [offset, offset + capacity)}; an error leaves the
     * bytes untouched; a success grows the packet by 8 bytes, parses, carries exactly the option
     * asked for, keeps valid checksums valid, and removing the option gives back the original bytes.
     */
    @FuzzTest(maxDuration = "30s")
    void addAndRemove(byte[] data) {
        if (data.length < HEADER) {
            return;
        }
        int control = data[0] & 0xFF;
        boolean frame = (control & 1) == 0;
        boolean fix = (control & 2) == 0;
        int lead = (control >>> 2) & 3;
        int slack = (control >>> 4) & 15;
        int flags = data[1] & 0xFF;
        int port = Bytes.u16(data, 2);
        int length = data.length - HEADER;
        int capacity = length + slack;
        byte[] b = new byte[lead + capacity + 4];
        Arrays.fill(b, GUARD);
        System.arraycopy(data, HEADER, b, lead, length);
        boolean valid = fix ? fixChecksums(parse(b, lead, length, frame, parsed)) : checksumsValid(parse(b, lead, length, frame, parsed));
        // where the checksums sit, for the one difference a round trip may leave (in order)
        int[] checksumFields = parsed.ok() && parsed.isTcp()
                ? new int[] {parsed.ipVersion() == 4 ? parsed.l3Offset() + Ipv4View.CHECKSUM_OFFSET : -1,
                        parsed.l4Offset() + TcpView.CHECKSUM_OFFSET}
                : new int[0];
        // remove may only promise a packet without the option when nothing after it is broken:
        // its NOP padding at the end of the area can complete an option cut off there
        boolean areaWellFormed = parsed.ok() && parsed.isTcp() && TcpOptionWalker.walk(b, parsed.l4Offset() + TcpView.MIN_HEADER_LENGTH,
                parsed.tcpHeaderLength() - TcpView.MIN_HEADER_LENGTH, (buf, off, kind, len) -> true) == null;
        byte[] original = b.clone();

        int r = frame ? editor.addToFrame(b, lead, length, capacity, flags, port)
                : editor.addToIp(b, lead, length, capacity, flags, port);
        requireOutsideUntouched(b, original, lead, capacity);
        if (r < 0) {
            require(r >= TcpOptionEditor.ERR_BAD_ARGUMENT, "a known error code");
            require(Arrays.equals(b, original), "a failed add leaves the bytes untouched");
        } else {
            require(r == length + 8, "add grows the packet by 8 bytes");
            ParsedPacket p = parse(b, lead, r, frame, parsed);
            check(p, b, lead, r, frame);
            require(p.ok() && p.isTcp(), "the grown packet parses as TCP");
            RedirectOptionScan s = p.redirect();
            require(s.isPresent() && s.flags() == flags && s.port() == port, "the grown packet carries the option asked for");
            int optLen = port != 0 ? RedirectWire.LENGTH_WITH_PORT : RedirectWire.LENGTH_FLAGS_ONLY;
            require(s.optionOffset() == p.l4Offset() + TcpView.MIN_HEADER_LENGTH + 8 - optLen, "option first, NOP-padded to 8 bytes");
            require(!valid || checksumsValid(p), "add keeps valid checksums valid");

            int back = frame ? editor.removeFromFrame(b, lead, r) : editor.removeFromIp(b, lead, r);
            require(back == length, "remove after add gives back the original length");
            requireRoundTrip(b, original, lead, lead + length, checksumFields);
            requireOutsideUntouched(b, original, lead, capacity);
        }

        // remove from the original bytes
        byte[] c = original.clone();
        int q = frame ? editor.removeFromFrame(c, lead, length) : editor.removeFromIp(c, lead, length);
        requireOutsideUntouched(c, original, lead, length);
        if (q < 0) {
            require(q >= TcpOptionEditor.ERR_BAD_ARGUMENT, "a known error code");
            require(Arrays.equals(c, original), "a failed remove leaves the bytes untouched");
            return;
        }
        require(q <= length && q >= length - RedirectWire.TCP_MAX_OPTIONS_LENGTH && (length - q) % 4 == 0,
                "remove shrinks by whole words, at most the option area");
        ParsedPacket p = parse(c, lead, q, frame, parsed);
        check(p, c, lead, q, frame);
        require(p.ok() && p.isTcp(), "the shrunk packet parses as TCP");
        require(!areaWellFormed || p.redirect().optionOffset() < 0, "the shrunk packet carries no redirect option");
        require(!valid || checksumsValid(p), "remove keeps valid checksums valid");
    }

    /**
     * Remove after add gives back the original bytes, with one allowed difference: a checksum
     * field (IPv4 header, TCP) of 0xFFFF may come back as 0x0000. Both are ones' complement zero
     * and verify alike; the incremental update (RFC 1624 eqn. 3) yields the 0x0000 form, and a
     * computed checksum is never 0xFFFF here, so only a packet that arrived with the unusual form
     * changes.
     */
    private static void requireRoundTrip(byte[] b, byte[] original, int from, int to, int[] checksumFields) {
        int p = from;
        for (int field : checksumFields) {
            if (field < 0) {
                continue;
            }
            require(Arrays.equals(b, p, field, original, p, field), "remove after add gives back the original bytes");
            int was = Bytes.u16(original, field);
            int now = Bytes.u16(b, field);
            require(now == was || (was == 0xFFFF && now == 0), "remove after add gives back the original checksum");
            p = field + 2;
        }
        require(Arrays.equals(b, p, to, original, p, to), "remove after add gives back the original bytes");
    }

    private static void requireOutsideUntouched(byte[] b, byte[] original, int offset, int capacity) {
        require(Arrays.equals(b, 0, offset, original, 0, offset), "no write before the offset");
        require(Arrays.equals(b, offset + capacity, b.length, original, offset + capacity, b.length), "no write past the capacity");
    }

    @Test
    void corpusIsOnTheClassPath() throws IOException {
        FuzzCorpus.assertPresent(getClass(), "addAndRemove", 10);
    }
}
