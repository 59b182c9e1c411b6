package io.portredirect.clientagent.negotiate;

/**
 * Where a new connection to VIP:redirect-port should really go.
 *
 * @param port the port to open the kernel connection to (0 for {@link Kind#REFUSED})
 */
public record Resolution(Kind kind, int port) {
    /** How the port was found. */
    public enum Kind {
        /** From a fresh cache entry, no probe. */
        CACHED,
        /** From a probe answered with the extension. */
        NEGOTIATED,
        /** Negotiation failed or the far side is legacy: plain VIP:redirect-port. */
        FALLBACK,
        /** Negotiation failed and the policy is 'fail': do not connect. */
        REFUSED
    }

    public boolean connects() {
        return kind != Kind.REFUSED;
    }
}
