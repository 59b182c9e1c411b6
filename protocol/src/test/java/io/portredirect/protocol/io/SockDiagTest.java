package io.portredirect.protocol.io;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SockDiagTest {
    private static final ByteOrder HOST = ByteOrder.nativeOrder();

    record Seen(int family, int state, int port, int rqueue, int wqueue) {
    }

    @Test
    void requestIsNlmsghdrAndInetDiagReqV2WithZeroSocketId() {
        ByteBuffer b = ByteBuffer.allocate(SockDiag.REQUEST_LEN).order(HOST);
        SockDiag.request(b, SockDiag.AF_INET6, 1 << SockDiag.TCP_LISTEN | 1 << SockDiag.TCP_ESTABLISHED, 7);
        assertEquals(72, b.position());
        ByteBuffer want = ByteBuffer.allocate(72).order(HOST);
        want.putInt(72).putShort((short) 20).putShort((short) 0x301).putInt(7).putInt(0); // SOCK_DIAG_BY_FAMILY, REQUEST|DUMP
        want.put((byte) 10).put((byte) 6).put((byte) 0).put((byte) 0).putInt(0x402); // AF_INET6, TCP, states bits 1 and 10
        assertArrayEquals(want.array(), b.array());
    }

    @Test
    void multiMessageBufferGivesEverySocketOfTheDumpThenDone() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4096).order(HOST);
        diagMsg(b, 5, SockDiag.AF_INET, SockDiag.TCP_LISTEN, 8001, 3, 128, true);
        diagMsg(b, 5, SockDiag.AF_INET6, SockDiag.TCP_ESTABLISHED, 40000, 0, 0, false);
        diagMsg(b, 4, SockDiag.AF_INET, SockDiag.TCP_LISTEN, 9999, 1, 1, false); // an abandoned dump's
        diagMsg(b, 5, SockDiag.AF_INET6, SockDiag.TCP_LISTEN, 65535, 0, 4096, true);
        int beforeDone = b.position();
        header(b, 20, 3, 5); // NLMSG_DONE with its int
        b.putInt(0);
        List<Seen> seen = new ArrayList<>();
        assertTrue(SockDiag.parse(b, b.position(), 5, collect(seen), e -> "e" + e));
        assertEquals(List.of(new Seen(2, 10, 8001, 3, 128), new Seen(10, 1, 40000, 0, 0), new Seen(10, 10, 65535, 0, 4096)), seen);
        seen.clear();
        assertFalse(SockDiag.parse(b, beforeDone, 5, collect(seen), e -> "e" + e), "no DONE yet: read on");
        assertEquals(3, seen.size());
    }

    @Test
    void nlmsgErrorOfTheDumpIsAnIOExceptionWithTheErrnoText() {
        ByteBuffer b = ByteBuffer.allocate(256).order(HOST);
        header(b, 16 + 4 + 16, 2, 9);
        b.putInt(-22);
        header(b, 72, 20, 9);
        IOException e = assertThrows(IOException.class,
                () -> SockDiag.parse(b, b.position(), 9, collect(new ArrayList<>()), n -> n == 22 ? "Invalid argument" : "?"));
        assertTrue(e.getMessage().contains("Invalid argument (errno 22)"), e.getMessage());
    }

    @Test
    void truncatedMessageIsAnErrorNotAnEndlessLoop() {
        ByteBuffer b = ByteBuffer.allocate(256).order(HOST);
        header(b, 200, 20, 1);
        assertThrows(IOException.class, () -> SockDiag.parse(b, 88, 1, collect(new ArrayList<>()), n -> "?"));
    }

    private static SockDiag.Visitor collect(List<Seen> seen) {
        return (family, state, port, rq, wq) -> seen.add(new Seen(family, state, port, rq, wq));
    }

    private static void header(ByteBuffer b, int len, int type, int seq) {
        b.putInt(len).putShort((short) type).putShort((short) 2).putInt(seq).putInt(1234); // NLM_F_MULTI
    }

    /** One inet_diag_msg with an 8-byte attribute (INET_DIAG_SHUTDOWN), as the kernel sends even with ext 0. */
    private static void diagMsg(ByteBuffer b, int seq, int family, int state, int sport, int rq, int wq, boolean withAttr) {
        int len = 16 + 72 + (withAttr ? 8 : 0);
        header(b, len, 20, seq);
        b.put((byte) family).put((byte) state).put((byte) 0).put((byte) 0);
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) sport).putShort((short) 443);
        for (int i = 0; i < 8; i++) {
            b.putInt(family == SockDiag.AF_INET6 ? 0x20010db8 + i : (i == 0 || i == 4 ? 0xC6120001 : 0));
        }
        b.order(HOST).putInt(0).putInt(0xFFFFFFFF).putInt(0xFFFFFFFF); // if, cookie
        b.putInt(0).putInt(rq).putInt(wq).putInt(0).putInt(12345); // expires, rqueue, wqueue, uid, inode
        if (withAttr) {
            b.putShort((short) 5).putShort((short) 8).put((byte) 0).put(new byte[3]); // attr len 5, padded to 8
        }
    }
}
