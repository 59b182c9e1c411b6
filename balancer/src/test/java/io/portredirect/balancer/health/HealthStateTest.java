package io.portredirect.balancer.health;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HealthStateTest {
    /** One line per step: result fed (+ success, - failure), then the state expected after it. */
    @Test
    void fallFailuresInARowTakeItDownAndRiseSuccessesBringItBack() {
        HealthState s = new HealthState(2, 3);
        String steps = "+U -U -U +U -U -U -D -D +D -D +D +U -U";
        for (String step : steps.split(" ")) {
            boolean changed = s.record(step.charAt(0) == '+');
            boolean wantUp = step.charAt(1) == 'U';
            assertEquals(wantUp, s.up(), "after " + step + " in " + steps + ": " + s);
            if (changed) {
                assertEquals(0, s.streak());
            }
        }
    }

    @Test
    void startsUpSoARestartDoesNotEmptyTheGroups() {
        assertTrue(new HealthState(2, 3).up());
    }

    @Test
    void reportsTheChangeExactlyOnce() {
        HealthState s = new HealthState(1, 2);
        assertFalse(s.record(false));
        assertTrue(s.record(false));
        assertFalse(s.record(false));
        assertTrue(s.record(true), "rise 1: one success");
        assertFalse(s.record(true));
    }

    @Test
    void newThresholdsKeepTheState() {
        HealthState s = new HealthState(2, 1);
        s.record(false);
        assertFalse(s.up());
        s.record(true);
        HealthState r = s.withThresholds(3, 3);
        assertFalse(r.up(), "a reload does not bring a down server back");
        assertEquals(1, r.streak());
        assertFalse(r.record(true));
        assertTrue(r.record(true), "third success in a row with rise 3");
        HealthState lower = new HealthState(5, 5);
        for (int i = 0; i < 4; i++) {
            lower.record(false);
        }
        assertTrue(lower.withThresholds(2, 2).record(false), "a streak longer than the new fall changes on the next result");
    }

    @Test
    void thresholdsBelowOneAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new HealthState(0, 3));
    }
}
