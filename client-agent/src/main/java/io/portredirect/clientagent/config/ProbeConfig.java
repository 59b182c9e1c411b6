package io.portredirect.clientagent.config;

import io.portredirect.protocol.config.PortRange;

import java.time.Duration;

/**
 * How probes are sent: out of which interface, from which reserved source ports, how long to wait
 * for an answer (doubling per retry) and the MSS to announce (0: the interface MTU minus 40/60).
 */
public record ProbeConfig(String iface, PortRange sourcePorts, Duration timeout, int retries, int mss) {
}
