package io.foresight.activities.controlloop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.workflows.controlloop.ControlLoopActivities.MonitorResult;
import org.junit.jupiter.api.Test;

class DriftDetectorTest {
    private static final MonitorResult HALF_UNDER = new MonitorResult("r", 10, 5, 0, 0, 0, 0, 1, -1);

    @Test
    void asksForRetrainingAfterTheConfiguredCyclesThenWaitsADay() {
        DriftDetector d = new DriftDetector(0.25, 2.0, 3);
        DriftDetector.State s = DriftDetector.State.INITIAL;
        int requests = 0;
        int firstAt = -1;
        for (int cycle = 0; cycle < firstRequest() + DriftDetector.COOLDOWN_CYCLES; cycle++) {
            DriftDetector.Step step = d.update(s, HALF_UNDER);
            s = step.next();
            if (step.result().retrainRequested()) {
                requests++;
                if (firstAt < 0) {
                    firstAt = cycle;
                }
            }
        }
        assertEquals(2, firstAt, "third drifting cycle in a row");
        assertEquals(1, requests, "no second request within the cool-down");
        DriftDetector.Step after = d.update(s, HALF_UNDER);
        assertTrue(after.result().retrainRequested(), "asks again " + DriftDetector.COOLDOWN_CYCLES + " cycles after the first request");
    }

    /** The cycle of the first request with 3 drifting cycles needed: the third. */
    private static int firstRequest() {
        return 2;
    }

    @Test
    void healthyCyclesResetTheCount() {
        DriftDetector d = new DriftDetector(0.25, 2.0, 3);
        MonitorResult healthy = new MonitorResult("r", 10, 0, 0, 0, 0, 0, 1, 0.1);
        DriftDetector.State s = d.update(d.update(DriftDetector.State.INITIAL, HALF_UNDER).next(), healthy).next();
        assertEquals(0, s.count());
        assertFalse(d.update(d.update(s, HALF_UNDER).next(), HALF_UNDER).result().retrainRequested());
    }
}
