package io.portredirect.protocol.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Address literals as configs write them: {@code 198.18.0.10}, {@code 2001:2::10}, and
 * {@code ADDRESS:PORT} with IPv6 in brackets ({@code [2001:2::1]:80}). Never resolves a name: a
 * config must not depend on DNS.
 */
public final class HostPort {
    private HostPort() {
    }

    /** Parses {@code ADDRESS:PORT}; throws IllegalArgumentException saying what is wrong. */
    public static InetSocketAddress parse(String text) {
        String s = text.trim();
        String host;
        String port;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("'" + text + "' is not [IPv6]:PORT");
            }
            host = s.substring(1, close);
            port = s.substring(close + 2);
        } else {
            int colon = s.lastIndexOf(':');
            if (colon < 0 || s.indexOf(':') != colon) {
                throw new IllegalArgumentException("'" + text + "' is not ADDRESS:PORT (IPv6 goes in brackets: [2001:2::1]:80)");
            }
            host = s.substring(0, colon);
            port = s.substring(colon + 1);
        }
        if (!port.matches("\\d{1,5}")) {
            throw new IllegalArgumentException("'" + text + "': '" + port + "' is not a port number");
        }
        int p = Integer.parseInt(port);
        if (p < 1 || p > 65535) {
            throw new IllegalArgumentException("'" + text + "': port " + p + " is outside 1-65535");
        }
        return new InetSocketAddress(literal(host), p);
    }

    /** A literal IPv4 or IPv6 address; throws IllegalArgumentException for names and malformed text. */
    public static InetAddress literal(String text) {
        InetAddress a = literalOrNull(text);
        if (a == null) {
            throw new IllegalArgumentException("'" + text.trim() + "' is not an IPv4 or IPv6 address literal");
        }
        return a;
    }

    /** Like {@link #literal}, but null when the text is not an address literal. */
    public static InetAddress literalOrNull(String text) {
        String h = text.trim();
        boolean v4 = h.matches("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
        boolean v6 = h.contains(":") && h.matches("[0-9A-Fa-f:.]+");
        if (!v4 && !v6) {
            return null;
        }
        try {
            return InetAddress.getByName(h);
        } catch (UnknownHostException | SecurityException e) {
            return null;
        }
    }

    /** {@code 198.18.0.10:80} or {@code [2001:2::1]:80}. */
    public static String format(InetSocketAddress a) {
        String h = a.getAddress().getHostAddress();
        return (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort();
    }
}
