package io.portredirect.protocol.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.UdpView;
import io.portredirect.protocol.wire.MalformedReason;
import io.portredirect.protocol.wire.OptionVisitor;
import io.portredirect.protocol.wire.RedirectExtension;
import io.portredirect.protocol.wire.RedirectOptionScan;
import io.portredirect.protocol.wire.RedirectWire;
import io.portredirect.protocol.wire.TcpOptionWalker;
import io.portredirect.protocol.wire.UdpOptionArea;
import io.portredirect.protocol.wire.UdpOptionWalker;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;

import static io.portredirect.protocol.fuzz.PacketInvariants.checkScan;
import static io.portredirect.protocol.fuzz.PacketInvariants.checkUdpArea;
import static io.portredirect.protocol.fuzz.PacketInvariants.require;

/**
 * Fuzz targets for the option walkers and the redirect option scan: any bytes as a TCP option
 * area, as a UDP option list, and as a UDP datagram with a surplus area. Corpus:
 * {@code testdata/fuzz/tcp-options}, {@code udp-options}; see {@code testdata/fuzz/README.md}.
 */
class OptionScanFuzzTest {
    private final RedirectOptionScan tcp = new RedirectOptionScan();
    private final RedirectOptionScan udp = RedirectOptionScan.forUdp();
    private final BoundsVisitor visitor = new BoundsVisitor();

    /**
     * The input as a TCP option area (and, after the OCS position, as a UDP option list): the
     * walkers hand out options only inside the area with their own kind byte, and a PRESENT scan
     * has the flags and port of the bytes at its offset.
     */
    @FuzzTest(maxDuration = "30s")
    void tcpOptions(byte[] data) {
        // exact-size array: a read past the area's end throws
        tcp.scanTcp(data, 0, data.length);
        checkScan(tcp, data, 0, data.length, RedirectWire.TCP_OPTION_KIND);
        visitor.reset(data, 0, data.length);
        MalformedReason tcpReason = TcpOptionWalker.walk(data, 0, data.length, visitor);
        require(tcp.isMalformed() || tcpReason == null, "a broken area makes the scan MALFORMED");

        udp.scanUdpOptions(data, 0, data.length);
        checkScan(udp, data, 0, data.length, RedirectWire.UDP_OPTION_KIND);
        visitor.reset(data, 0, data.length);
        MalformedReason udpReason = UdpOptionWalker.walk(data, 0, data.length, visitor);
        require(udp.isMalformed() || udpReason == null, "a broken list makes the scan MALFORMED");

        // the same area in the middle of a larger buffer scans the same
        if (data.length > 0) {
            byte[] wide = new byte[data.length + 4];
            Arrays.fill(wide, (byte) RedirectWire.TCP_OPTION_KIND);
            System.arraycopy(data, 0, wide, 2, data.length);
            RedirectOptionScan.Status before = tcp.status();
            int flags = tcp.flags();
            int port = tcp.port();
            int offset = tcp.optionOffset();
            tcp.scanTcp(wide, 2, data.length);
            require(tcp.status() == before && tcp.flags() == flags && tcp.port() == port
                    && tcp.optionOffset() == (offset < 0 ? -1 : offset + 2), "the scan depends on bytes outside the area");
        }
    }

    /**
     * The input as a UDP datagram from its header to the end of the IP payload, the UDP length
     * field saying where the surplus area starts: never throws, PRESENT only with a valid OCS and
     * an option inside the area. Then the writer's round trip: the input's first bytes as flags
     * and port written after a payload of the input's length scan back as exactly that.
     */
    @FuzzTest(maxDuration = "30s")
    void udpOptionArea(byte[] data) {
        int udpLength = data.length >= UdpView.HEADER_LENGTH ? Bytes.u16(data, UdpView.LENGTH_OFFSET) : data.length;
        UdpOptionArea.scan(data, 0, udpLength, data.length, udp);
        checkUdpArea(udp, data, 0, udpLength, data.length);
        if (udpLength <= data.length) {
            int ocs = UdpOptionArea.ocsOffset(0, udpLength);
            boolean hasArea = ocs + RedirectWire.UDP_OCS_LENGTH <= data.length;
            require(!udp.isPresent() || hasArea, "PRESENT needs an OCS");
        }

        if (data.length < 3) {
            return;
        }
        RedirectExtension ext = RedirectExtension.of(data[0] & 0xFF, Bytes.u16(data, 1));
        int payloadLength = Math.min(data.length, 1500);
        int ulen = UdpView.HEADER_LENGTH + payloadLength;
        byte[] b = new byte[ulen + UdpOptionArea.encodedLength(ulen, ext)];
        System.arraycopy(data, 0, b, UdpView.HEADER_LENGTH, payloadLength);
        Bytes.put16(b, UdpView.LENGTH_OFFSET, ulen);
        int written = UdpOptionArea.write(b, 0, ulen, ext);
        require(written == b.length - ulen, "write returns the surplus it wrote");
        UdpOptionArea.scan(b, 0, ulen, b.length, udp);
        require(udp.isPresent() && udp.flags() == ext.flags() && udp.port() == ext.port(), "written option scans back");
        checkUdpArea(udp, b, 0, ulen, b.length);
    }

    /** Checks every option a walker hands out against the area it walks. */
    private static final class BoundsVisitor implements OptionVisitor {
        private byte[] buffer;
        private int start;
        private int end;
        private int next;

        void reset(byte[] b, int offset, int length) {
            buffer = b;
            start = offset;
            end = offset + length;
            next = offset;
        }

        @Override
        public boolean option(byte[] b, int offset, int kind, int length) {
            require(b == buffer, "the walked buffer");
            require(offset >= start && offset >= next, "options in order, none before the area");
            require(length >= 1 && offset + length <= end, "option inside the area");
            require(kind == (b[offset] & 0xFF), "kind is the byte at the offset");
            next = offset + length;
            return true;
        }
    }

    @Test
    void corpusIsOnTheClassPath() throws IOException {
        FuzzCorpus.assertPresent(getClass(), "tcpOptions", 10);
        FuzzCorpus.assertPresent(getClass(), "udpOptionArea", 4);
    }
}
