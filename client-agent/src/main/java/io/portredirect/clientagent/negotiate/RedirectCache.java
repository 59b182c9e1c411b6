package io.portredirect.clientagent.negotiate;

import io.portredirect.protocol.config.TransportProtocol;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * What the agent has learned per (protocol, VIP, redirect port): the port to connect to instead,
 * until a TTL runs out. A zero TTL disables caching. The clock is injected so tests need no
 * sleeping. Thread-safe.
 */
public final class RedirectCache {
    /** Cache key. */
    public record Key(TransportProtocol protocol, InetAddress vip, int port) {
    }

    /** Where an entry came from. */
    public enum Kind {
        /** A confirmed answer (or a mid-connection move): connect to {@code target}. */
        NEGOTIATED,
        /** The far side answered without the extension: connect plainly, skip probing. */
        LEGACY
    }

    /**
     * @param chain how many redirects led here since the last probe (0 for a probe's answer)
     */
    public record Entry(int target, Kind kind, long expiresAtNanos, int chain) {
    }

    private final long ttlNanos;
    private final LongSupplier clock;
    private final Map<Key, Entry> entries = new ConcurrentHashMap<>();

    public RedirectCache(Duration ttl, LongSupplier nanoClock) {
        this.ttlNanos = ttl.toNanos();
        this.clock = nanoClock;
    }

    public RedirectCache(Duration ttl) {
        this(ttl, System::nanoTime);
    }

    /** The fresh entry for {@code key}, or null (a stale one is dropped). */
    public Entry lookup(Key key) {
        Entry e = entries.get(key);
        if (e == null) {
            return null;
        }
        if (clock.getAsLong() - e.expiresAtNanos >= 0) {
            entries.remove(key, e);
            return null;
        }
        return e;
    }

    /** Records an answer; a no-op when the TTL is zero. */
    public void put(Key key, int target, Kind kind, int chain) {
        if (ttlNanos <= 0) {
            return;
        }
        entries.put(key, new Entry(target, kind, clock.getAsLong() + ttlNanos, chain));
    }

    /**
     * A mid-connection redirect: new connections for {@code key} go to {@code target} from now on.
     * Returns false, and forgets the key so the next connection probes afresh, when this would make
     * the chain longer than {@code maxChain}.
     */
    public boolean move(Key key, int target, int maxChain) {
        Entry old = lookup(key);
        int chain = old == null ? 1 : old.chain + 1;
        if (chain > maxChain) {
            entries.remove(key);
            return false;
        }
        if (ttlNanos > 0) {
            entries.put(key, new Entry(target, Kind.NEGOTIATED, clock.getAsLong() + ttlNanos, chain));
        }
        return true;
    }

    public void invalidate(Key key) {
        entries.remove(key);
    }

    /** Entries held, fresh or not yet swept. */
    public int size() {
        return entries.size();
    }
}
