package io.portredirect.serveragent.select;

import io.portredirect.protocol.io.SockDiag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The reader's merging from hand-fed sockets, and against the real kernel (no root needed): listen
 * sockets of this JVM with known backlogs and clients nobody accepts.
 */
class NetlinkSocketLoadReaderTest {
    private static final int N4 = 3;
    private static final int N6 = 2;
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    @Test
    void mergesListenSocketsAcrossFamiliesAndCountsEstablishedOnRequestedPortsOnly() {
        var c = new SocketLoadCollector(List.of(8001, 8002, 8003));
        c.socket(SockDiag.AF_INET, SockDiag.TCP_LISTEN, 8001, 2, 2);
        c.socket(SockDiag.AF_INET6, SockDiag.TCP_LISTEN, 8001, 1, 4); // same port, IPv6 (or SO_REUSEPORT)
        c.socket(SockDiag.AF_INET6, SockDiag.TCP_LISTEN, 8002, 0, 4096);
        c.socket(SockDiag.AF_INET, SockDiag.TCP_ESTABLISHED, 8002, 0, 0);
        c.socket(SockDiag.AF_INET6, SockDiag.TCP_ESTABLISHED, 8002, 0, 0);
        c.socket(SockDiag.AF_INET, 2, 8003, 0, 0); // SYN_SENT: not counted
        c.socket(SockDiag.AF_INET, SockDiag.TCP_LISTEN, 9999, 5, 5); // not requested
        c.socket(SockDiag.AF_INET, SockDiag.TCP_ESTABLISHED, 9999, 0, 0);
        SocketLoad s = c.load();
        assertTrue(s.valid());
        assertEquals(new SocketLoad.Listen(3, 6, false), s.listeners().get(8001), "summed, full only when both are");
        assertEquals(new SocketLoad.Listen(0, 4096, false), s.listeners().get(8002));
        assertEquals(Map.of(8002, 2), s.established());
        assertFalse(s.listening(9999));
        assertFalse(s.listening(8003));
    }

    @Test
    void kernelReportsAcceptQueueBacklogAndEstablishedOfUnacceptedClients() throws Exception {
        Ports p = listenAndConnect();
        NetlinkSocketLoadReader r = reader();
        SocketLoad s = settled(r, p);
        assertEquals(new SocketLoad.Listen(N4, 7, false), s.listeners().get(p.v4));
        assertEquals(N4, s.establishedOn(p.v4), "the accepted-by-the-kernel children of the listen socket");
        if (p.v6 > 0) {
            assertEquals(new SocketLoad.Listen(N6, 2, true), s.listeners().get(p.v6), "queue at its backlog counts as full");
            assertEquals(N6, s.establishedOn(p.v6));
        }
        assertFalse(s.listening(p.unrequested), "a port not asked for");
        assertEquals(p.requested().size(), s.listeners().size());
    }

    @Test
    void withoutEstablishedOnlyListenSocketsAreRead() throws Exception {
        Ports p = listenAndConnect();
        SocketLoad all = settled(reader(), p);
        SocketLoad listen = reader(false).read(p.requested());
        assertEquals(all.listeners(), listen.listeners());
        assertEquals(Map.of(), listen.established());
    }

    @Test
    void reusesOneNetlinkSocketAcrossReads() throws Exception {
        Ports p = listenAndConnect();
        NetlinkSocketLoadReader r = reader();
        settled(r, p);
        long fds = openFds();
        for (int i = 0; i < 200; i++) {
            r.read(p.requested());
        }
        assertEquals(fds, openFds(), "no descriptor per read");
    }

    @Test
    void sameSnapshotAsSs() throws Exception {
        assumeTrue(onPath("ss"), "ss is not installed: nothing to compare with");
        Ports p = listenAndConnect();
        SocketLoad netlink = settled(reader(), p);
        assertEquals(new SsSocketLoadReader().read(p.requested()), netlink);
    }

    private record Ports(int v4, int v6, int unrequested) {
        List<Integer> requested() {
            return v6 > 0 ? List.of(v4, v6) : List.of(v4);
        }
    }

    /**
     * 127.0.0.1:P4 backlog 7 with N4 clients; [::1]:P6 backlog 2 with N6 (when the host has IPv6
     * loopback); one more listener whose port is not requested. Nothing is accepted.
     */
    private Ports listenAndConnect() throws IOException {
        InetAddress lo4 = InetAddress.getByName("127.0.0.1");
        // an AF_INET socket (a plain ServerSocket is AF_INET6, v4-mapped)
        ServerSocketChannel ch4 = keep(ServerSocketChannel.open(StandardProtocolFamily.INET));
        ch4.bind(new InetSocketAddress(lo4, 0), 7);
        ServerSocket s4 = ch4.socket();
        ServerSocket other = keep(new ServerSocket(0, 3, lo4));
        connect(s4, N4);
        connect(other, 1);
        int v6 = 0;
        try {
            ServerSocket s6 = keep(new ServerSocket(0, 2, InetAddress.getByName("::1")));
            connect(s6, N6);
            v6 = s6.getLocalPort();
        } catch (IOException e) {
            // no IPv6 loopback here: the IPv4 part still runs
        }
        return new Ports(s4.getLocalPort(), v6, other.getLocalPort());
    }

    private void connect(ServerSocket s, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            keep(new Socket()).connect(new InetSocketAddress(s.getInetAddress(), s.getLocalPort()), 2000);
        }
    }

    /**
     * Reads until the kernel has queued every handshake (the server side's final ACK is processed
     * right after the client's connect returns, normally before the first read).
     */
    private static SocketLoad settled(NetlinkSocketLoadReader r, Ports p) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        SocketLoad s;
        do {
            s = r.read(p.requested());
            boolean all = s.establishedOn(p.v4) == N4 && (p.v6 == 0 || s.establishedOn(p.v6) == N6);
            if (all) {
                return s;
            }
            Thread.sleep(10);
        } while (System.nanoTime() < deadline);
        return s;
    }

    private NetlinkSocketLoadReader reader() throws IOException {
        return reader(true);
    }

    private NetlinkSocketLoadReader reader(boolean established) throws IOException {
        NetlinkSocketLoadReader r;
        try {
            r = NetlinkSocketLoadReader.open(established);
        } catch (IOException e) {
            assumeTrue(false, "no sock_diag netlink socket here: " + e.getMessage());
            throw e;
        }
        return keep(r);
    }

    private <T extends AutoCloseable> T keep(T c) {
        open.add(0, c);
        return c;
    }

    private static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    private static boolean onPath(String cmd) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, cmd))) {
                return true;
            }
        }
        return false;
    }
}
