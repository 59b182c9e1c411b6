package io.portredirect.serveragent.drain;

import io.portredirect.protocol.io.Neighbors;
import io.portredirect.protocol.io.RawPort;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpView;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * One-shot drain: tells the client of every established flow on the given service ports to move
 * new work to port Z, without touching the flows themselves.
 *
 * <p>The sequence numbers come from the flow: the capture takes the next segment the client sends
 * on it. An idle flow sends nothing, so each flow is also probed with an ACK whose sequence number
 * is (almost surely) outside the client's window; RFC 9293 makes the client answer that with an
 * ACK carrying its current SND.NXT and RCV.NXT (Linux: at most one per 500 ms per socket, hence
 * the probe interval). The answer also reaches the server's kernel, which takes it as a duplicate
 * ACK and ignores it. Then {@link DrainSegment} is sent.
 */
public final class Drainer {
    /** Spacing of probes to one flow: above Linux's tcp_invalid_ratelimit (500 ms). */
    static final long PROBE_INTERVAL_MILLIS = 700;

    /** Outcome: flows found, flows told to move, flows not reached before the timeout. */
    public record Result(int to, List<Flow> flows, List<Flow> drained, List<Flow> missed) {
    }

    private Drainer() {
    }

    public static Result drain(String ifName, Collection<Integer> ports, Collection<InetAddress> vips, int z,
                               Duration timeout, Consumer<String> log) throws IOException {
        List<Flow> flows = EstablishedFlows.list(ports, vips).stream()
                .filter(f -> f.server().getPort() != z).toList();
        if (flows.isEmpty()) {
            return new Result(z, flows, List.of(), List.of());
        }
        Map<String, Flow> pending = new ConcurrentHashMap<>();
        for (Flow f : flows) {
            pending.put(key(f.client(), f.server()), f);
        }
        List<Flow> drained = Collections.synchronizedList(new ArrayList<>());
        Neighbors neighbors = new Neighbors(Duration.ofSeconds(30));
        Map<InetAddress, byte[]> nextHopMac = new ConcurrentHashMap<>();
        String filter = "tcp and dst port (" + ports.stream().map(String::valueOf).collect(Collectors.joining(" or ")) + ")"
                + (vips.isEmpty() ? "" : " and dst host (" + vips.stream().map(InetAddress::getHostAddress)
                .collect(Collectors.joining(" or ")) + ")");
        try (RawPort port = RawPort.open(ifName, filter, RawPort.Direction.IN)) {
            ParsedPacket parsed = new ParsedPacket();
            port.start((frame, length) -> {
                ParsedPacket p = port.parse(frame, length, parsed);
                if (!p.ok() || !p.isTcp()) {
                    return;
                }
                InetSocketAddress client = endpoint(p.buffer(), p.srcAddrOffset(), p.addrLength(), p.srcPort());
                InetSocketAddress server = endpoint(p.buffer(), p.dstAddrOffset(), p.addrLength(), p.dstPort());
                Flow f = pending.get(key(client, server));
                if (f == null) {
                    return;
                }
                byte[] out = DrainSegment.build(p, z, f.windowField(), port.mac(), nextHopMac.get(client.getAddress()));
                if (out == null) {
                    return;
                }
                try {
                    port.send(out);
                    if (pending.remove(key(client, server)) != null) {
                        drained.add(f);
                    }
                } catch (IOException e) {
                    log.accept("cannot send on " + ifName + ": " + e.getMessage());
                }
            });
            Random random = new SecureRandom();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!pending.isEmpty() && System.nanoTime() < deadline) {
                for (Flow f : List.copyOf(pending.values())) {
                    probe(port, f, neighbors, nextHopMac, random, log);
                }
                long waitUntil = Math.min(deadline, System.nanoTime() + PROBE_INTERVAL_MILLIS * 1_000_000L);
                while (!pending.isEmpty() && System.nanoTime() < waitUntil) {
                    sleep(10);
                }
            }
        }
        List<Flow> missed = flows.stream().filter(f -> pending.containsKey(key(f.client(), f.server()))).toList();
        return new Result(z, flows, List.copyOf(drained), missed);
    }

    private static void probe(RawPort port, Flow f, Neighbors neighbors, Map<InetAddress, byte[]> macs, Random random,
                              Consumer<String> log) {
        InetAddress client = f.client().getAddress();
        byte[] mac = macs.get(client);
        if (mac == null && port.linkType() == RawPort.LinkType.ETHERNET) {
            try {
                mac = neighbors.resolve(client, Duration.ofSeconds(1)).mac();
            } catch (IOException e) {
                log.accept("no next hop for " + client.getHostAddress() + " (" + e.getMessage() + "): waiting for its traffic");
            }
            if (mac == null) {
                return;
            }
            macs.put(client, mac);
        }
        CraftedPacket.Builder b = CraftedPacket.builder()
                .src(f.server().getAddress(), f.server().getPort())
                .dst(client, f.client().getPort())
                .tcp(TcpView.ACK).seq(random.nextInt() & 0xFFFFFFFFL).ack(random.nextInt() & 0xFFFFFFFFL)
                .window(f.windowField());
        if (mac != null) {
            b.ethernet(port.mac(), mac);
        }
        try {
            port.send(b.build().encode());
        } catch (IOException e) {
            log.accept("probe to " + f + " failed: " + e.getMessage());
        }
    }

    private static String key(InetSocketAddress client, InetSocketAddress server) {
        return client.getAddress().getHostAddress() + "|" + client.getPort() + "|" + server.getAddress().getHostAddress() + "|" + server.getPort();
    }

    private static InetSocketAddress endpoint(byte[] b, int off, int len, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, off, off + len)), port);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
