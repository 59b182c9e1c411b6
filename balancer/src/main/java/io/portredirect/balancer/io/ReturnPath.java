package io.portredirect.balancer.io;

/** Which server-side interfaces the balancer reads return traffic from. */
public enum ReturnPath {
    /**
     * Interfaces with an l3 or raw server: their replies need the balancer (source rewritten back
     * to the VIP, or forwarded unchanged). l2 servers answer from the VIP and their replies go
     * straight back through the host's routing (direct return), unread.
     */
    AUTO,
    /** Every server interface: the balancer returns l2 replies too (the kernel must not forward them). */
    ALL,
    /** None: every reply goes back by the host's routing. */
    NONE
}
