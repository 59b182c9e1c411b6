package io.portredirect.balancer.config;

import java.util.HashMap;
import java.util.Map;

/**
 * Who claimed each (protocol, port): service ports must be unique across servers and distinct from
 * redirect ports, and a message about a clash names the first claim's key and line.
 */
final class PortClaims {
    /** One claim: what it is ("service port of server s1"), its key path and line. */
    record Claim(String what, String key, int line) {
    }

    private final Map<String, Claim> claims = new HashMap<>();

    /** Claims {@code protocol/port}; returns the earlier claim when there is one (and keeps it). */
    Claim claim(TransportProtocol p, int port, Claim c) {
        return claims.putIfAbsent(p.yamlName() + "/" + port, c);
    }

    Claim get(TransportProtocol p, int port) {
        return claims.get(p.yamlName() + "/" + port);
    }
}
