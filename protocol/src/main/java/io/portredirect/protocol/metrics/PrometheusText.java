package io.portredirect.protocol.metrics;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Label;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Prometheus text format 0.0.4 of a {@link MetricRegistry}'s snapshot. The client's own writer
 * sorts labels and prints every value as a double ({@code 5.0}, {@code 1.2E10}); the lab scripts
 * match sample lines literally and do shell arithmetic on values, so this writer keeps the declared
 * label order and the registration order of metrics, and prints integral values as integers. Escaping follows the format: backslash,
 * double quote and newline in label values; backslash and newline in help.
 */
public final class PrometheusText {
    /** The content type of the exposition. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private PrometheusText() {
    }

    static String write(MetricRegistry metrics) {
        StringBuilder out = new StringBuilder(8192);
        List<MetricSnapshot> snapshots = new ArrayList<>();
        metrics.prometheus().scrape().forEach(snapshots::add);
        snapshots.sort(Comparator.comparingInt(s -> metrics.registrationIndex(exposedName(s))));
        for (MetricSnapshot s : snapshots) {
            String type;
            String name = s.getMetadata().getPrometheusName();
            if (s instanceof CounterSnapshot) {
                type = "counter";
                name = name + "_total";
            } else if (s instanceof GaugeSnapshot) {
                type = "gauge";
            } else if (s instanceof InfoSnapshot) {
                // format 0.0.4 has no info type: a gauge of 1, as the client's own writer does
                type = "gauge";
                name = name + "_info";
            } else {
                throw new IllegalStateException("only counters, gauges and info metrics are exposed: " + name);
            }
            out.append("# HELP ").append(name).append(' ');
            escape(out, s.getMetadata().getHelp() == null ? "" : s.getMetadata().getHelp(), false);
            out.append("\n# TYPE ").append(name).append(' ').append(type).append('\n');
            List<String> order = metrics.labelOrder(name);
            for (DataPointSnapshot p : s.getDataPoints()) {
                double v = p instanceof CounterSnapshot.CounterDataPointSnapshot c ? c.getValue()
                        : p instanceof GaugeSnapshot.GaugeDataPointSnapshot g ? g.getValue() : 1;
                out.append(name);
                labels(out, ordered(p.getLabels(), order));
                out.append(' ');
                value(out, v);
                out.append('\n');
            }
        }
        return out.toString();
    }

    private static String exposedName(MetricSnapshot s) {
        String name = s.getMetadata().getPrometheusName();
        return s instanceof CounterSnapshot ? name + "_total" : s instanceof InfoSnapshot ? name + "_info" : name;
    }

    private static List<Label> ordered(Labels labels, List<String> order) {
        List<Label> out = new ArrayList<>(labels.size());
        for (String n : order) {
            if (labels.contains(n)) {
                out.add(new Label(n, labels.get(n)));
            }
        }
        for (Label l : labels) {
            if (!order.contains(l.getName())) {
                out.add(l);
            }
        }
        return out;
    }

    private static void labels(StringBuilder out, List<Label> labels) {
        if (labels.isEmpty()) {
            return;
        }
        out.append('{');
        for (int i = 0; i < labels.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(labels.get(i).getName()).append("=\"");
            escape(out, labels.get(i).getValue(), true);
            out.append('"');
        }
        out.append('}');
    }

    static void value(StringBuilder out, double v) {
        if (Double.isNaN(v)) {
            out.append("NaN");
        } else if (Double.isInfinite(v)) {
            out.append(v > 0 ? "+Inf" : "-Inf");
        } else if (v == Math.rint(v) && Math.abs(v) < 0x1p63) {
            out.append((long) v);
        } else {
            out.append(v);
        }
    }

    private static void escape(StringBuilder out, String s, boolean quote) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '"' -> out.append(quote ? "\\\"" : "\"");
                default -> out.append(c);
            }
        }
    }
}
