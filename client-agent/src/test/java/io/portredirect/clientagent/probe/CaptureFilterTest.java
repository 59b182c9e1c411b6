package io.portredirect.clientagent.probe;

import io.portredirect.protocol.config.PortRange;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.wire.RedirectExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pcap4j.core.BpfProgram;
import org.pcap4j.core.Pcaps;
import org.pcap4j.packet.namednumber.DataLinkType;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent's BPF filter, compiled by the real libpcap and run over crafted Ethernet frames: it
 * must pass every kind of probe answer and notice, and keep the spliced bulk traffic out.
 */
class CaptureFilterTest {
    static final InetAddress LOCAL = ProbeEngineTest.addr("198.18.52.1");
    static final InetAddress VIP = ProbeEngineTest.addr("198.18.53.10");
    static final InetAddress VIP6 = ProbeEngineTest.addr("2001:2:0:1::10");
    static final InetAddress LOCAL6 = ProbeEngineTest.addr("2001:2::1");
    static final byte[] MAC_A = {2, 0, 0, 0, 0, 1};
    static final byte[] MAC_B = {2, 0, 0, 0, 0, 2};
    static BpfProgram bpf;

    @BeforeAll
    static void compile() throws Exception {
        for (String lib : new String[] {"/usr/lib/x86_64-linux-gnu/libpcap.so", "/usr/lib/aarch64-linux-gnu/libpcap.so",
            "/usr/lib/x86_64-linux-gnu/libpcap.so.0.8", "/usr/lib/aarch64-linux-gnu/libpcap.so.0.8"}) {
            if (System.getProperty("org.pcap4j.core.pcapLibName") == null && Files.exists(Path.of(lib))) {
                System.setProperty("org.pcap4j.core.pcapLibName", lib);
            }
        }
        try {
            Pcaps.libVersion();
        } catch (Throwable e) {
            Assumptions.abort("SKIPPED: libpcap cannot be loaded: " + e);
        }
        String f = CaptureFilter.build(List.of(VIP, VIP6), new PortRange(61000, 61099));
        bpf = Pcaps.compileFilter(65536, DataLinkType.EN10MB, f, BpfProgram.BpfCompileMode.OPTIMIZE, org.pcap4j.core.PcapHandle.PCAP_NETMASK_UNKNOWN);
    }

    @AfterAll
    static void free() {
        if (bpf != null) {
            bpf.free();
        }
    }

    static boolean passes(CraftedPacket.Builder b) {
        byte[] frame = b.ethernet(MAC_A, MAC_B).build().encode();
        return bpf.applyFilter(frame);
    }

    static CraftedPacket.Builder tcp(int srcPort, int dstPort, int flags) {
        return CraftedPacket.builder().src(VIP, srcPort).dst(LOCAL, dstPort).tcp(flags).seq(1).ack(2);
    }

    @Test
    void passesProbeAnswers() {
        assertTrue(passes(tcp(80, 61000, TcpView.SYN | TcpView.ACK).mss(1460).redirect(RedirectExtension.confirm(20001))));
        assertTrue(passes(tcp(80, 61099, TcpView.SYN | TcpView.ACK).mss(1460)), "legacy SYN-ACK");
        assertTrue(passes(tcp(80, 61050, TcpView.RST | TcpView.ACK)), "refusal");
        assertFalse(passes(tcp(80, 61050, TcpView.SYN | TcpView.ACK).src(ProbeEngineTest.addr("198.18.99.1"), 80)),
                "from a source that is no VIP: dropped in the kernel (a spoofed flood never wakes the probe loop)");
        assertFalse(passes(CraftedPacket.builder().src(ProbeEngineTest.addr("2001:2::99"), 80).dst(LOCAL6, 61000)
                .tcp(TcpView.SYN | TcpView.ACK).mss(1440)), "IPv6 from a source that is no VIP");
        assertTrue(passes(CraftedPacket.builder().src(VIP6, 80).dst(LOCAL6, 61000).tcp(TcpView.SYN | TcpView.ACK).mss(1440)), "IPv6");
    }

    /** The first 28 bytes of our probe SYN to {@code dst}, as an ICMP error quotes it. */
    static byte[] quote(InetAddress dst) {
        byte[] syn = CraftedPacket.builder().src(LOCAL, 61000).dst(dst, 80).tcp(TcpView.SYN).seq(1).build().encode();
        return java.util.Arrays.copyOf(syn, 28);
    }

    @Test
    void passesIcmpErrors() {
        byte[] quote = quote(VIP);
        assertTrue(passes(CraftedPacket.builder().src(ProbeEngineTest.addr("198.18.52.254"), 0).dst(LOCAL, 0).icmp(3, 3, 0).payload(quote)));
        assertTrue(passes(CraftedPacket.builder().src(ProbeEngineTest.addr("198.18.52.254"), 0).dst(LOCAL, 0).icmp(11, 0, 0).payload(quote)));
        assertFalse(passes(CraftedPacket.builder().src(ProbeEngineTest.addr("198.18.52.254"), 0).dst(LOCAL, 0).icmp(3, 3, 0)
                .payload(quote(ProbeEngineTest.addr("198.18.99.1")))), "quoting a packet to no VIP");
        byte[] syn6 = CraftedPacket.builder().src(LOCAL6, 61000).dst(VIP6, 80).tcp(TcpView.SYN).seq(1).build().encode();
        assertTrue(passes(CraftedPacket.builder().src(ProbeEngineTest.addr("2001:2::fe"), 0).dst(LOCAL6, 0).icmp(1, 4, 0)
                .payload(java.util.Arrays.copyOf(syn6, 48))), "ICMPv6 unreachable quoting a probe to the IPv6 VIP");
        assertFalse(passes(CraftedPacket.builder().src(ProbeEngineTest.addr("198.18.52.254"), 0).dst(LOCAL, 0).icmp(0, 0, 0)), "echo reply");
    }

    @Test
    void passesMidConnectionRedirects() {
        assertTrue(passes(tcp(20001, 40000, TcpView.ACK).redirect(RedirectExtension.redirectTo(20007))), "option only: 28-byte header");
        assertTrue(passes(tcp(20001, 40000, TcpView.ACK).timestamps(1, 2).redirect(RedirectExtension.redirectTo(20007))),
                "timestamps + option: 40-byte header");
    }

    @Test
    void keepsBulkTrafficOut() {
        byte[] data = new byte[1400];
        assertFalse(passes(tcp(20001, 40000, TcpView.ACK | TcpView.PSH).timestamps(1, 2).payload(data)), "Linux data segment");
        assertFalse(passes(tcp(20001, 40000, TcpView.ACK).payload(data)), "no options");
        assertTrue(passes(tcp(20001, 40000, TcpView.SYN | TcpView.ACK).mss(1460)),
                "kernel SYN-ACK of the real connection: one per connection, where its receive window starts");
        assertFalse(passes(tcp(20001, 40000, TcpView.SYN | TcpView.ACK).src(ProbeEngineTest.addr("198.18.99.1"), 80).mss(1460)),
                "SYN-ACK not from a VIP");
        assertFalse(passes(CraftedPacket.builder().udp().src(VIP, 20053).dst(LOCAL, 40000).payload(data)), "plain UDP");
        assertFalse(passes(tcp(80, 40000, TcpView.ACK).src(ProbeEngineTest.addr("198.18.99.1"), 80).redirect(RedirectExtension.redirectTo(20007))),
                "not from a VIP");
    }

    @Test
    void passesUdpNotices() {
        assertTrue(passes(CraftedPacket.builder().udp().src(VIP, 53).dst(LOCAL, 40000).redirect(RedirectExtension.confirm(20053))), "empty notice");
        assertTrue(passes(CraftedPacket.builder().udp().src(VIP, 53).dst(LOCAL, 40000).payload(new byte[] {1, 2, 3})
                .redirect(RedirectExtension.confirm(20053))), "reply carrying the option");
    }
}
