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
    void onePassRequestIsNlmsghdrAndInetDiagReqWithStatesAfterTheSocketId() {
        ByteBuffer b = ByteBuffer.allocate(SockDiag.COMPAT_REQUEST_LEN).order(HOST);
        SockDiag.compatRequest(b, 1 << SockDiag.TCP_LISTEN, 3);
        assertEquals(76, b.position());
        ByteBuffer want = ByteBuffer.allocate(76).order(HOST);
        want.putInt(76).putShort((short) 18).putShort((short) 0x301).putInt(3).putInt(0); // TCPDIAG_GETSOCK, REQUEST|DUMP
        want.put(new byte[4 + 48]).putInt(0x400).putInt(0); // family (ignored), lens, ext; sockid; states; dbs
        assertArrayEquals(want.array(), b.array());
    }

    @Test
    void onePassRepliesCarryTheRequestTypeAndBothFamilies() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1024).order(HOST);
        diagMsg(b, 18, 2, SockDiag.AF_INET6, SockDiag.TCP_LISTEN, 8002, 1, 5, true);
        diagMsg(b, 18, 2, SockDiag.AF_INET, SockDiag.TCP_ESTABLISHED, 8002, 0, 0, false);
        header(b, 20, 3, 2);
        b.putInt(0);
        List<Seen> seen = new ArrayList<>();
        assertTrue(SockDiag.parse(b, b.position(), 2, collect(seen), e -> "e" + e));
        assertEquals(List.of(new Seen(10, 10, 8002, 1, 5), new Seen(2, 1, 8002, 0, 0)), seen);
    }

    @Test
    void kernelGivesTheSameSocketsInOnePassAsPerFamily() throws Exception {
        SockDiag d;
        try {
            d = SockDiag.open();
        } catch (IOException e) {
            org.junit.jupiter.api.Assumptions.assumeTrue(false, "no sock_diag netlink socket here: " + e.getMessage());
            return;
        }
        try (d; var l4 = new java.net.ServerSocket(0, 7, java.net.InetAddress.getByName("127.0.0.1"));
             var c4 = new java.net.Socket("127.0.0.1", l4.getLocalPort())) {
            int port = l4.getLocalPort();
            int states = 1 << SockDiag.TCP_LISTEN | 1 << SockDiag.TCP_ESTABLISHED;
            List<Seen> one = new ArrayList<>();
            List<Seen> per = new ArrayList<>();
            SockDiag.Visitor onPort1 = (f, st, p, rq, wq) -> {
                if (p == port) {
                    one.add(new Seen(f, st, p, st == SockDiag.TCP_LISTEN ? rq : 0, wq));
                }
            };
            SockDiag.Visitor onPort2 = (f, st, p, rq, wq) -> {
                if (p == port) {
                    per.add(new Seen(f, st, p, st == SockDiag.TCP_LISTEN ? rq : 0, wq));
                }
            };
            // the accept queue fills once the server side has the client's ACK: wait for it
            long deadline = System.nanoTime() + 5_000_000_000L;
            do {
                one.clear();
                d.dump(-1, states, onPort1);
            } while (!queued(one) && System.nanoTime() < deadline);
            d.dump(SockDiag.AF_INET, states, onPort2);
            d.dump(SockDiag.AF_INET6, states, onPort2);
            assertTrue(queued(one), "listen socket, one queued, backlog 7: " + one);
            assertTrue(one.stream().anyMatch(x -> x.state() == SockDiag.TCP_ESTABLISHED), "the queued connection: " + one);
            assertEquals(new java.util.HashSet<>(per), new java.util.HashSet<>(one));
            assertEquals(per.size(), one.size());
            List<Seen> viaDumpTcp = new ArrayList<>();
            d.dumpTcp(states, (f, st, p, rq, wq) -> viaDumpTcp.add(new Seen(f, st, p, rq, wq)));
            assertTrue(d.onePass(), "this kernel answers the one-pass request");
        }
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

    /** A listen socket with one connection queued, backlog 7 (a JVM's socket is IPv6, v4-mapped). */
    private static boolean queued(List<Seen> seen) {
        return seen.stream().anyMatch(x -> x.state() == SockDiag.TCP_LISTEN && x.rqueue() == 1 && x.wqueue() == 7);
    }

    private static SockDiag.Visitor collect(List<Seen> seen) {
        return (family, state, port, rq, wq) -> seen.add(new Seen(family, state, port, rq, wq));
    }

    private static void header(ByteBuffer b, int len, int type, int seq) {
        b.putInt(len).putShort((short) type).putShort((short) 2).putInt(seq).putInt(1234); // NLM_F_MULTI
    }

    /** One inet_diag_msg with an 8-byte attribute (INET_DIAG_SHUTDOWN), as the kernel sends even with ext 0. */
    private static void diagMsg(ByteBuffer b, int seq, int family, int state, int sport, int rq, int wq, boolean withAttr) {
        diagMsg(b, 20, seq, family, state, sport, rq, wq, withAttr);
    }

    private static void diagMsg(ByteBuffer b, int type, int seq, int family, int state, int sport, int rq, int wq, boolean withAttr) {
        int len = 16 + 72 + (withAttr ? 8 : 0);
        header(b, len, type, seq);
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
