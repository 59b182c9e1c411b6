package io.portredirect.tools.e2e.reliability;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Percentiles and the one-line figures every reliability test prints. */
final class Stats {
    private Stats() {
    }

    /** Nearest-rank percentile (p in 0..1) of nanosecond samples, in milliseconds; NaN for none. */
    static double percentileMillis(List<Long> nanos, double p) {
        if (nanos.isEmpty()) {
            return Double.NaN;
        }
        List<Long> v = new ArrayList<>(nanos);
        Collections.sort(v);
        int i = (int) Math.ceil(p * v.size()) - 1;
        return v.get(Math.max(0, Math.min(v.size() - 1, i))) / 1e6;
    }

    /** Prints one figure line, prefixed so the figures of a whole run are easy to grep. */
    static void figure(String test, String format, Object... args) {
        System.out.println("RELIABILITY " + test + ": " + String.format(Locale.ROOT, format, args));
        System.out.flush();
    }
}
