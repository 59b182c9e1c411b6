package io.portredirect.balancer.bench;

import io.portredirect.balancer.decide.PacketProcessor;
import io.portredirect.balancer.metrics.BalancerCounters;
import io.portredirect.balancer.table.ForwardingTables;
import io.portredirect.balancer.testing.Fixtures;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.PacketParser;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.wire.RedirectExtension;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.portredirect.balancer.testing.Fixtures.*;

/**
 * {@link PacketProcessor} decide + rewrite per packet, on one thread (one core), over a batch of
 * {@link #BATCH} frames of distinct flows: each frame is copied from its template into the I/O
 * buffer (as a capture would write it; the copy is part of the score) with a new client port, then
 * processed in place. Workloads: {@code redirect} = SYN with REDIRECT to a redirect port (rule 2
 * hash, l2/l3/raw targets), {@code service-l3} = data to an l3 server's service port (address
 * rewrite with incremental checksums), {@code mix} = rules 1-7, both families, both directions.
 * Run with {@link BenchMain}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseParallelGC", "-Xms256m", "-Xmx256m"})
public class DecideRewriteBenchmark {
    static final int BATCH = 64;

    @Param({"redirect-v4", "redirect-v6", "service-l3-v4", "mix"})
    public String workload;

    private PacketProcessor processor;
    private int bServer;
    private byte[][] frames;
    private boolean[] fromServer;
    private int[] portOffset;
    private final byte[] work = new byte[2048];
    private int flow;

    @Setup
    public void setUp() {
        ForwardingTables t = Fixtures.tables(VERDICT_YAML);
        processor = new PacketProcessor(() -> t, new BalancerCounters());
        bServer = t.serverIndex("b");
        List<byte[]> net = new ArrayList<>();
        List<byte[]> srv = new ArrayList<>();
        switch (workload) {
            case "redirect-v4" -> net.add(syn(CLIENT4, 1, VIP4, 8080));
            case "redirect-v6" -> net.add(syn(CLIENT6, 1, VIP6, 8080));
            case "service-l3-v4" -> net.add(fromClient(CLIENT4, 1, VIP4, 10012).tcp(TcpView.ACK | TcpView.PSH).seq(5).ack(7)
                    .timestamps(1, 2).payload(new byte[100]).build().encode());
            default -> {
                net.add(syn(CLIENT4, 1, VIP4, 8080));
                net.add(syn(CLIENT6, 1, VIP6, 8080));
                net.add(udp(CLIENT4, 1, VIP4, 5000, RedirectExtension.redirect()));
                net.add(tcp(CLIENT4, 1, VIP4, 10001, TcpView.ACK, null));
                net.add(fromClient(CLIENT4, 1, VIP4, 10012).tcp(TcpView.ACK).payload(new byte[100]).build().encode());
                net.add(fromClient(CLIENT6, 1, VIP6, 10012).tcp(TcpView.ACK).payload(new byte[100]).build().encode());
                net.add(tcp(CLIENT4, 1, VIP4, 8080, TcpView.SYN, null));
                net.add(icmpError(CLIENT4, VIP4, 3, 4, serverPacket(VIP4, 10012, ip("198.19.3.3"), 40000, true, -1)));
                net.add(fromClient(CLIENT4, 0, VIP4, 0).icmp(8, 0, 1).build().encode());
                net.add(tcp(CLIENT4, 1, ip("198.18.0.99"), 10001, TcpView.SYN, null));
                srv.add(CraftedPacket.builder().ethernet(B_MAC, B_SIDE_MAC).src(B4, 10012).dst(CLIENT4, 1).tcp(TcpView.ACK)
                        .payload(new byte[100]).build().encode());
                srv.add(CraftedPacket.builder().ethernet(A_MAC, A_SIDE_MAC).src(VIP4, 10001).dst(CLIENT4, 1).tcp(TcpView.ACK)
                        .payload(new byte[100]).build().encode());
            }
        }
        frames = new byte[BATCH][];
        fromServer = new boolean[BATCH];
        portOffset = new int[BATCH];
        for (int i = 0; i < BATCH; i++) {
            int k = i % (net.size() + srv.size());
            boolean s = k >= net.size();
            frames[i] = s ? srv.get(k - net.size()) : net.get(k);
            fromServer[i] = s;
            ParsedPacket p = PacketParser.parseFrame(frames[i], 0, frames[i].length, new ParsedPacket());
            // the client's port: source port toward the servers, destination port on return; ICMP: the IP id stands in
            portOffset[i] = p.l4Offset() >= 0 && (p.isTcp() || p.isUdp()) ? p.l4Offset() + (s ? 2 : 0) : p.l3Offset() + 4;
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int decideAndRewrite() {
        int sum = 0;
        for (int i = 0; i < BATCH; i++) {
            byte[] f = frames[i];
            System.arraycopy(f, 0, work, 0, f.length);
            int port = flow++;
            work[portOffset[i]] = (byte) (port >>> 8);
            work[portOffset[i] + 1] = (byte) port;
            sum += fromServer[i] ? processor.fromServer(bServer, work, 0, f.length) : processor.fromNetwork(work, 0, f.length);
        }
        return sum;
    }
}
