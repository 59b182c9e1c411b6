package io.portredirect.balancer.config;

import io.portredirect.protocol.config.ConfigMapping;

/** {@code table}: the size of the weighted distribution tables, a prime well above the server count. */
final class TableSection {
    static final int DEFAULT_TABLE_SIZE = 65537;
    static final int MIN_TABLE_SIZE = 101;
    /** Largest prime below 2^24: tables stay well inside the CPU caches' reach and short[] sized. */
    static final int MAX_TABLE_SIZE = 16777213;

    private TableSection() {
    }

    static int read(ConfigMapping root, int servers) {
        ConfigMapping t = root.mapping("table");
        if (t == null) {
            return DEFAULT_TABLE_SIZE;
        }
        t.keys("size");
        int size = t.integer("size", MIN_TABLE_SIZE, MAX_TABLE_SIZE, DEFAULT_TABLE_SIZE);
        if (!isPrime(size)) {
            t.problem("size", size + " is not prime (the permutation needs a prime size; e.g. 65537, 131071, 655373)");
        } else if (size < 10L * servers) {
            t.problem("size", size + " is too small for " + servers + " servers (use at least 10x, better 100x the server count)");
        }
        return size;
    }

    static boolean isPrime(int n) {
        if (n < 2) {
            return false;
        }
        for (int d = 2; (long) d * d <= n; d++) {
            if (n % d == 0) {
                return false;
            }
        }
        return true;
    }
}
