package io.portredirect.protocol.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict parser of the Prometheus text format 0.0.4 for tests: every line must be a
 * {@code # HELP}, a {@code # TYPE} or a sample of the family declared just before it; label values
 * are unescaped; anything else throws. Shared by the three programs' endpoint tests (test-jar).
 */
public final class PrometheusTextParser {
    /** One sample; labels in the order they were written. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    /** A parsed exposition: types by family name and every sample in order. */
    public record Exposition(Map<String, String> types, Map<String, String> help, List<Sample> samples) {
        /** The value of the sample with exactly these labels (pairs: name, value, ...). */
        public double value(String name, String... labels) {
            Map<String, String> want = new HashMap<>();
            for (int i = 0; i < labels.length; i += 2) {
                want.put(labels[i], labels[i + 1]);
            }
            for (Sample s : samples) {
                if (s.name().equals(name) && s.labels().equals(want)) {
                    return s.value();
                }
            }
            throw new AssertionError("no sample " + name + want + " in " + samples);
        }
    }

    private PrometheusTextParser() {
    }

    public static Exposition parse(String text) {
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new IllegalArgumentException("exposition must end with a newline");
        }
        Map<String, String> types = new LinkedHashMap<>();
        Map<String, String> help = new LinkedHashMap<>();
        List<Sample> samples = new ArrayList<>();
        String family = null;
        int n = 0;
        for (String line : text.split("\n", -1)) {
            n++;
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("# HELP ")) {
                String[] p = line.substring(7).split(" ", 2);
                family = name(p[0], n);
                if (help.put(family, p.length > 1 ? p[1] : "") != null) {
                    throw new IllegalArgumentException("line " + n + ": second HELP for " + family);
                }
            } else if (line.startsWith("# TYPE ")) {
                String[] p = line.substring(7).split(" ");
                if (p.length != 2 || !List.of("counter", "gauge", "untyped", "summary", "histogram").contains(p[1])) {
                    throw new IllegalArgumentException("line " + n + ": bad TYPE: " + line);
                }
                family = name(p[0], n);
                if (types.put(family, p[1]) != null) {
                    throw new IllegalArgumentException("line " + n + ": second TYPE for " + family);
                }
            } else if (line.startsWith("#")) {
                throw new IllegalArgumentException("line " + n + ": unexpected comment: " + line);
            } else {
                Sample s = sample(line, n);
                if (!s.name().equals(family)) {
                    throw new IllegalArgumentException("line " + n + ": sample " + s.name() + " outside its family " + family);
                }
                samples.add(s);
            }
        }
        return new Exposition(types, help, samples);
    }

    private static Sample sample(String line, int n) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = name(line.substring(0, i), n);
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf("=\"", i);
                if (eq < 0) {
                    throw new IllegalArgumentException("line " + n + ": bad label in " + line);
                }
                String label = line.substring(i, eq);
                if (!label.matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
                    throw new IllegalArgumentException("line " + n + ": bad label name " + label);
                }
                StringBuilder v = new StringBuilder();
                int j = eq + 2;
                for (; line.charAt(j) != '"'; j++) {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char e = line.charAt(++j);
                        v.append(switch (e) {
                            case 'n' -> '\n';
                            case '\\' -> '\\';
                            case '"' -> '"';
                            default -> throw new IllegalArgumentException("line " + n + ": bad escape \\" + e);
                        });
                    } else {
                        v.append(c);
                    }
                }
                if (labels.put(label, v.toString()) != null) {
                    throw new IllegalArgumentException("line " + n + ": repeated label " + label);
                }
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                } else if (line.charAt(i) != '}') {
                    throw new IllegalArgumentException("line " + n + ": expected , or } in " + line);
                }
            }
            i++;
        }
        if (i >= line.length() || line.charAt(i) != ' ') {
            throw new IllegalArgumentException("line " + n + ": no value in " + line);
        }
        String value = line.substring(i + 1);
        double v = switch (value) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(value);
        };
        return new Sample(name, labels, v);
    }

    private static String name(String s, int n) {
        if (!s.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
            throw new IllegalArgumentException("line " + n + ": bad metric name '" + s + "'");
        }
        return s;
    }
}
