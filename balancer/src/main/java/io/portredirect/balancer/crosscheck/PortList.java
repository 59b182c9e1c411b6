package io.portredirect.balancer.crosscheck;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;

/** Ports written compactly for a finding: {@code 5201-5203, 7001, 9001-9003}. */
final class PortList {
    private PortList() {
    }

    static String compact(SortedSet<Integer> ports) {
        List<String> parts = new ArrayList<>();
        int first = -1;
        int last = -1;
        for (int p : ports) {
            if (first >= 0 && p == last + 1) {
                last = p;
                continue;
            }
            if (first >= 0) {
                parts.add(range(first, last));
            }
            first = p;
            last = p;
        }
        if (first >= 0) {
            parts.add(range(first, last));
        }
        return String.join(", ", parts);
    }

    private static String range(int first, int last) {
        return first == last ? Integer.toString(first) : first + "-" + last;
    }
}
