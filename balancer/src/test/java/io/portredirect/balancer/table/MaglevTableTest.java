package io.portredirect.balancer.table;

import io.portredirect.balancer.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Properties of the weighted distribution table: spread by weight, minimal disruption, determinism. */
class MaglevTableTest {
    private static final int FLOWS = 100_000;

    /** A config with servers s0..s(n-1) of the given weights, all in redirect group 8080; group lists {@code members}. */
    static String yaml(int[] weights, List<String> members, boolean reverseServers) {
        StringBuilder sb = new StringBuilder("""
                vips: [198.18.0.10]
                network: {interface: net0, mac: "02:00:00:00:00:01", next-hop-mac: "02:00:00:00:00:fe"}
                servers:
                """);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            lines.add(String.format("  - {name: s%d, interface: s%d, mac: \"02:00:00:00:01:%02x\", mode: l2, weight: %d, service-ports: [\"%d\"]}%n",
                    i, i, i, weights[i], 20000 + i));
        }
        if (reverseServers) {
            Collections.reverse(lines);
        }
        lines.forEach(sb::append);
        sb.append("redirect-ports:\n  - {port: 8080, protocols: [tcp], group: [").append(String.join(", ", members)).append("]}\n");
        return sb.toString();
    }

    static List<String> names(int n) {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add("s" + i);
        }
        return l;
    }

    /** Server NAME per flow for {@code FLOWS} random (client IP, client port) flows to VIP:8080/tcp. */
    static String[] assign(ForwardingTables t, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] b = new byte[8];
        b[4] = (byte) 198;
        b[5] = 18;
        b[6] = 0;
        b[7] = 10;
        String[] out = new String[FLOWS];
        int slot = t.redirectSlot(0, 6, 8080);
        FlowIndex index = new FlowIndex();
        for (int i = 0; i < FLOWS; i++) {
            int client = r.nextInt();
            b[0] = (byte) (client >>> 24);
            b[1] = (byte) (client >>> 16);
            b[2] = (byte) (client >>> 8);
            b[3] = (byte) client;
            int at = index.of(b, 0, 4, 4, 1024 + r.nextInt(64512), 8080, 6, t.tableSize());
            out[i] = t.serverName(t.pickRedirect(slot, at));
        }
        return out;
    }

    @Test
    void weightsSpreadFlowsWithinFivePercentOfTheirShare() {
        int[] weights = {1, 2, 3, 4};
        ForwardingTables t = Fixtures.tables(yaml(weights, names(4), false));
        String[] a = assign(t, 42);
        int[] slots = t.redirectShares(t.redirectSlot(0, 6, 8080));
        double worstFlow = 0;
        double worstSlot = 0;
        for (int i = 0; i < weights.length; i++) {
            double expected = weights[i] / 10.0;
            String name = "s" + i;
            long n = java.util.Arrays.stream(a).filter(name::equals).count();
            double flowShare = (double) n / FLOWS;
            double slotShare = (double) slots[t.serverIndex(name)] / t.tableSize();
            worstFlow = Math.max(worstFlow, Math.abs(flowShare - expected) / expected);
            worstSlot = Math.max(worstSlot, Math.abs(slotShare - expected) / expected);
            System.out.printf("spread: %s weight %d expected %.4f table %.4f flows %.4f%n", name, weights[i], expected, slotShare, flowShare);
        }
        System.out.printf("spread: worst relative deviation, table slots %.3f%%, %d flows %.3f%%%n", 100 * worstSlot, FLOWS, 100 * worstFlow);
        assertTrue(worstSlot <= 0.01, "table slots within 1% of the weights");
        assertTrue(worstFlow <= 0.05, "flows within 5% of the weights");
    }

    @Test
    void removingOneOfTenServersMovesAtMost1point2TimesTheIdealShare() {
        int n = 10;
        int[] weights = new int[n];
        java.util.Arrays.fill(weights, 1);
        List<String> all = names(n);
        List<String> without = new ArrayList<>(all);
        without.remove("s7");
        String[] before = assign(Fixtures.tables(yaml(weights, all, false)), 7);
        String[] after = assign(Fixtures.tables(yaml(weights, without, false)), 7);
        int moved = 0;
        int movedNotFromRemoved = 0;
        for (int i = 0; i < FLOWS; i++) {
            if (!before[i].equals(after[i])) {
                moved++;
                if (!before[i].equals("s7")) {
                    movedNotFromRemoved++;
                }
            }
        }
        double disruption = (double) moved / FLOWS;
        double ideal = 1.0 / n;
        System.out.printf("disruption: removing 1 of %d servers moved %.4f of %d flows (ideal %.4f, ratio %.3f); "
                + "flows of surviving servers moved: %.4f%n", n, disruption, FLOWS, ideal, disruption / ideal, (double) movedNotFromRemoved / FLOWS);
        assertTrue(disruption <= 1.2 * ideal, "disruption " + disruption + " > 1.2 x " + ideal);
        assertTrue(disruption >= 0.8 * ideal, "the removed server's flows must move");
    }

    @Test
    void sameConfigGivesIdenticalTablesAndOrderDoesNotMatter() {
        int[] weights = {3, 1, 2, 5, 1};
        ForwardingTables one = Fixtures.tables(yaml(weights, names(5), false));
        ForwardingTables two = Fixtures.tables(yaml(weights, names(5), false));
        int slot = one.redirectSlot(0, 6, 8080);
        assertArrayEquals(one.redirectTable(slot), two.redirectTable(slot));

        List<String> shuffled = names(5);
        Collections.shuffle(shuffled, new java.util.Random(3));
        ForwardingTables reordered = Fixtures.tables(yaml(weights, shuffled, true));
        short[] x = one.redirectTable(slot);
        short[] y = reordered.redirectTable(reordered.redirectSlot(0, 6, 8080));
        assertEquals(x.length, y.length);
        for (int i = 0; i < x.length; i++) {
            assertEquals(one.serverName(x[i]), reordered.serverName(y[i]), "slot " + i);
        }
    }

    @Test
    void flowIndexIsFixedAcrossRuns() {
        // pinned values: a change here moves every negotiation on every replica, Java and nft alike
        byte[] b = {(byte) 198, 19, 1, 7, (byte) 198, 18, 0, 10};
        byte[] key = new byte[NftFlowKey.MAX_LENGTH];
        int len = NftFlowKey.write(key, 0, b, 0, 4, 4, 40000, 8080, 6);
        assertEquals(0xdf8171d2, JHash.jhash(key, 0, len, FlowIndex.SEED), Integer.toHexString(JHash.jhash(key, 0, len, FlowIndex.SEED)));
        assertEquals(57218, new FlowIndex().of(b, 0, 4, 4, 40000, 8080, 6, 65537));
    }

    @Test
    void echoFlowHashIsFixedAcrossRuns() {
        // icmp-echo: balance still uses FlowHash (see PacketProcessor#echo): a change moves every balanced ping
        byte[] b = {(byte) 198, 19, 1, 7, (byte) 198, 18, 0, 10};
        assertEquals(0x5c345f4cd61452adL, FlowHash.flow(b, 0, 4, 4, 40000, 8080, 6), Long.toHexString(FlowHash.flow(b, 0, 4, 4, 40000, 8080, 6)));
    }
}
