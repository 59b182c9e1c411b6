package io.portredirect.serveragent.agent;

import io.portredirect.serveragent.reply.RedirectResponder.Verdict;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/** Packets seen per verdict, plus send failures; lock-free. */
public final class Counters {
    private final AtomicLongArray byVerdict = new AtomicLongArray(Verdict.values().length);
    private final AtomicLongArray byPort = new AtomicLongArray(65536);
    private final java.util.concurrent.atomic.AtomicLong sendErrors = new java.util.concurrent.atomic.AtomicLong();

    public void count(Verdict v, int port) {
        byVerdict.incrementAndGet(v.ordinal());
        if (port > 0) {
            byPort.incrementAndGet(port);
        }
    }

    public void sendError() {
        sendErrors.incrementAndGet();
    }

    public long get(Verdict v) {
        return byVerdict.get(v.ordinal());
    }

    /** Answers that named {@code port}. */
    public long named(int port) {
        return byPort.get(port);
    }

    public long sendErrors() {
        return sendErrors.get();
    }

    /** Non-zero verdict counts, in declaration order. */
    public Map<Verdict, Long> snapshot() {
        Map<Verdict, Long> m = new EnumMap<>(Verdict.class);
        for (Verdict v : Verdict.values()) {
            long n = byVerdict.get(v.ordinal());
            if (n != 0) {
                m.put(v, n);
            }
        }
        return m;
    }
}
