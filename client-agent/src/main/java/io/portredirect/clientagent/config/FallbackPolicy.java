package io.portredirect.clientagent.config;

/** What a connection does when negotiation does not produce a service port. */
public enum FallbackPolicy {
    /** Connect plainly to VIP:redirect-port, as a client without the extension would. */
    PLAIN,
    /** Refuse the application connection (close it) instead of connecting plainly. */
    FAIL
}
