package io.portredirect.protocol.bench;

import io.portredirect.protocol.packet.CraftedPacket;
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

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;

/**
 * Parse + find the redirect option + rewrite the destination address with incremental checksum
 * updates, on a byte array, over a mix of {@link #PACKETS} frames (SYN with REDIRECT, SYN-ACK with
 * CONFIRM, plain ACK with payload, UDP with the UDP option). Scores are per packet.
 * Run with {@link BenchMain}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseParallelGC", "-Xms256m", "-Xmx256m"})
public class RedirectPathBenchmark {
    static final int PACKETS = 4;

    @Param({"ipv4", "ipv6"})
    public String family;

    private final HotPath path = new HotPath();
    private byte[][] frames;
    private byte[] addressA;
    private byte[] addressB;
    private int turn;

    @Setup
    public void setUp() throws UnknownHostException {
        boolean v6 = family.equals("ipv6");
        InetAddress client = InetAddress.getByName(v6 ? "2001:2::1" : "198.18.0.1");
        InetAddress vip = InetAddress.getByName(v6 ? "2001:2::10" : "198.18.0.10");
        addressA = InetAddress.getByName(v6 ? "2001:2::21" : "198.18.1.21").getAddress();
        addressB = InetAddress.getByName(v6 ? "2001:2::22" : "198.18.1.22").getAddress();
        byte[] macA = {2, 0, 0, 0, 0, 1};
        byte[] macB = {2, 0, 0, 0, 0, 2};
        frames = new byte[][] {
            CraftedPacket.builder().ethernet(macA, macB).src(client, 40000).dst(vip, 80).tcp(TcpView.SYN).seq(1)
                    .mss(1460).sackPermitted(true).timestamps(1, 0).windowScale(7).redirect(RedirectExtension.redirect()).build().encode(),
            CraftedPacket.builder().ethernet(macA, macB).src(vip, 80).dst(client, 40000).tcp(TcpView.SYN | TcpView.ACK).seq(9).ack(2)
                    .mss(1460).redirect(RedirectExtension.confirm(8001)).build().encode(),
            CraftedPacket.builder().ethernet(macA, macB).src(client, 40001).dst(vip, 8001).tcp(TcpView.ACK | TcpView.PSH).seq(2).ack(10)
                    .timestamps(5, 6).payload(new byte[100]).build().encode(),
            CraftedPacket.builder().ethernet(macA, macB).src(client, 40002).dst(vip, 53).udp().payload(new byte[64])
                    .redirect(RedirectExtension.redirect()).build().encode(),
        };
    }

    @Benchmark
    @OperationsPerInvocation(PACKETS)
    public int parseFindRewrite() {
        byte[] to = (turn++ & 1) == 0 ? addressA : addressB;
        int sum = 0;
        for (byte[] f : frames) {
            sum += path.process(f, 0, f.length, to);
        }
        return sum;
    }
}
