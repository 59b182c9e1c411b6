package io.portredirect.balancer.config;

import java.net.InetAddress;
import java.time.Duration;

/**
 * A server's {@code health:} block: the balancer sends a TCP SYN to {@code port} every
 * {@code interval} (to the VIP for l2 and raw servers, which hold it; to the server's own address
 * for l3 ones) and counts a SYN-ACK within {@code timeout} as a success. {@code rise} successes in a
 * row bring a down server back, {@code fall} failures in a row take an up server out.
 *
 * @param source the probe's source address, or null: the balancer's own address on the server's
 *               interface (the server must route its answer back over that link)
 */
public record HealthCheck(int port, Duration interval, Duration timeout, int rise, int fall, InetAddress source) {
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(500);
    public static final int DEFAULT_RISE = 2;
    public static final int DEFAULT_FALL = 3;
    /**
     * Source ports of the probes (outside Linux's default ephemeral range, 32768-60999). The
     * answers come back to these ports, and the l3 and raw return paths leave them alone.
     */
    public static final int FIRST_SOURCE_PORT = 61900;
    public static final int LAST_SOURCE_PORT = 61999;
}
