package io.portredirect.tools.e2e.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * A balancer configuration as text, starting from the lab's {@code testdata/lab/balancer.yaml}
 * (VIP 198.18.0.10 / 2001:2::10; redirect ports 80/tcp and 9000/udp, group s1,s2,s3 weights
 * 1:2:1; metrics on 127.0.0.1:9100). Edits return a new value; edits that find nothing to change
 * throw, so a drifting lab file fails loudly instead of silently testing the wrong config.
 */
public final class BalancerYaml {
    private final String text;

    private BalancerYaml(String text) {
        this.text = text;
    }

    /** testdata/lab/balancer.yaml as it is in the repository. */
    public static BalancerYaml lab() {
        try {
            return new BalancerYaml(Files.readString(Jars.root().resolve("testdata/lab/balancer.yaml")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static BalancerYaml of(String text) {
        return new BalancerYaml(text);
    }

    /** Sets the {@code group:} of redirect port {@code port} (e.g. remove a server from it). */
    public BalancerYaml group(int port, String... servers) {
        return inRedirectPort(port, "group:", "group: [" + String.join(", ", servers) + "]");
    }

    /** Sets the {@code owner:} of redirect port {@code port} (legacy clients). */
    public BalancerYaml owner(int port, String server) {
        return inRedirectPort(port, "owner:", "owner: " + server);
    }

    /** Sets a server's weight. */
    public BalancerYaml weight(String server, int weight) {
        List<String> lines = new ArrayList<>(text.lines().toList());
        boolean in = false;
        for (int i = 0; i < lines.size(); i++) {
            String t = lines.get(i).trim();
            if (t.startsWith("- name:")) {
                in = t.equals("- name: " + server);
            } else if (in && t.startsWith("weight:")) {
                lines.set(i, indent(lines.get(i)) + "weight: " + weight);
                return new BalancerYaml(String.join("\n", lines) + "\n");
            }
        }
        throw new IllegalStateException("no weight for server " + server + " in:\n" + text);
    }

    /** Adds a service port ("8101", "9101/udp") to a server's {@code service-ports}. */
    public BalancerYaml addServicePort(String server, String port) {
        List<String> lines = new ArrayList<>(text.lines().toList());
        boolean in = false;
        for (int i = 0; i < lines.size(); i++) {
            String t = lines.get(i).trim();
            if (t.startsWith("- name:")) {
                in = t.equals("- name: " + server);
            } else if (in && t.startsWith("service-ports: [")) {
                String line = lines.get(i);
                int open = line.indexOf('[');
                lines.set(i, line.substring(0, open + 1) + "\"" + port + "\", " + line.substring(open + 1));
                return new BalancerYaml(String.join("\n", lines) + "\n");
            }
        }
        throw new IllegalStateException("no service-ports: [...] for server " + server + " in:\n" + text);
    }

    /** Replaces a literal piece of text (exactly once or more; at least once). */
    public BalancerYaml replace(String from, String to) {
        if (!text.contains(from)) {
            throw new IllegalStateException("'" + from + "' not found in the balancer config");
        }
        return new BalancerYaml(text.replace(from, to));
    }

    /** The metrics listen address ({@code metrics.listen}). */
    public BalancerYaml metricsListen(String hostPort) {
        List<String> lines = new ArrayList<>(text.lines().toList());
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).trim().startsWith("listen:") && i > 0 && lines.get(i - 1).trim().startsWith("metrics:")) {
                lines.set(i, indent(lines.get(i)) + "listen: " + hostPort);
                return new BalancerYaml(String.join("\n", lines) + "\n");
            }
        }
        throw new IllegalStateException("no metrics.listen in the balancer config");
    }

    private BalancerYaml inRedirectPort(int port, String key, String replacement) {
        List<String> lines = new ArrayList<>(text.lines().toList());
        boolean inRedirect = false;
        boolean inPort = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String t = line.trim();
            if (!line.startsWith(" ") && !line.startsWith("-") && !t.isEmpty() && !t.startsWith("#")) {
                inRedirect = t.startsWith("redirect-ports:");
                inPort = false;
                continue;
            }
            if (inRedirect && t.startsWith("- port:")) {
                inPort = t.equals("- port: " + port);
            } else if (inPort && t.startsWith(key)) {
                lines.set(i, indent(line) + replacement);
                return new BalancerYaml(String.join("\n", lines) + "\n");
            }
        }
        throw new IllegalStateException("no " + key + " for redirect port " + port + " in:\n" + text);
    }

    private static String indent(String line) {
        int n = 0;
        while (n < line.length() && line.charAt(n) == ' ') {
            n++;
        }
        return line.substring(0, n);
    }

    public String yaml() {
        return text;
    }

    @Override
    public String toString() {
        return text;
    }
}
