package io.portredirect.balancer.io;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SpinPolicyTest {
    private static final long US = 1_000;

    @Test
    void sparseFramesSpinAfterEachFrame() {
        SpinPolicy p = new SpinPolicy(100 * US, 25 * US);
        long t = 0;
        for (int i = 0; i < 50; i++) {
            t += 80 * US; // a SYN every 80 us: the wake-up is most of its latency
            p.frame(t);
            assertEquals(100 * US, p.spinBeforeWait(), "frame " + i);
        }
    }

    @Test
    void noSpinWithoutAFrameSinceTheLastWait() {
        SpinPolicy p = new SpinPolicy(100 * US, 25 * US);
        p.frame(0);
        assertEquals(100 * US, p.spinBeforeWait());
        assertEquals(0, p.spinBeforeWait(), "the spin found nothing: sleep");
    }

    @Test
    void denseFramesSleepWithinAboutTwentyFrames() {
        SpinPolicy p = new SpinPolicy(100 * US, 25 * US);
        long t = 0;
        int spinning = 0;
        for (int i = 0; i < 200; i++) {
            t += 12 * US; // 1 Gbit/s of full-size frames
            p.frame(t);
            if (p.spinBeforeWait() > 0) {
                spinning = i;
            }
        }
        assertEquals(true, spinning < 40, "last spin at frame " + spinning);
        assertEquals(true, p.gapAverage() < 25 * US, "average " + p.gapAverage());
    }

    @Test
    void oneLongPauseDoesNotOutweighABurst() {
        SpinPolicy p = new SpinPolicy(100 * US, 25 * US);
        long t = 0;
        for (int i = 0; i < 100; i++) {
            t += 10 * US;
            p.frame(t);
        }
        t += 60_000_000_000L; // a minute idle counts as one capped gap
        p.frame(t);
        for (int i = 0; i < 30; i++) {
            t += 10 * US;
            p.frame(t);
        }
        assertEquals(0, p.spinBeforeWait());
    }

    @Test
    void gapZeroSpinsAfterEveryFrameAndSpinZeroNever() {
        SpinPolicy always = new SpinPolicy(50 * US, 0);
        SpinPolicy never = new SpinPolicy(0, 0);
        for (int i = 0; i < 10; i++) {
            always.frame(i);
            never.frame(i);
            assertEquals(50 * US, always.spinBeforeWait());
            assertEquals(0, never.spinBeforeWait());
        }
    }
}
