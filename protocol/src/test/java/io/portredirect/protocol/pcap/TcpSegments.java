package io.portredirect.protocol.pcap;

import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.Ipv4View;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.packet.TestPackets;

/** Builds a bare IPv4 TCP segment with a given raw option area (for pcap4j decoding tests). */
final class TcpSegments {
    private TcpSegments() {
    }

    static byte[] withOptions(byte[] bareIp4, String hex) {
        byte[] opts = Bytes.fromHex(hex);
        int l4 = (bareIp4[0] & 0x0F) * 4;
        byte[] r = new byte[bareIp4.length + opts.length];
        System.arraycopy(bareIp4, 0, r, 0, l4 + 20);
        System.arraycopy(opts, 0, r, l4 + 20, opts.length);
        System.arraycopy(bareIp4, l4 + 20, r, l4 + 20 + opts.length, bareIp4.length - l4 - 20);
        r[l4 + TcpView.DATA_OFFSET_OFFSET] = (byte) (((20 + opts.length) / 4) << 4);
        Bytes.put16(r, Ipv4View.TOTAL_LENGTH_OFFSET, r.length);
        return TestPackets.fixChecksums(r);
    }
}
