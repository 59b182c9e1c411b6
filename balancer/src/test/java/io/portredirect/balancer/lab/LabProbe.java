package io.portredirect.balancer.lab;

import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNetworkInterface;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Small programs the lab tests run inside a namespace ({@code ip netns exec NS java ... LabProbe
 * MODE ...}); each prints one result line and exits 0 on success.
 * <ul>
 *   <li>{@code inject IF FILE [GAP_MICROS]}: sends the frames of FILE (see {@link #writeFrames})
 *       out of IF with pcap4j</li>
 *   <li>{@code udp-unreachable LOCAL_IP LOCAL_PORT PEER_IP PEER_PORT}: a connected DatagramSocket
 *       sends to a closed port until the kernel reports PortUnreachableException (exit 0) or
 *       three 1.5 s waits pass (exit 3)</li>
 *   <li>{@code udp-send LOCAL_IP LOCAL_PORT PEER_IP PEER_PORT SIZE [HOLD_MS]}: one datagram, then
 *       the socket stays open HOLD_MS (default 0): the kernel applies an ICMP error (a path MTU
 *       among them) only while a socket matches the quoted ports, so a test that waits for one
 *       must keep the sender open</li>
 *   <li>{@code tcp-rtt HOST PORT COUNT}: times COUNT connects to a closed port (SYN out, RST
 *       back: one round trip, no listener backlog in the way); prints min/median/p90/avg in µs</li>
 * </ul>
 */
public final class LabProbe {
    private LabProbe() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "inject" -> inject(args[1], Path.of(args[2]), args.length > 3 ? Long.parseLong(args[3]) : 0);
            case "udp-unreachable" -> System.exit(unreachable(args[1], Integer.parseInt(args[2]), args[3], Integer.parseInt(args[4])));
            case "tcp-rtt" -> tcpRtt(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            case "udp-send" -> udpSend(args[1], Integer.parseInt(args[2]), args[3], Integer.parseInt(args[4]), Integer.parseInt(args[5]),
                    args.length > 6 ? Long.parseLong(args[6]) : 0);
            default -> {
                System.out.println("unknown mode " + args[0]);
                System.exit(2);
            }
        }
    }

    /** Writes frames as (u16 length, bytes)* for {@code inject}. */
    static void writeFrames(Path file, List<byte[]> frames) throws IOException {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
            for (byte[] f : frames) {
                out.writeShort(f.length);
                out.write(f);
            }
        }
    }

    private static List<byte[]> readFrames(Path file) throws IOException {
        List<byte[]> frames = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            while (in.available() > 0) {
                byte[] f = new byte[in.readUnsignedShort()];
                in.readFully(f);
                frames.add(f);
            }
        }
        return frames;
    }

    private static void inject(String ifName, Path file, long gapMicros) throws Exception {
        List<byte[]> frames = readFrames(file);
        PcapHandle h = new PcapHandle.Builder(ifName).snaplen(65536)
                .promiscuousMode(PcapNetworkInterface.PromiscuousMode.NONPROMISCUOUS).timeoutMillis(10).build();
        try {
            for (byte[] f : frames) {
                h.sendPacket(f, f.length);
                if (gapMicros > 0) {
                    LockSupport.parkNanos(gapMicros * 1000);
                }
            }
        } finally {
            h.close();
        }
        System.out.println("sent " + frames.size());
    }

    private static int unreachable(String localIp, int localPort, String peerIp, int peerPort) throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(localIp), localPort))) {
            s.connect(new InetSocketAddress(InetAddress.getByName(peerIp), peerPort));
            s.setSoTimeout(1500);
            byte[] buf = new byte[64];
            for (int i = 0; i < 3; i++) {
                try {
                    s.send(new DatagramPacket(("probe " + i).getBytes(), 7));
                    s.receive(new DatagramPacket(buf, buf.length));
                    System.out.println("unexpected answer");
                    return 4;
                } catch (PortUnreachableException e) {
                    System.out.println("PortUnreachableException after " + (i + 1) + " datagram(s)");
                    return 0;
                } catch (SocketTimeoutException e) {
                    // no ICMP (yet): the kernel rate-limits, try again
                }
            }
        }
        System.out.println("no PortUnreachableException");
        return 3;
    }

    private static void tcpRtt(String host, int port, int count) throws IOException {
        InetSocketAddress to = new InetSocketAddress(InetAddress.getByName(host), port);
        long[] us = new long[count];
        int n = 0;
        for (int i = 0; i < count + 20; i++) {
            long t0 = System.nanoTime();
            try (Socket s = new Socket()) {
                s.connect(to, 1000);
                System.out.println("port " + port + " is open; tcp-rtt needs a closed port");
                System.exit(4);
            } catch (ConnectException refused) {
                long t = (System.nanoTime() - t0) / 1000;
                if (i >= 20) {
                    us[n++] = t; // the first 20 warm up the JIT and the neighbour caches
                }
            } catch (SocketTimeoutException lost) {
                // a lost SYN: not a round trip, leave it out
            }
        }
        long[] v = Arrays.copyOf(us, n);
        Arrays.sort(v);
        if (n == 0) {
            System.out.println("no round trips");
            System.exit(3);
        }
        long sum = 0;
        for (long x : v) {
            sum += x;
        }
        System.out.printf("rtt_us n=%d min=%d median=%d p90=%d avg=%d%n", n, v[0], v[n / 2], v[(int) (n * 0.9)], sum / n);
    }

    private static void udpSend(String localIp, int localPort, String peerIp, int peerPort, int size, long holdMillis)
            throws IOException, InterruptedException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(localIp), localPort))) {
            s.send(new DatagramPacket(new byte[size], size, new InetSocketAddress(InetAddress.getByName(peerIp), peerPort)));
            Thread.sleep(holdMillis);
        }
        System.out.println("sent " + size);
    }
}
