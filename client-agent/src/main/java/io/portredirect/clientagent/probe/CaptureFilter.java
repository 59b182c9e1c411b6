package io.portredirect.clientagent.probe;

import io.portredirect.protocol.config.PortRange;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The BPF filter of the agent's capture. It must let through every answer to a probe but not the
 * bulk of the spliced connections (pcap copies each matching packet to user space):
 * <ul>
 *   <li>TCP to the probe port range, from anywhere (answers from the wrong source are counted);</li>
 *   <li>ICMP errors (a probe may be answered by "unreachable");</li>
 *   <li>from an IPv4 VIP: non-SYN TCP whose header is longer than 20 bytes and not exactly 32 (Linux
 *       data segments carry either no options or timestamps alone; a segment carrying the redirect
 *       option has another length), and UDP with a surplus area (IP payload longer than the UDP
 *       length: where UDP options live);</li>
 *   <li>from an IPv6 VIP: all TCP and UDP (libpcap cannot index the TCP header behind IPv6).</li>
 * </ul>
 */
public final class CaptureFilter {
    private CaptureFilter() {
    }

    public static String build(List<InetAddress> vips, PortRange probePorts) {
        List<String> parts = new ArrayList<>();
        parts.add("(tcp dst portrange " + probePorts.first() + "-" + probePorts.last() + ")");
        parts.add("(icmp and (icmp[icmptype] == icmp-unreach or icmp[icmptype] == icmp-timxceed))");
        parts.add("(icmp6 and ip6[40] < 128)");
        for (InetAddress v : vips) {
            String a = v.getHostAddress();
            if (v instanceof Inet4Address) {
                parts.add("(src host " + a + " and tcp and (tcp[tcpflags] & tcp-syn) == 0"
                        + " and (tcp[12] & 0xf0) > 0x50 and (tcp[12] & 0xf0) != 0x80)");
                parts.add("(src host " + a + " and udp and ip[2:2] - ((ip[0] & 0x0f) << 2) > udp[4:2])");
            } else {
                parts.add("(src host " + a + " and (tcp or udp))");
            }
        }
        return String.join(" or ", parts);
    }
}
