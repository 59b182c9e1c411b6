package io.portredirect.serveragent.drain;

import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.PacketParser;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.packet.TransportChecksum;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DrainSegmentTest {
    static final byte[] CLIENT_MAC = {0x02, 0, 0, 0, 0, 0x01};
    static final byte[] SERVER_MAC = {0x02, 0, 0, 0, 0, 0x02};

    static ParsedPacket parse(byte[] f) {
        return PacketParser.parseFrame(f, 0, f.length, new ParsedPacket());
    }

    @Test
    void sitsExactlyWhereTheClientExpectsTheServersNextSegment() throws Exception {
        byte[] fromClient = CraftedPacket.builder().ethernet(CLIENT_MAC, SERVER_MAC)
                .src(InetAddress.getByName("198.18.1.2"), 43300).dst(InetAddress.getByName("198.18.0.10"), 8001)
                .tcp(TcpView.ACK | TcpView.PSH).seq(0xFFFFFFF0L).ack(5000).timestamps(111, 222)
                .payload(new byte[100]).build().encode();
        byte[] out = DrainSegment.build(parse(fromClient), 9000, 502, SERVER_MAC, null);
        ParsedPacket p = parse(out);
        assertTrue(p.ok());
        assertArrayEquals(CLIENT_MAC, Arrays.copyOfRange(out, 0, 6));
        assertArrayEquals(SERVER_MAC, Arrays.copyOfRange(out, 6, 12));
        assertEquals(8001, p.srcPort());
        assertEquals(43300, p.dstPort());
        assertEquals(TcpView.ACK, p.tcpFlags(), "a pure ACK");
        assertEquals(5000, Bytes.u32(out, p.l4Offset() + TcpView.SEQ_OFFSET), "seq = the client's ack");
        assertEquals((0xFFFFFFF0L + 100) & 0xFFFFFFFFL, Bytes.u32(out, p.l4Offset() + TcpView.ACK_OFFSET), "ack = past the client's data");
        assertEquals(502, Bytes.u16(out, p.l4Offset() + TcpView.WINDOW_OFFSET));
        assertEquals(0, p.l4Length() - p.tcpHeaderLength(), "no payload");
        assertTrue(p.redirect().isRedirect());
        assertEquals(9000, p.redirect().port());
        long[] ts = DrainSegment.timestamps(out, p.l4Offset() + 20, p.tcpHeaderLength() - 20);
        assertArrayEquals(new long[] {222, 111}, ts, "TSval = client's TSecr, TSecr = client's TSval");
        assertEquals(TransportChecksum.Verdict.VALID, TransportChecksum.verify(p));
    }

    @Test
    void finCountsAsOneAndSynOrRstIsUnusable() throws Exception {
        CraftedPacket.Builder b = CraftedPacket.builder().ethernet(CLIENT_MAC, SERVER_MAC)
                .src(InetAddress.getByName("198.18.1.2"), 43300).dst(InetAddress.getByName("198.18.0.10"), 8001).seq(10).ack(20);
        byte[] fin = DrainSegment.build(parse(b.tcp(TcpView.ACK | TcpView.FIN).build().encode()), 9000, 100, SERVER_MAC, CLIENT_MAC);
        ParsedPacket p = parse(fin);
        assertEquals(11, Bytes.u32(fin, p.l4Offset() + TcpView.ACK_OFFSET));
        assertNull(DrainSegment.build(parse(b.tcp(TcpView.RST | TcpView.ACK).build().encode()), 9000, 100, SERVER_MAC, null));
        assertNull(DrainSegment.build(parse(b.tcp(TcpView.SYN).build().encode()), 9000, 100, SERVER_MAC, null));
    }
}
