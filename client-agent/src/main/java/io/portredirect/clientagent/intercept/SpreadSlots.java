package io.portredirect.clientagent.intercept;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which slot of which intercepted destination to probe next, and what the kernel's negotiated map
 * should hold. Pure bookkeeping on an injected clock; one thread calls it.
 *
 * <pre>
 *   EMPTY    --due--------------------------------> PROBING
 *   PROBING  --filled(port)-----------------------> FRESH (fresh for ttl)
 *   PROBING  --failed-----------------------------> EMPTY, probed again after retry (doubled per
 *                                                   failure in a row, at most ttl), or still FRESH
 *                                                   with its old port until that runs out, probed
 *                                                   again after retry
 *   FRESH    --due when less than refresh left----> PROBING (the old port stays in the kernel
 *                                                   meanwhile: the warm path never waits)
 *   FRESH    --ttl over---------------------------> EMPTY (gone from the kernel by its timeout)
 * </pre>
 * Each probe leaves from its own source port, so each slot lands, by the balancer's hash, on a
 * server of its own; connections pick a slot at random in the kernel. A zero ttl (the agent's
 * "negotiate every connection") keeps no slots: every connection misses and is negotiated itself.
 */
public final class SpreadSlots {
    /** One slot of one destination. */
    public record Ref(Intercept intercept, int slot) {
    }

    private static final class Slot {
        int target;
        long freshUntil;
        boolean probing;
        /** Set by a failure: not due before retryAt. */
        boolean retrying;
        long retryAt;
        /** Failures in a row of the empty slot (its back-off). */
        int failures;
    }

    private final Map<Ref, Slot> slots = new LinkedHashMap<>();
    private final long ttl;
    private final long refresh;
    private final long retry;

    /**
     * @param ttl     how long a negotiated port stays in the kernel (zero: no slots at all)
     * @param refresh probe again when less than this is left (less than a non-zero ttl)
     * @param retry   wait after a failed probe of an empty slot
     */
    public SpreadSlots(List<Intercept> intercepts, int spread, Duration ttl, Duration refresh, Duration retry) {
        if (!ttl.isZero() && refresh.compareTo(ttl) >= 0) {
            throw new IllegalArgumentException("refresh " + refresh + " must be shorter than ttl " + ttl);
        }
        for (Intercept i : ttl.isZero() ? List.<Intercept>of() : intercepts) {
            for (int s = 0; s < spread; s++) {
                slots.put(new Ref(i, s), new Slot());
            }
        }
        this.ttl = ttl.toNanos();
        this.refresh = refresh.toNanos();
        this.retry = retry.toNanos();
    }

    /** The slots to probe now (each marked probing until {@link #filled} or {@link #failed}). */
    public List<Ref> due(long now) {
        List<Ref> out = new ArrayList<>();
        slots.forEach((ref, s) -> {
            if (s.probing) {
                return;
            }
            boolean fresh = s.target != 0 && now - s.freshUntil < 0;
            boolean waiting = s.retrying && now - s.retryAt < 0;
            boolean needed = !waiting && (!fresh || s.freshUntil - now < refresh);
            if (needed) {
                s.probing = true;
                out.add(ref);
            }
        });
        return out;
    }

    /** A probe of {@code ref} named {@code port}: fresh for the ttl from now. */
    public void filled(Ref ref, int port, long now) {
        Slot s = slots.get(ref);
        s.probing = false;
        s.retrying = false;
        s.failures = 0;
        s.target = port;
        s.freshUntil = now + ttl;
    }

    /**
     * A probe of {@code ref} got no port: the slot waits {@code retry}; an empty slot's wait doubles
     * for each failure in a row up to the ttl (a legacy UDP server never answers, and must not get
     * an empty datagram per slot each second). A fresh slot keeps its port meanwhile.
     */
    public void failed(Ref ref, long now) {
        Slot s = slots.get(ref);
        s.probing = false;
        if (s.target != 0 && now - s.freshUntil >= 0) {
            s.target = 0;
        }
        // only an empty slot backs off: a fresh one is about to lose its port and tries every retry
        s.retrying = true;
        s.retryAt = now + (s.target != 0 ? retry : Math.min(retry << Math.min(s.failures, 30), ttl));
        if (s.target == 0) {
            s.failures++;
        }
    }

    /** What the kernel's negotiated map should hold now: each fresh slot with its time left. */
    public List<InterceptRuleset.Element> elements(long now) {
        List<InterceptRuleset.Element> out = new ArrayList<>();
        slots.forEach((ref, s) -> {
            if (s.target != 0 && now - s.freshUntil < 0) {
                out.add(new InterceptRuleset.Element(ref.intercept(), ref.slot(), s.target, Duration.ofNanos(s.freshUntil - now)));
            }
        });
        return out;
    }
}
