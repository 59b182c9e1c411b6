package io.portredirect.balancer.config;

/**
 * What to do with packets the port rules cannot place (DESIGN.md section 2, rules 4-6).
 *
 * @param icmpError ICMP errors whose quote is truncated, not from a VIP, or from an unknown port
 * @param icmpEcho  ICMP echo request/reply to a VIP
 * @param echoServer the server named by {@code icmp-echo: server:NAME}, else null
 * @param fragments non-first IP fragments (no ports to look at)
 * @param icmpRedirectQuench ICMPv4 redirect (type 5) and source quench (type 4) to a VIP
 */
public record Policies(IcmpError icmpError, IcmpEcho icmpEcho, String echoServer, Fragments fragments,
                       IcmpRedirectQuench icmpRedirectQuench) {
    /** ICMP error policy: drop, or send to the default server. */
    public enum IcmpError { DROP, DEFAULT }

    /** ICMP echo policy. */
    public enum IcmpEcho {
        DROP, DEFAULT,
        /** Weighted consistent hash of (source, VIP) over all servers. */
        BALANCE,
        /** One named server. */
        SERVER
    }

    /** Non-first fragment policy. */
    public enum Fragments { DROP, DEFAULT }

    /**
     * ICMPv4 redirect and source quench policy. Both are obsolete from outside (RFC 6633 deprecates
     * source quench; a redirect from a stranger rewrites routes), so they are dropped unless asked.
     */
    public enum IcmpRedirectQuench {
        DROP,
        /** Follow the quoted packet like any other ICMP error (then {@code icmp-error}). */
        ROUTE
    }

    /** All drop: the safe default when nothing is configured. */
    public static Policies defaults() {
        return new Policies(IcmpError.DROP, IcmpEcho.DROP, null, Fragments.DROP, IcmpRedirectQuench.DROP);
    }

    @Override
    public String toString() {
        return "icmpError=" + icmpError.name().toLowerCase() + " icmpEcho="
                + (icmpEcho == IcmpEcho.SERVER ? "server:" + echoServer : icmpEcho.name().toLowerCase())
                + " fragments=" + fragments.name().toLowerCase()
                + " icmpRedirectQuench=" + icmpRedirectQuench.name().toLowerCase();
    }
}
