package io.portredirect.clientagent.probe;

import io.portredirect.protocol.config.PortRange;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The BPF filter of the agent's capture. It lets through what concerns the agent and nothing else,
 * in the kernel, so packets from other sources never cost the probe loop a wake-up:
 * <ul>
 *   <li>from a configured VIP only: TCP to the probe port range (answers to probes);</li>
 *   <li>ICMP errors (unreachable, time exceeded) whose quoted packet was addressed to a VIP (a probe
 *       may be answered by a router's "unreachable");</li>
 *   <li>from an IPv4 VIP: SYN-ACKs (one per upstream connection: where its receive window starts,
 *       see {@code ReceiveWindow}); non-SYN TCP whose header is longer than 20 bytes and not exactly
 *       32 (Linux data segments carry either no options or timestamps alone; a segment carrying the
 *       redirect option has another length); UDP with a surplus area (IP payload longer than the UDP
 *       length: where UDP options live);</li>
 *   <li>from an IPv6 VIP: all TCP and UDP (libpcap cannot index the TCP header behind IPv6).</li>
 * </ul>
 */
public final class CaptureFilter {
    private CaptureFilter() {
    }

    public static String build(List<InetAddress> vips, PortRange probePorts) {
        List<String> parts = new ArrayList<>();
        List<String> quoted4 = new ArrayList<>();
        List<String> quoted6 = new ArrayList<>();
        String range = "tcp dst portrange " + probePorts.first() + "-" + probePorts.last();
        for (InetAddress v : vips) {
            String a = v.getHostAddress();
            byte[] b = v.getAddress();
            if (v instanceof Inet4Address) {
                parts.add("(src host " + a + " and " + range + ")");
                parts.add("(src host " + a + " and tcp and (tcp[tcpflags] & (tcp-syn|tcp-ack)) == (tcp-syn|tcp-ack))");
                parts.add("(src host " + a + " and tcp and (tcp[tcpflags] & tcp-syn) == 0"
                        + " and (tcp[12] & 0xf0) > 0x50 and (tcp[12] & 0xf0) != 0x80)");
                parts.add("(src host " + a + " and udp and ip[2:2] - ((ip[0] & 0x0f) << 2) > udp[4:2])");
                // the quoted IPv4 header's destination: 8 bytes of ICMP header + 16
                quoted4.add("icmp[24:4] == " + word(b, 0));
            } else {
                parts.add("(src host " + a + " and (tcp or udp))");
                // the quoted IPv6 header's destination: 40 (outer header) + 8 (ICMPv6 header) + 24
                StringBuilder q = new StringBuilder("(");
                for (int i = 0; i < 4; i++) {
                    q.append(i == 0 ? "" : " and ").append("ip6[").append(72 + 4 * i).append(":4] == ").append(word(b, 4 * i));
                }
                quoted6.add(q.append(')').toString());
            }
        }
        if (!quoted4.isEmpty()) {
            parts.add("(icmp and (icmp[icmptype] == icmp-unreach or icmp[icmptype] == icmp-timxceed) and ("
                    + String.join(" or ", quoted4) + "))");
        }
        if (!quoted6.isEmpty()) {
            parts.add("(icmp6 and ip6[40] < 128 and (" + String.join(" or ", quoted6) + "))");
        }
        return parts.isEmpty() ? "tcp and not tcp" : String.join(" or ", parts);
    }

    private static String word(byte[] b, int at) {
        long w = ((b[at] & 0xFFL) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF);
        return "0x" + Long.toHexString(w);
    }
}
