package io.portredirect.serveragent.select;

import io.portredirect.protocol.io.HostCommand;
import io.portredirect.protocol.io.SockDiag;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Reads socket state with {@code ss -Htan} (inet_diag over netlink, filtered in the kernel by local
 * port). For a LISTEN socket ss prints the accept-queue length as Recv-Q and the backlog as Send-Q;
 * /proc/net/tcp has the queue length but not the backlog, and lists every connection.
 */
public final class SsSocketLoadReader implements SocketLoadReader {
    @Override
    public SocketLoad read(Collection<Integer> ports) throws IOException {
        if (ports.isEmpty()) {
            return new SocketLoad(true, Map.of(), Map.of());
        }
        List<String> cmd = new ArrayList<>(List.of("ss", "-Htan"));
        boolean first = true;
        for (int p : ports) {
            if (!first) {
                cmd.add("or");
            }
            cmd.add("sport");
            cmd.add("=");
            cmd.add(":" + p);
            first = false;
        }
        return parse(HostCommand.run(cmd), ports);
    }

    /** Parses {@code ss -Htan} lines: STATE RECV-Q SEND-Q LOCAL PEER. */
    static SocketLoad parse(String out, Collection<Integer> ports) {
        SocketLoadCollector load = new SocketLoadCollector(ports);
        for (String line : out.split("\n")) {
            String[] t = line.trim().split("\\s+");
            if (t.length < 5) {
                continue;
            }
            int port = localPort(t[3]);
            if (port < 0) {
                continue;
            }
            // ss prints no address family column; the collector does not need one (it skips other ports)
            switch (t[0]) {
                case "LISTEN" -> load.socket(0, SockDiag.TCP_LISTEN, port, Integer.parseInt(t[1]), Integer.parseInt(t[2]));
                case "ESTAB" -> load.socket(0, SockDiag.TCP_ESTABLISHED, port, 0, 0);
                default -> {
                }
            }
        }
        return load.load();
    }

    private static int localPort(String addr) {
        int colon = addr.lastIndexOf(':');
        if (colon < 0) {
            return -1;
        }
        try {
            return Integer.parseInt(addr.substring(colon + 1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
