package io.portredirect.balancer.decide;

import io.portredirect.balancer.metrics.BalancerCounters;
import io.portredirect.balancer.table.ForwardingTables;
import io.portredirect.balancer.testing.RetainedGraph;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.wire.RedirectExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import static io.portredirect.balancer.testing.Fixtures.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The hot path allocates nothing and keeps nothing per flow. Method: (1) the JVM's per-thread
 * allocation counter (com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes, exact
 * TLAB accounting) around one million packets of distinct flows after warm-up must not move;
 * (2) the processor's reachable object graph (reflection walk, see {@link RetainedGraph}) after a
 * million distinct flows equals the graph after ten; (3) used heap after System.gc() is printed
 * for both points and may differ only by GC noise (asserted below 2 MB, i.e. under 2 bytes/flow).
 */
class NoPerPacketStateTest {
    private static final int MILLION = 1_000_000;

    /** One template per path: frame bytes, whether it comes from the server side, and where its client address/port sit. */
    record Template(byte[] frame, boolean fromServer, int server, int clientAddr, int clientPort) {
    }

    private static ForwardingTables tables;
    private static final List<Template> TEMPLATES = new ArrayList<>();

    @BeforeAll
    static void templates() {
        tables = tables(VERDICT_YAML);
        add(syn(CLIENT4, 1, VIP4, 8080));                                    // rule 2, v4 tcp
        add(syn(CLIENT6, 1, VIP6, 8080));                                    // rule 2, v6 tcp
        add(udp(CLIENT4, 1, VIP4, 5000, RedirectExtension.redirect()));      // rule 2, v4 udp option area
        add(tcp(CLIENT4, 1, VIP4, 10012, TcpView.ACK, null));                // rule 1, l3 rewrite
        add(udp(CLIENT6, 1, VIP6, 10012, null));                             // rule 1, l3 rewrite v6
        add(tcp(CLIENT4, 1, VIP4, 10001, TcpView.ACK, null));                // rule 1, l2
        add(tcp(CLIENT4, 1, VIP4, 8080, TcpView.SYN, null));                 // rule 3
        add(icmpError(CLIENT4, VIP4, 3, 4, serverPacket(VIP4, 10012, ip("198.19.3.3"), 40000, true, -1))); // rule 4 + l3 quote rewrite
        add(icmpError(CLIENT6, VIP6, 2, 0, serverPacket(VIP6, 8080, ip("2001:2:0:3::3"), 40000, true, -1))); // rule 4 hash
        add(fromClient(CLIENT4, 0, VIP4, 0).icmp(8, 0, 1).build().encode());  // rule 5
        add(ipv4NonFirstFragment(udp(CLIENT4, 1, VIP4, 10011, null)));        // rule 6 drop
        add(tcp(CLIENT4, 1, VIP4, 7777, TcpView.SYN, null));                  // rule 7
        add(tcp(CLIENT4, 1, ip("198.18.0.99"), 10001, TcpView.SYN, null));    // not a VIP
        byte[] reply = CraftedPacket.builder().ethernet(B_MAC, B_SIDE_MAC).src(B4, 10012).dst(CLIENT4, 1).tcp(TcpView.ACK).build().encode();
        ParsedPacket r = parse(reply);
        TEMPLATES.add(new Template(reply, true, tables.serverIndex("b"), r.dstAddrOffset(), r.l4Offset() + 2));
    }

    private static void add(byte[] frame) {
        ParsedPacket p = parse(frame);
        TEMPLATES.add(new Template(frame, false, -1, p.srcAddrOffset(), p.l4Offset()));
    }

    /** Runs {@code count} packets, flow {@code first + i} each: the client's address and port come from the flow number. */
    private static long run(PacketProcessor p, byte[] work, long first, int count) {
        long sum = 0;
        int n = TEMPLATES.size();
        for (int i = 0; i < count; i++) {
            Template t = TEMPLATES.get(i % n);
            byte[] f = t.frame;
            System.arraycopy(f, 0, work, 0, f.length);
            long flow = first + i;
            work[t.clientAddr + 2] = (byte) (flow >>> 24);
            work[t.clientAddr + 3] = (byte) (flow >>> 16);
            work[t.clientPort] = (byte) (flow >>> 8);
            work[t.clientPort + 1] = (byte) flow;
            sum += t.fromServer ? p.fromServer(t.server, work, 0, f.length) : p.fromNetwork(work, 0, f.length);
        }
        return sum;
    }

    @Test
    void millionPacketsOfDistinctFlowsAllocateNothing() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(mx.isThreadAllocatedMemorySupported(), "this JVM cannot count per-thread allocation");
        mx.setThreadAllocatedMemoryEnabled(true);
        BalancerCounters counters = new BalancerCounters();
        ForwardingTables t = tables;
        PacketProcessor p = new PacketProcessor(() -> t, counters);
        byte[] work = new byte[2048];
        long overhead = -(mx.getCurrentThreadAllocatedBytes() - mx.getCurrentThreadAllocatedBytes());
        // warm-up: until the JIT has settled the first chunks may allocate a few hundred bytes once
        long warm = mx.getCurrentThreadAllocatedBytes();
        run(p, work, 0, MILLION);
        long warmUp = mx.getCurrentThreadAllocatedBytes() - warm - overhead;
        long before = mx.getCurrentThreadAllocatedBytes();
        long sink = run(p, work, 1L << 32, MILLION);
        long after = mx.getCurrentThreadAllocatedBytes();
        long allocated = after - before - overhead;
        System.out.printf("allocation: %d bytes over %d packets of distinct flows after warm-up (%.4f bytes/packet; "
                + "warm-up million: %d bytes; checksum %d)%n", allocated, MILLION, (double) allocated / MILLION, warmUp, sink);
        assertEquals(0, allocated, "bytes allocated by the hot path");
        assertTrue(counters.networkFrames() > MILLION, "the packets were processed");
    }

    @Test
    void retainedStateAfterAMillionFlowsEqualsStateAfterTen() {
        BalancerCounters counters = new BalancerCounters();
        ForwardingTables t = tables;
        PacketProcessor p = new PacketProcessor(() -> t, counters);
        byte[] work = new byte[2048];
        run(p, work, 0, 10);
        RetainedGraph.Footprint ten = RetainedGraph.of(new Object[] {p, counters});
        long heapTen = usedHeapAfterGc();
        run(p, work, 1000, MILLION);
        RetainedGraph.Footprint million = RetainedGraph.of(new Object[] {p, counters});
        long heapMillion = usedHeapAfterGc();
        System.out.printf("retained: after 10 flows %d objects / ~%d bytes, after %d flows %d objects / ~%d bytes; "
                + "used heap after GC %d -> %d bytes (delta %d)%n", ten.objects(), ten.bytes(), MILLION, million.objects(),
                million.bytes(), heapTen, heapMillion, heapMillion - heapTen);
        assertEquals(ten, million, "processor + counters graph must not grow with flows");
        assertTrue(Math.abs(heapMillion - heapTen) < 2 * 1024 * 1024, "heap grew by " + (heapMillion - heapTen));
    }

    private static long usedHeapAfterGc() {
        Runtime r = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return r.totalMemory() - r.freeMemory();
    }
}
