package io.portredirect.clientagent.negotiate;

import io.portredirect.protocol.packet.CraftedPacket;

/**
 * What the caller of {@link Negotiator} must do after an event.
 *
 * @param send      a packet to transmit now (SYN retransmission or RST), or null
 * @param waitMillis for {@link Kind#RETRY}: how long to wait for an answer to the retransmission
 * @param reason    for {@link Kind#IGNORED}: why
 * @param outcome   for {@link Kind#DONE}: the result
 */
public record ProbeStep(Kind kind, CraftedPacket send, long waitMillis, IgnoreReason reason, ProbeOutcome outcome) {
    /** Step kinds. */
    public enum Kind {
        /** The packet was not for this probe (different ports or protocol): route it elsewhere. */
        NOT_MINE,
        /** For this probe but invalid; keep waiting ({@code send} may hold an RST for a stale SYN-ACK). */
        IGNORED,
        /** Timeout: retransmit {@code send} and wait {@code waitMillis}. */
        RETRY,
        /**
         * Timeout: retry from a new source port ({@link Negotiator#next}) and wait {@code waitMillis};
         * when no port is free, do as for RETRY with {@code send}.
         */
        MOVE,
        /** Finished; transmit {@code send} (the probe's RST) if set. */
        DONE
    }

    static ProbeStep notMine() {
        return new ProbeStep(Kind.NOT_MINE, null, 0, null, null);
    }

    static ProbeStep ignored(IgnoreReason r, CraftedPacket send) {
        return new ProbeStep(Kind.IGNORED, send, 0, r, null);
    }

    static ProbeStep retry(CraftedPacket syn, long wait) {
        return new ProbeStep(Kind.RETRY, syn, wait, null, null);
    }

    static ProbeStep move(CraftedPacket syn, long wait) {
        return new ProbeStep(Kind.MOVE, syn, wait, null, null);
    }

    static ProbeStep done(ProbeOutcome o, CraftedPacket send) {
        return new ProbeStep(Kind.DONE, send, 0, null, o);
    }
}
