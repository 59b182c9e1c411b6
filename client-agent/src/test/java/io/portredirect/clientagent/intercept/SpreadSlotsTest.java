package io.portredirect.clientagent.intercept;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpreadSlotsTest {
    static final Intercept WEB = Intercept.parse("198.18.0.10:80");
    static final long S = 1_000_000_000L;

    SpreadSlots slots() {
        return new SpreadSlots(List.of(WEB), 3, Duration.ofSeconds(60), Duration.ofSeconds(20), Duration.ofSeconds(1));
    }

    @Test
    void everyEmptySlotIsProbedOnceUntilItsProbeEnds() {
        SpreadSlots s = slots();
        List<SpreadSlots.Ref> due = s.due(0);
        assertEquals(3, due.size());
        assertEquals(List.of(), s.due(1), "probing slots are not due again");
        s.filled(due.get(0), 8001, 2);
        s.failed(due.get(1), 2);
        assertEquals(1, s.elements(3).size(), "one fresh slot");
        assertEquals(List.of(), s.due(S), "a failed empty slot waits its retry");
        assertEquals(List.of(due.get(1)), s.due(2 + S), "then it is probed again");
    }

    @Test
    void aZeroTtlKeepsNoSlotsSoEveryConnectionIsNegotiatedOnTheMissPath() {
        SpreadSlots s = new SpreadSlots(List.of(WEB), 3, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(1));
        assertEquals(List.of(), s.due(0), "nothing to probe ahead");
        assertEquals(List.of(), s.elements(0), "nothing in the kernel's map");
    }

    @Test
    void aFreshSlotIsRefreshedBeforeItRunsOutAndKeepsItsPortMeanwhile() {
        SpreadSlots s = slots();
        SpreadSlots.Ref r = s.due(0).get(0);
        s.filled(r, 8002, 0);
        assertTrue(s.due(39 * S).stream().noneMatch(r::equals), "more than 20 s left: not due");
        assertTrue(s.due(41 * S).contains(r), "less than 20 s left: refreshed");
        s.failed(r, 42 * S);
        // the failed refresh keeps the old port until it runs out
        assertEquals(List.of(new InterceptRuleset.Element(WEB, 0, 8002, Duration.ofSeconds(18))),
                s.elements(42 * S).stream().filter(e -> e.slot() == 0).toList());
        assertTrue(s.elements(60 * S).stream().noneMatch(e -> e.slot() == 0), "gone at its ttl");
    }

    @Test
    void elementsCarryTheirTimeLeft() {
        SpreadSlots s = slots();
        List<SpreadSlots.Ref> due = s.due(0);
        s.filled(due.get(0), 8001, 0);
        s.filled(due.get(2), 8003, 10 * S);
        assertEquals(List.of(new InterceptRuleset.Element(WEB, 0, 8001, Duration.ofSeconds(30)),
                new InterceptRuleset.Element(WEB, 2, 8003, Duration.ofSeconds(40))), s.elements(30 * S));
    }

    @Test
    void failuresInARowBackOffUpToTheTtlAndAnAnswerEndsTheBackOff() {
        SpreadSlots s = new SpreadSlots(List.of(Intercept.parse("198.18.0.10:53/udp")), 1, Duration.ofSeconds(60), Duration.ofSeconds(20),
                Duration.ofSeconds(1));
        SpreadSlots.Ref r = s.due(0).get(0);
        long t = 0;
        for (long wait : new long[] {1, 2, 4, 8, 16, 32, 60, 60}) {
            s.failed(r, t);
            assertEquals(List.of(), s.due(t + wait * S - 1), "still waiting " + wait + " s");
            t += wait * S;
            assertEquals(List.of(r), s.due(t), "due after " + wait + " s");
        }
        s.filled(r, 5301, t);
        t += 41 * S;
        for (int i = 0; i < 3; i++) {
            assertEquals(List.of(r), s.due(t));
            s.failed(r, t);
            assertEquals(List.of(), s.due(t + S - 1), "a failed refresh waits its retry too, keeping its port");
            t += S;
        }
        assertEquals(List.of(r), s.due(t), "a fresh slot's failures do not back off: it is about to lose its port");
        s.failed(r, 61 * S + t);
        assertEquals(List.of(), s.elements(61 * S + t), "ran out");
        assertEquals(List.of(r), s.due(62 * S + t), "empty again: the first retry, and doubling from there");
    }
}
