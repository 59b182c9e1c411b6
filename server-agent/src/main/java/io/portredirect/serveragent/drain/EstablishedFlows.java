package io.portredirect.serveragent.drain;

import io.portredirect.protocol.io.HostCommand;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Lists established TCP connections on local ports with {@code ss -Htni state established}. */
public final class EstablishedFlows {
    private EstablishedFlows() {
    }

    /** Established flows whose local port is in {@code ports} and, when {@code vips} is not empty, whose local address is one. */
    public static List<Flow> list(Collection<Integer> ports, Collection<InetAddress> vips) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ss", "-Htni", "state", "established"));
        boolean first = true;
        for (int p : ports) {
            if (!first) {
                cmd.add("or");
            }
            cmd.addAll(List.of("sport", "=", ":" + p));
            first = false;
        }
        return parse(HostCommand.run(cmd), ports, vips);
    }

    /**
     * Parses ss output: a line {@code RECV-Q SEND-Q LOCAL PEER} per connection, followed by an
     * indented line of TCP info ({@code wscale:S,R ... rcv_ssthresh:N}).
     */
    static List<Flow> parse(String out, Collection<Integer> ports, Collection<InetAddress> vips) {
        List<Flow> flows = new ArrayList<>();
        InetSocketAddress local = null;
        InetSocketAddress peer = null;
        for (String line : out.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            boolean info = Character.isWhitespace(line.charAt(0));
            String[] t = line.trim().split("\\s+");
            if (!info) {
                add(flows, local, peer, -1, -1, ports, vips);
                local = null;
                peer = null;
                if (t.length >= 4) {
                    local = endpoint(t[2]);
                    peer = endpoint(t[3]);
                }
                continue;
            }
            int wscale = -1;
            int ssthresh = -1;
            for (String f : t) {
                if (f.startsWith("wscale:")) {
                    String[] w = f.substring(7).split(",");
                    wscale = w.length == 2 ? parseInt(w[1]) : -1;
                } else if (f.startsWith("rcv_ssthresh:")) {
                    ssthresh = parseInt(f.substring(13));
                }
            }
            add(flows, local, peer, wscale, ssthresh, ports, vips);
            local = null;
            peer = null;
        }
        add(flows, local, peer, -1, -1, ports, vips);
        return flows;
    }

    private static void add(List<Flow> flows, InetSocketAddress local, InetSocketAddress peer, int wscale, int ssthresh,
                            Collection<Integer> ports, Collection<InetAddress> vips) {
        if (local == null || peer == null || !ports.contains(local.getPort())) {
            return;
        }
        if (!vips.isEmpty() && !vips.contains(local.getAddress())) {
            return;
        }
        flows.add(new Flow(local, peer, wscale, ssthresh));
    }

    private static int parseInt(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Parses {@code a.b.c.d:p}, {@code [v6]:p}, {@code [::ffff:a.b.c.d]:p} (mapped: returned as IPv4), {@code v6%dev:p}. */
    static InetSocketAddress endpoint(String s) {
        int colon = s.lastIndexOf(':');
        if (colon <= 0) {
            return null;
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int pct = host.indexOf('%');
        if (pct >= 0) {
            host = host.substring(0, pct);
        }
        if (host.equals("*") || !host.matches("[0-9a-fA-F:.]+")) {
            return null;
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), Integer.parseInt(s.substring(colon + 1)));
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }
}
