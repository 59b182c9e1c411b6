package io.portredirect.balancer.decide;

/** Which rule of the decision (DESIGN.md section 2) produced a verdict. */
public enum Rule {
    /** Dropped before any rule: not IP, malformed, not to a VIP. */
    NONE,
    /** Rule 1: destination port is a service port. */
    SERVICE_PORT,
    /** Rule 2: redirect port with REDIRECT, weighted consistent hash over the group. */
    REDIRECT_HASH,
    /** Rule 3: redirect port without REDIRECT, to its owner. */
    LEGACY_OWNER,
    /** Rule 3: redirect port without REDIRECT, no owner, to the default server. */
    LEGACY_DEFAULT,
    /** Rule 4: ICMP error quoting a service port. */
    ICMP_ERROR_SERVICE_PORT,
    /** Rule 4: ICMP error quoting a redirect port, same hash as rule 2. */
    ICMP_ERROR_REDIRECT_HASH,
    /** Rule 4: ICMP error the quote cannot place; the icmpError policy decided. */
    ICMP_ERROR_POLICY,
    /** Rule 5: ICMP echo; the icmpEcho policy decided. */
    ICMP_ECHO_POLICY,
    /** Rule 6: non-first fragment; the fragments policy decided. */
    FRAGMENT_POLICY,
    /** Rule 7: nothing matched; default server (or drop). */
    DEFAULT,
    /** Server side: rewritten and sent to the network. */
    RETURN,
    /** Server side: not ours, left to the kernel. */
    PASS;

    private static final Rule[] VALUES = values();

    public static Rule of(int ordinal) {
        return VALUES[ordinal];
    }
}
