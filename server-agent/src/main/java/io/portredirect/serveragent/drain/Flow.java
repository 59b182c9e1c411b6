package io.portredirect.serveragent.drain;

import java.net.InetSocketAddress;

/**
 * One established connection on a service port, as the kernel lists it.
 *
 * @param server      local end (VIP:service port)
 * @param client      remote end
 * @param rcvWscale   the window scale the server announced (-1 unknown)
 * @param rcvSsthresh the server's receive-window clamp in bytes (-1 unknown)
 */
public record Flow(InetSocketAddress server, InetSocketAddress client, int rcvWscale, int rcvSsthresh) {
    /**
     * The window field a segment from the server should carry: the clamp the kernel advertises,
     * scaled; 65535 when unknown.
     */
    public int windowField() {
        if (rcvWscale < 0 || rcvSsthresh < 0) {
            return 0xFFFF;
        }
        return Math.max(1, Math.min(0xFFFF, rcvSsthresh >> rcvWscale));
    }

    @Override
    public String toString() {
        return client.getAddress().getHostAddress() + ":" + client.getPort() + " -> "
                + server.getAddress().getHostAddress() + ":" + server.getPort();
    }
}
