package io.portredirect.balancer.config;

/** How a packet reaches a server (DESIGN.md section 2). */
public enum ForwardingMode {
    /** Destination MAC rewritten; the server holds the VIP on loopback (direct-return capable). */
    L2,
    /** Destination IP rewritten to the server's (and source back to the VIP on return). */
    L3,
    /** Forwarded unchanged on the server's own interface (the seed's tree of external connectors). */
    RAW;

    /** The YAML spelling. */
    public String yamlName() {
        return name().toLowerCase();
    }
}
