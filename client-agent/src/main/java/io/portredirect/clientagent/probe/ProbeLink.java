package io.portredirect.clientagent.probe;

import io.portredirect.protocol.packet.CraftedPacket;

import java.io.IOException;
import java.net.InetAddress;

/**
 * Where probe packets leave: resolves the route to a VIP (source address, next hop) and injects
 * IP packets built by the negotiator with the right link-layer header. An interface so the probe
 * engine runs against a fake in unit tests.
 */
public interface ProbeLink {
    /** Resolves (and caches) the path to {@code vip}; may block briefly for ARP/NDP. */
    Path prepare(InetAddress vip) throws IOException;

    /**
     * The path {@link #prepare} resolved earlier for {@code vip}, or null; never asks the kernel or
     * waits, so the probe loop may call it for any packet.
     */
    default Path cached(InetAddress vip) {
        return null;
    }

    /** Sends an IP-level packet along a path from {@link #prepare}. */
    void send(CraftedPacket packet, Path path) throws IOException;

    /** The path to one VIP: our source address and whatever the link needs to frame packets. */
    record Path(InetAddress source, byte[] srcMac, byte[] dstMac) {
    }
}
