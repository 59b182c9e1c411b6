package io.portredirect.balancer.nft;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;

/**
 * Consecutive ports that map to the same value, in ascending port order: the interval elements
 * of a port map. Derived from the lookup arrays themselves (not the config's ranges), so the
 * ruleset says exactly what the Java decision reads.
 */
record PortRuns(int first, int last, int value) {
    /** Runs of {@code valueOf(port) >= 0} over ports 0..65535, ascending. */
    static List<PortRuns> of(IntUnaryOperator valueOf) {
        List<PortRuns> runs = new ArrayList<>();
        int start = -1;
        int current = -1;
        for (int port = 0; port <= 65536; port++) {
            int v = port <= 65535 ? valueOf.applyAsInt(port) : -1;
            if (v != current) {
                if (current >= 0) {
                    runs.add(new PortRuns(start, port - 1, current));
                }
                start = port;
                current = v;
            }
        }
        return runs;
    }

    /** {@code 80} or {@code 10002-10004}. */
    String ports() {
        return first == last ? Integer.toString(first) : first + "-" + last;
    }
}
