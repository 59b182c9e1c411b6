package io.portredirect.clientagent.probe;

import io.portredirect.clientagent.host.KernelNextHops;
import io.portredirect.protocol.io.Neighbors;
import io.portredirect.protocol.io.RawPort;
import io.portredirect.protocol.packet.CraftedPacket;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;

/**
 * {@link ProbeLink} over a {@link RawPort}: Ethernet frames addressed with the kernel's neighbour
 * entry, read over netlink ({@link KernelNextHops}: no process is started, the cache is bounded).
 */
public final class RawProbeLink implements ProbeLink {
    private static final Duration RESOLVE_TIMEOUT = Duration.ofSeconds(1);

    private final RawPort port;
    private final KernelNextHops neighbors;

    public RawProbeLink(RawPort port, KernelNextHops neighbors) {
        this.port = port;
        this.neighbors = neighbors;
    }

    @Override
    public Path prepare(InetAddress vip) throws IOException {
        return path(vip, neighbors.resolve(vip, RESOLVE_TIMEOUT));
    }

    @Override
    public Path cached(InetAddress vip) {
        Neighbors.NextHop hop = neighbors.cached(vip);
        try {
            return hop == null ? null : path(vip, hop);
        } catch (IOException e) {
            return null;
        }
    }

    private Path path(InetAddress vip, Neighbors.NextHop hop) throws IOException {
        if (!hop.device().equals(port.interfaceName())) {
            throw new IOException("the route to " + vip.getHostAddress() + " leaves by " + hop.device()
                    + ", not the probe interface " + port.interfaceName());
        }
        if (hop.source() == null) {
            throw new IOException("the route to " + vip.getHostAddress() + " names no source address");
        }
        if (port.linkType() == RawPort.LinkType.RAW) {
            return new Path(hop.source(), null, null);
        }
        if (hop.mac() == null) {
            throw new IOException("no link address for the next hop to " + vip.getHostAddress());
        }
        return new Path(hop.source(), port.mac(), hop.mac());
    }

    @Override
    public void send(CraftedPacket packet, Path path) throws IOException {
        CraftedPacket framed = path.srcMac() == null ? packet : packet.toBuilder().ethernet(path.srcMac(), path.dstMac()).build();
        try {
            port.send(framed.encode());
        } catch (IOException e) {
            neighbors.invalidate(packet.dst());
            throw e;
        }
    }
}
