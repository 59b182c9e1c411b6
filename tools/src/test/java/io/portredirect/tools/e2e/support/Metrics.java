package io.portredirect.tools.e2e.support;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scrape of a Prometheus text exposition (the balancer's {@code /metrics}), parsed into
 * samples. Values are read by metric name and a subset of labels; differences between two scrapes
 * with {@link #minus}.
 */
public final class Metrics {
    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+(\\S+)(\\s+\\d+)?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** One sample line. */
    public record Sample(String name, Map<String, String> labels, double value) {
        boolean matches(String metric, Map<String, String> want) {
            if (!name.equals(metric)) {
                return false;
            }
            for (Map.Entry<String, String> e : want.entrySet()) {
                if (!e.getValue().equals(labels.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
    }

    private final String text;
    private final List<Sample> samples;

    private Metrics(String text, List<Sample> samples) {
        this.text = text;
        this.samples = List.copyOf(samples);
    }

    /** Parses exposition text; comment and blank lines are skipped, unparsable lines too. */
    public static Metrics parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            line = line.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (m.group(3) != null) {
                Matcher l = LABEL.matcher(m.group(3));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            double v;
            try {
                v = Double.parseDouble(m.group(4));
            } catch (NumberFormatException e) {
                continue;
            }
            out.add(new Sample(m.group(1), Map.copyOf(labels), v));
        }
        return new Metrics(text, out);
    }

    /** Sum of the samples of {@code metric} whose labels include {@code labels} (pairs: name, value, ...). */
    public long get(String metric, String... labels) {
        return Math.round(value(metric, labels));
    }

    /** Like {@link #get} but unrounded. */
    public double value(String metric, String... labels) {
        if (labels.length % 2 != 0) {
            throw new IllegalArgumentException("labels come in name, value pairs");
        }
        Map<String, String> want = new LinkedHashMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            want.put(labels[i], labels[i + 1]);
        }
        double sum = 0;
        for (Sample s : samples) {
            if (s.matches(metric, want)) {
                sum += s.value();
            }
        }
        return sum;
    }

    /** The balancer's packets toward a server ({@code server_packets_total{server, direction="to_server"}}). */
    public long toServer(String server) {
        return get("portredirect_balancer_server_packets_total", "server", server, "direction", "to_server");
    }

    /** The balancer's decisions by rule ({@code redirect_hash}, {@code service_port}, {@code legacy_owner}, ...). */
    public long decisions(String rule) {
        return get("portredirect_balancer_decisions_total", "rule", rule);
    }

    /** Drops by reason (all reasons when null). */
    public long drops(String reason) {
        return reason == null ? get("portredirect_balancer_drops_total") : get("portredirect_balancer_drops_total", "reason", reason);
    }

    /** This scrape minus an earlier one, sample by sample (samples missing earlier count from 0). */
    public Metrics minus(Metrics earlier) {
        List<Sample> out = new ArrayList<>();
        for (Sample s : samples) {
            double before = 0;
            for (Sample e : earlier.samples) {
                if (e.name().equals(s.name()) && e.labels().equals(s.labels())) {
                    before = e.value();
                    break;
                }
            }
            out.add(new Sample(s.name(), s.labels(), s.value() - before));
        }
        return new Metrics("(difference)", out);
    }

    public List<Sample> samples() {
        return samples;
    }

    /** The non-zero samples, one per line: for failure messages. */
    public String nonZero() {
        StringBuilder sb = new StringBuilder();
        for (Sample s : samples) {
            if (s.value() != 0) {
                sb.append(s.name()).append(s.labels().isEmpty() ? "" : s.labels().toString()).append(' ').append((long) s.value()).append('\n');
            }
        }
        return sb.toString();
    }

    /** The raw text as scraped. */
    public String text() {
        return text;
    }

    @Override
    public String toString() {
        return nonZero();
    }
}
