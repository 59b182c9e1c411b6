package io.portredirect.clientagent.negotiate;

/** Why a packet addressed to a probe did not change its state. Each is counted. */
public enum IgnoreReason {
    /** Not from VIP:port of the probe, or not to our address. */
    WRONG_SOURCE,
    /** A SYN-ACK or RST whose acknowledgment number is not our ISN + 1. */
    WRONG_ACK,
    /** A REDIRECT_OPT outside the VIP's allowed service ports (or a chain to a port that is neither). */
    PORT_OUT_OF_RANGE,
    /** Flags that mean nothing to a probe in SYN-SENT (bare ACK, data, FIN, SYN). */
    UNEXPECTED_FLAGS,
    /** An ICMP error that is not fatal to a connection attempt (e.g. fragmentation needed). */
    SOFT_ICMP,
    /** Anything after the probe is finished. */
    FINISHED
}
