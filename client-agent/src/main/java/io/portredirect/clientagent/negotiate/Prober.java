package io.portredirect.clientagent.negotiate;

import java.net.InetAddress;
import java.util.concurrent.CompletableFuture;

/**
 * Runs one probe against VIP:port and completes with its outcome; never completes exceptionally.
 * The future may complete on the prober's own event thread, so its dependents must not block
 * (a connection's upstream connect is started right there: no thread hand-off on the cold path).
 */
public interface Prober {
    /**
     * @param previousPort 0, or the port being moved away from (sent as REDIRECT_OPT in the SYN)
     */
    CompletableFuture<ProbeOutcome> probe(InetAddress vip, int port, int previousPort);

    /**
     * True when {@link #probe} to {@code vip} returns without waiting (its path is known), so a
     * caller on an event loop may start it in place instead of handing it to another thread.
     */
    default boolean probesWithoutWaiting(InetAddress vip) {
        return false;
    }
}
