package io.portredirect.balancer.health;

/**
 * The up/down state of one server from its check results: {@code fall} failures in a row take an
 * up server down, {@code rise} successes in a row bring a down server up; a result of the other
 * kind resets the streak. Pure (no clock, no I/O), so replicas fed the same results agree.
 *
 * <p>A server starts <em>up</em>: a balancer that starts or restarts forwards exactly as its
 * config says (as its peers do while every server is healthy) and a dead server leaves after
 * {@code fall} checks. Starting down would empty every group until the first {@code rise} checks
 * passed, and a replica restarted behind ECMP would disagree with its peers meanwhile.
 */
public final class HealthState {
    private final int rise;
    private final int fall;
    private boolean up = true;
    private int streak;

    public HealthState(int rise, int fall) {
        if (rise < 1 || fall < 1) {
            throw new IllegalArgumentException("rise and fall must be at least 1");
        }
        this.rise = rise;
        this.fall = fall;
    }

    /** Counts one check result; true when it changed the state. */
    public boolean record(boolean success) {
        if (success == up) {
            streak = 0; // confirms the current state
            return false;
        }
        if (++streak < (up ? fall : rise)) {
            return false;
        }
        up = !up;
        streak = 0;
        return true;
    }

    public boolean up() {
        return up;
    }

    /** Results in a row that contradict the current state (0 after a change). */
    public int streak() {
        return streak;
    }

    /** The same state under other thresholds: a reload keeps a down server down. */
    public HealthState withThresholds(int newRise, int newFall) {
        HealthState s = new HealthState(newRise, newFall);
        s.up = up;
        s.streak = Math.min(streak, (up ? newFall : newRise) - 1);
        return s;
    }

    public int rise() {
        return rise;
    }

    public int fall() {
        return fall;
    }

    @Override
    public String toString() {
        return (up ? "up" : "down") + " streak " + streak + " (rise " + rise + ", fall " + fall + ")";
    }
}
