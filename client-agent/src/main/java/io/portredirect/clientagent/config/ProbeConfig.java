package io.portredirect.clientagent.config;

import io.portredirect.protocol.config.PortRange;

import java.time.Duration;

/**
 * How probes are sent: out of which interface, from which reserved source ports, how long to wait
 * for an answer (doubling per retry), the MSS to announce (0: the interface MTU minus 40/60), and
 * whether a retry goes out from a new source port (a new hash on the balancer, so probably another
 * server than the one that did not answer) or resends the same SYN.
 */
public record ProbeConfig(String iface, PortRange sourcePorts, Duration timeout, int retries, int mss,
                          boolean retryNewSourcePort) {
    /** Retries from a new source port. */
    public ProbeConfig(String iface, PortRange sourcePorts, Duration timeout, int retries, int mss) {
        this(iface, sourcePorts, timeout, retries, mss, true);
    }
}
