package io.portredirect.clientagent.negotiate;

/**
 * How a probe ended.
 *
 * @param port            the port to use next: the service port (REDIRECTED, CONFIRMED_HERE), the
 *                        next hop (CHAINED) or the probed port itself (NOT_SUPPORTED); 0 otherwise
 * @param malformedOption the answer carried a malformed redirect option (treated as absent)
 */
public record ProbeOutcome(Result result, int port, boolean malformedOption) {
    /** Result kinds. */
    public enum Result {
        /** SYN-ACK with REDIRECT_CONFIRM + REDIRECT_OPT=Y, Y an allowed service port. */
        REDIRECTED,
        /** SYN-ACK confirming the extension without naming another port: the probed port serves. */
        CONFIRMED_HERE,
        /** SYN-ACK with REDIRECT (no CONFIRM) + REDIRECT_OPT=Z: ask Z next (one hop of a chain). */
        CHAINED,
        /** SYN-ACK without the extension: a legacy server listens on the probed port. */
        NOT_SUPPORTED,
        /** RST answering the SYN. */
        REFUSED,
        /** ICMP destination unreachable (or time exceeded) quoting the SYN. */
        UNREACHABLE,
        /** No valid answer after every retry. */
        TIMED_OUT,
        /** The probe could not be sent (no free probe port, no route, no link address). */
        NOT_SENT
    }

    public static ProbeOutcome of(Result r, int port) {
        return new ProbeOutcome(r, port, false);
    }

    /** True when the far side answered and named the port to use. */
    public boolean negotiated() {
        return result == Result.REDIRECTED || result == Result.CONFIRMED_HERE;
    }
}
