package io.portredirect.serveragent.select;

import io.portredirect.serveragent.config.SelectionPolicy;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SelectorTest {
    static final int[] PORTS = {8001, 8002, 8003};

    /** A fake kernel: what the "queue reader" would have read. */
    static SocketLoad load(Map<Integer, SocketLoad.Listen> listen, Map<Integer, Integer> est) {
        return new SocketLoad(true, listen, est);
    }

    static Map<Integer, SocketLoad.Listen> listening(int... ports) {
        Map<Integer, SocketLoad.Listen> m = new HashMap<>();
        for (int p : ports) {
            m.put(p, SocketLoad.Listen.of(0, 128));
        }
        return m;
    }

    static List<Integer> picks(PortSelector s, int n) {
        List<Integer> out = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(s.select());
        }
        return out;
    }

    @Test
    void roundRobinCycles() {
        PortSelector s = PortSelector.of(SelectionPolicy.ROUND_ROBIN, PORTS, PORTS, () -> SocketLoad.UNKNOWN);
        assertEquals(List.of(8001, 8002, 8003, 8001), picks(s, 4));
    }

    @Test
    void queueAwareSkipsAFullAcceptQueueAndAPortNobodyListensOn() {
        Map<Integer, SocketLoad.Listen> l = listening(8001, 8003);
        l.put(8001, SocketLoad.Listen.of(1, 1)); // backlog 1, one connection waiting: full
        PortSelector s = PortSelector.of(SelectionPolicy.QUEUE_AWARE, PORTS, PORTS, () -> load(l, Map.of()));
        assertEquals(List.of(8003, 8003, 8003, 8003), picks(s, 4));
    }

    @Test
    void queueAwareRoundRobinsOverTheUsablePortsAndGivesUpWhenAllAreFull() {
        AtomicReference<SocketLoad> now = new AtomicReference<>(load(listening(8001, 8002, 8003), Map.of()));
        PortSelector s = PortSelector.of(SelectionPolicy.QUEUE_AWARE, PORTS, PORTS, now::get);
        assertEquals(List.of(8001, 8002, 8003), picks(s, 3));
        Map<Integer, SocketLoad.Listen> full = new HashMap<>();
        for (int p : PORTS) {
            full.put(p, SocketLoad.Listen.of(5, 5));
        }
        now.set(load(full, Map.of()));
        assertEquals(PortSelector.NONE, s.select());
        now.set(SocketLoad.UNKNOWN);
        assertEquals(3, picks(s, 3).stream().distinct().count(), "kernel unreadable: plain round robin");
    }

    @Test
    void queueAwareLooksAtTheProxiedApplicationsQueue() {
        int[] queue = {9001, 9002, 9003};
        Map<Integer, SocketLoad.Listen> l = listening(9001, 9002, 9003);
        l.put(9001, SocketLoad.Listen.of(10, 10));
        l.put(9002, SocketLoad.Listen.of(10, 10));
        PortSelector s = PortSelector.of(SelectionPolicy.QUEUE_AWARE, PORTS, queue, () -> load(l, Map.of()));
        assertEquals(List.of(8003, 8003), picks(s, 2));
    }

    @Test
    void aggregatedListenersAreFullOnlyWhenAllAre() {
        SocketLoad.Listen one = SocketLoad.Listen.of(1, 1).plus(SocketLoad.Listen.of(0, 1));
        assertEquals(false, one.full());
        assertEquals(true, SocketLoad.Listen.of(1, 1).plus(SocketLoad.Listen.of(2, 1)).full());
    }

    @Test
    void leastConnectionsPicksTheEmptiestAndSpreadsABurstBetweenReads() {
        AtomicReference<SocketLoad> now = new AtomicReference<>(load(listening(8001, 8002, 8003), Map.of(8001, 5, 8002, 3, 8003, 4)));
        PortSelector s = PortSelector.of(SelectionPolicy.LEAST_CONNECTIONS, PORTS, PORTS, now::get);
        // 8002 has 3: it takes answers until it ties, then ties go round robin, so all end at 6
        assertEquals(List.of(8002, 8002, 8003, 8001, 8002, 8003), picks(s, 6));
        now.set(load(listening(8001, 8002, 8003), Map.of(8001, 0, 8002, 9, 8003, 9)));
        assertEquals(List.of(8001, 8001), picks(s, 2), "a new snapshot resets the local counts");
    }

    @Test
    void leastConnectionsSkipsPortsNobodyListensOn() {
        PortSelector s = PortSelector.of(SelectionPolicy.LEAST_CONNECTIONS, PORTS, PORTS,
                () -> load(listening(8003), Map.of(8003, 100)));
        assertEquals(List.of(8003, 8003), picks(s, 2));
        PortSelector none = PortSelector.of(SelectionPolicy.LEAST_CONNECTIONS, PORTS, PORTS, () -> load(Map.of(), Map.of()));
        assertEquals(PortSelector.NONE, none.select());
    }
}
