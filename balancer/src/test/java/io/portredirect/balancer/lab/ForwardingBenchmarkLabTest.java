package io.portredirect.balancer.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portredirect.protocol.lab.LabExtension;
import io.portredirect.protocol.lab.LabProcess;
import io.portredirect.protocol.lab.LabSupport;
import io.portredirect.protocol.lab.LabTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Lab benchmark, printed side by side, never asserted on speed: the same client, veths and server
 * (s1, l2, VIP on loopback) with the gw kernel routing the VIP itself ("kernel", lab.sh mode
 * kernel) and with the balancer forwarding it (direct I/O, and pcap4j's own calls for
 * comparison). Per scenario: TCP throughput (iperf3, 3 s); 18-byte UDP datagrams (iperf3 -b 0,
 * 3 s) delivered to s1's interface per second; TCP connect round trip to a closed port of s1
 * (300 probes); and heap bytes the balancer's network reader allocated per frame. Loads are
 * bounded in time and count. Also runnable as a main (as root).
 */
@LabTest
class ForwardingBenchmarkLabTest {
    private static final String PREFIX = "prbx";
    @RegisterExtension
    static final LabExtension<BalancerLab> LAB = LabExtension.of(() -> BalancerLab.up(PREFIX, false));
    private static final int SECONDS = 3;
    private static final int RTT_PROBES = 300;
    private static BalancerLab lab;

    record Figures(String scenario, double tcpMbps, double udpSentPps, double udpDeliveredPps, double rttMedianMs, double rttMinMs,
                   double rttP90Ms, double allocBytesPerPacket) {
    }

    @BeforeAll
    static void up(BalancerLab fixture) throws Exception {
        lab = fixture;
        lab.start("s1", List.of("iperf3", "-s", "-p", "5201", "-B", BalancerLab.VIP4), null);
        Thread.sleep(300);
    }

    @Test
    void balancerVersusKernelForwarding() throws Exception {
        List<Figures> all = new ArrayList<>();
        lab.mode("kernel");
        all.add(measure("kernel routing", false));
        lab.mode("balancer");
        for (String io : List.of("direct", "pcap4j")) {
            LabProcess b = lab.startBalancer(lab.labConfig(), "--io", io);
            try {
                all.add(measure("balancer --io " + io, true));
            } finally {
                BalancerLab.stop(b);
            }
        }
        print(all);
        for (Figures f : all) {
            assertTrue(f.tcpMbps() > 0 && f.udpDeliveredPps() > 0 && f.rttMedianMs() > 0, "traffic flowed in " + f);
        }
    }

    private static Figures measure(String scenario, boolean balancer) throws Exception {
        BalancerLab.Result tcp = lab.tryExec("client", SECONDS + 20, "iperf3", "-c", BalancerLab.VIP4, "-p", "5201",
                "-t", "" + SECONDS, "-J");
        double mbps = new ObjectMapper().readTree(tcp.output()).path("end").path("sum_received").path("bits_per_second").asDouble() / 1e6;

        String m0 = balancer ? lab.metrics() : "";
        long rx0 = rxPackets();
        long t0 = System.nanoTime();
        BalancerLab.Result udp = lab.tryExec("client", SECONDS + 20, "iperf3", "-c", BalancerLab.VIP4, "-p", "5201",
                "-u", "-b", "0", "-l", "18", "-t", "" + SECONDS, "-J");
        long rx1 = rxPackets();
        double wall = (System.nanoTime() - t0) / 1e9;
        double alloc = Double.NaN;
        if (balancer) {
            // heap bytes the network reader thread allocated per frame it read, over the UDP run
            String m1 = lab.metrics();
            String a = "portredirect_balancer_io_reader_allocated_bytes_total{interface=\"net0\"";
            String n = "portredirect_balancer_io_packets_total{interface=\"net0\",direction=\"rx\"";
            alloc = (double) (BalancerLab.metric(m1, a) - BalancerLab.metric(m0, a))
                    / Math.max(1, BalancerLab.metric(m1, n) - BalancerLab.metric(m0, n));
        }
        JsonNode sum = new ObjectMapper().readTree(udp.output()).path("end").path("sum");
        double sentPps = sum.path("packets").asDouble() / Math.max(0.001, sum.path("seconds").asDouble());
        // delivered: what reached s1's interface during the run (the iperf3 receiver may lag behind it)
        double deliveredPps = (rx1 - rx0) / Math.min(wall, SECONDS + 0.5);

        // SYN to a closed port of s1 through the balancer (or kernel), RST straight back: one round trip
        BalancerLab.Result rtt = lab.probe("client", 60, "tcp-rtt", BalancerLab.VIP4, "7001", "" + RTT_PROBES);
        Matcher m = Pattern.compile("min=(\\d+) median=(\\d+) p90=(\\d+) avg=(\\d+)").matcher(rtt.output());
        double min = 0;
        double median = 0;
        double p90 = 0;
        if (m.find()) {
            min = Long.parseLong(m.group(1)) / 1000.0;
            median = Long.parseLong(m.group(2)) / 1000.0;
            p90 = Long.parseLong(m.group(3)) / 1000.0;
        }
        Figures f = new Figures(scenario, mbps, sentPps, deliveredPps, median, min, p90, alloc);
        System.out.println("measured " + f);
        return f;
    }

    private static long rxPackets() {
        return Long.parseLong(lab.exec("s1", "cat", "/sys/class/net/eth0/statistics/rx_packets").trim());
    }

    private static void print(List<Figures> all) {
        Figures k = all.get(0);
        StringBuilder sb = new StringBuilder();
        sb.append("\nLab benchmark: client -> gw -> s1 (veths, offloads off), ").append(Runtime.getRuntime().availableProcessors())
                .append(" CPUs shared by client, gw, server and the load generator; one run, noisy\n");
        sb.append(String.format("%-22s %10s %6s %16s %6s %14s %12s %9s %9s %12s%n", "scenario", "TCP Mbit/s", "ratio",
                "UDP18 pps deliv.", "ratio", "(UDP pps sent)", "RTT median", "p90", "added", "alloc B/pkt"));
        for (Figures f : all) {
            sb.append(String.format("%-22s %10.0f %5.0f%% %16.0f %5.0f%% %14.0f %9.3f ms %6.3f ms %6.3f ms %12s%n", f.scenario(),
                    f.tcpMbps(), 100 * f.tcpMbps() / k.tcpMbps(), f.udpDeliveredPps(), 100 * f.udpDeliveredPps() / k.udpDeliveredPps(),
                    f.udpSentPps(), f.rttMedianMs(), f.rttP90Ms(), f.rttMedianMs() - k.rttMedianMs(),
                    Double.isNaN(f.allocBytesPerPacket()) ? "-" : String.format("%.1f", f.allocBytesPerPacket())));
        }
        sb.append("RTT: TCP connect to a closed port of s1 (SYN through the balancer or kernel, RST back), ")
                .append(RTT_PROBES).append(" probes; added = median minus the kernel's median\n");
        System.out.println(sb);
    }

    /** Standalone: {@code java -cp <test classpath> ...ForwardingBenchmarkLabTest} as root. */
    public static void main(String[] args) throws Exception {
        String why = LabSupport.whyNot();
        if (why != null) {
            System.err.println("SKIPPED: " + why);
            return;
        }
        try (BalancerLab fixture = BalancerLab.up(PREFIX, false)) {
            up(fixture);
            new ForwardingBenchmarkLabTest().balancerVersusKernelForwarding();
        }
    }
}
