package io.portredirect.balancer.metrics;

import java.util.concurrent.atomic.LongAdder;

/** Negotiation packets (REDIRECT, rule 2) hashed over one redirect port's group. */
public final class RedirectPortCounters {
    private final int port;
    private final String protocol;
    final LongAdder negotiations = new LongAdder();

    RedirectPortCounters(int port, String protocol) {
        this.port = port;
        this.protocol = protocol;
    }

    public int port() {
        return port;
    }

    public String protocol() {
        return protocol;
    }

    public void negotiation() {
        negotiations.increment();
    }

    public long negotiations() {
        return negotiations.sum();
    }
}
