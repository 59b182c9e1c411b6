package io.portredirect.protocol.config;

/** An inclusive range of TCP/UDP ports, written {@code 61000-61099} or a single {@code 8080}. */
public record PortRange(int first, int last) {
    public PortRange {
        if (first < 1 || last > 65535 || first > last) {
            throw new IllegalArgumentException("port range must satisfy 1 <= first <= last <= 65535: " + first + "-" + last);
        }
    }

    public static PortRange of(int port) {
        return new PortRange(port, port);
    }

    /** Parses {@code A-B} or {@code A}; throws IllegalArgumentException saying what is wrong. */
    public static PortRange parse(String text) {
        String s = text.trim();
        if (!s.matches("\\d{1,5}(\\s*-\\s*\\d{1,5})?")) {
            throw new IllegalArgumentException("'" + text + "' is not a port or a port range (expected e.g. 8080 or 61000-61099)");
        }
        int dash = s.indexOf('-');
        int first = Integer.parseInt((dash < 0 ? s : s.substring(0, dash)).trim());
        int last = dash < 0 ? first : Integer.parseInt(s.substring(dash + 1).trim());
        if (first < 1 || first > 65535 || last < 1 || last > 65535) {
            throw new IllegalArgumentException("'" + text + "': ports are 1-65535");
        }
        if (first > last) {
            throw new IllegalArgumentException("'" + text + "': range start above its end");
        }
        return new PortRange(first, last);
    }

    public boolean contains(int port) {
        return port >= first && port <= last;
    }

    public int size() {
        return last - first + 1;
    }

    public boolean overlaps(PortRange o) {
        return first <= o.last && o.first <= last;
    }

    @Override
    public String toString() {
        return first == last ? Integer.toString(first) : first + "-" + last;
    }
}
