package io.portredirect.tools.lab;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.HexFormat;

/**
 * A plain UDP application for the lab: binds ADDR PORT with an ordinary kernel socket, prints
 * "READY", then one line of hex per datagram received (exactly the bytes the kernel delivered),
 * and exits after COUNT datagrams or TIMEOUT seconds. Run inside a network namespace by
 * {@link LiveLabTest}; it knows nothing of UDP options, which is the point.
 */
public final class DatagramSink {
    private DatagramSink() {
    }

    public static void main(String[] args) throws Exception {
        InetAddress addr = InetAddress.getByName(args[0]);
        int port = Integer.parseInt(args[1]);
        int count = Integer.parseInt(args[2]);
        long deadline = System.currentTimeMillis() + Long.parseLong(args[3]) * 1000;
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(addr, port))) {
            System.out.println("READY");
            System.out.flush();
            byte[] buf = new byte[65536];
            int got = 0;
            while (got < count && System.currentTimeMillis() < deadline) {
                s.setSoTimeout((int) Math.max(1, deadline - System.currentTimeMillis()));
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    s.receive(p);
                } catch (SocketTimeoutException e) {
                    break;
                }
                got++;
                System.out.println("DATAGRAM " + HexFormat.of().formatHex(buf, 0, p.getLength()));
                System.out.flush();
            }
        }
    }
}
