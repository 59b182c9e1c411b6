package io.portredirect.tools.craft;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An address literal and a port as typed on a command line: {@code 198.18.0.1:80},
 * {@code [2001:2::1]:80}, or an address alone (port 0) where no port is needed (ICMP). Host names
 * are refused: a packet tool must not depend on DNS.
 */
public record Endpoint(InetAddress address, int port) {
    private static final Pattern V4 = Pattern.compile("(\\d{1,3}(?:\\.\\d{1,3}){3})(?::(\\d+))?");
    private static final Pattern V6_BRACKETS = Pattern.compile("\\[([0-9A-Fa-f:.]+)](?::(\\d+))?");
    private static final Pattern V6_BARE = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    /** Parses ADDR[:PORT]; throws IllegalArgumentException with a one-line reason. */
    public static Endpoint parse(String s) {
        String t = s.trim();
        Matcher m = V4.matcher(t);
        if (m.matches()) {
            for (String octet : m.group(1).split("\\.")) {
                if (Integer.parseInt(octet) > 255) {
                    throw new IllegalArgumentException("not an IPv4 address: " + m.group(1));
                }
            }
            return new Endpoint(literal(m.group(1)), port(m.group(2), s));
        }
        m = V6_BRACKETS.matcher(t);
        if (m.matches()) {
            return new Endpoint(v6(m.group(1)), port(m.group(2), s));
        }
        if (V6_BARE.matcher(t).matches()) {
            return new Endpoint(v6(t), 0);
        }
        throw new IllegalArgumentException("expected ADDR:PORT with an IPv4 address or [IPv6]:PORT, got '" + s + "'");
    }

    private static InetAddress v6(String s) {
        InetAddress a = literal(s);
        if (!(a instanceof Inet6Address)) {
            throw new IllegalArgumentException("not an IPv6 address: " + s);
        }
        return a;
    }

    private static InetAddress literal(String s) {
        try {
            // only literals reach here (checked by the patterns above), so no name lookup happens
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + s);
        }
    }

    private static int port(String digits, String whole) {
        if (digits == null) {
            return 0;
        }
        int p;
        try {
            p = Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            p = -1;
        }
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("port out of range 0-65535 in '" + whole + "'");
        }
        return p;
    }

    /** True for an IPv6 address. */
    public boolean isIpv6() {
        return address instanceof Inet6Address;
    }

    @Override
    public String toString() {
        return isIpv6() ? "[" + address.getHostAddress() + "]:" + port : address.getHostAddress() + ":" + port;
    }
}
