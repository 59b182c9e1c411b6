package io.portredirect.balancer.table;

import java.util.Arrays;
import java.util.Comparator;

/**
 * The weighted packet distribution table (seed 004's PDT) filled Maglev-style (Eisenbud et al.,
 * NSDI 2016): each server walks its own permutation of the prime-sized table, claiming the next
 * free slot in turn, so removing a server moves little more than that server's own slots. Weights
 * are entry frequencies: per round a server claims {@code weight / maxWeight} slots on average
 * (credits carry over), so shares follow the weights. The permutation comes from two hashes of the
 * server NAME and members are filled in name order, so the table depends on the configuration
 * alone: same config, same table, on every replica.
 */
public final class MaglevTable {
    private MaglevTable() {
    }

    /** One member: its name (hashed), its weight and the value stored in its slots. */
    public record Member(String name, int weight, short id) {
        public Member {
            if (weight <= 0) {
                throw new IllegalArgumentException("weight must be positive: " + name);
            }
        }
    }

    /** Builds a table of prime {@code size} over {@code members} (at least one). */
    public static short[] build(Member[] members, int size) {
        if (members.length == 0) {
            throw new IllegalArgumentException("no members");
        }
        Member[] m = members.clone();
        Arrays.sort(m, Comparator.comparing(Member::name));
        int n = m.length;
        long[] offset = new long[n];
        long[] skip = new long[n];
        long[] next = new long[n];
        long[] credit = new long[n];
        int maxWeight = 0;
        for (int i = 0; i < n; i++) {
            offset[i] = Long.remainderUnsigned(FlowHash.name(m[i].name(), FlowHash.OFFSET_SEED), size);
            skip[i] = Long.remainderUnsigned(FlowHash.name(m[i].name(), FlowHash.SKIP_SEED), size - 1) + 1;
            maxWeight = Math.max(maxWeight, m[i].weight());
        }
        short[] table = new short[size];
        Arrays.fill(table, (short) -1);
        int filled = 0;
        while (true) {
            for (int i = 0; i < n; i++) {
                credit[i] += m[i].weight();
                while (credit[i] >= maxWeight) {
                    credit[i] -= maxWeight;
                    int slot;
                    do {
                        slot = (int) ((offset[i] + next[i] * skip[i]) % size);
                        next[i]++;
                    } while (table[slot] >= 0);
                    table[slot] = m[i].id();
                    if (++filled == size) {
                        return table;
                    }
                }
            }
        }
    }

    /** The member id for a flow hash. */
    public static int lookup(short[] table, long hash) {
        return table[FlowHash.index(hash, table.length)];
    }

    /** Slots per member id (for summaries and tests). */
    public static int[] shares(short[] table, int ids) {
        int[] c = new int[ids];
        for (short s : table) {
            c[s]++;
        }
        return c;
    }
}
