package io.foresight.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.model.Resource;
import org.junit.jupiter.api.Test;

/** The one outcome scorer: under-provisioning, shortfall and Autopilot's relative slack. */
class PolicyMetricsTest {
    static double[] cpu(double v) {
        return new double[] {v, Double.NaN, Double.NaN, Double.NaN};
    }

    @Test
    void slackIsAutopilotsRelativeSlackAndLeavesIntervalsAboveTheAllocationOut() {
        PolicyMetrics m = new PolicyMetrics();
        m.scoreInterval(cpu(4), cpu(1), 1); // 3 of 4 unused
        m.scoreInterval(cpu(4), cpu(3), 1); // 1 of 4 unused
        assertTrue(m.scoreInterval(cpu(1), cpu(5), 1), "above the allocation: under-provisioned");
        assertEquals(4.0 / 8.0, m.slack(Resource.CPU), 1e-12, "not pulled negative by the shortage");
        assertEquals(1, m.underprovisioned(Resource.CPU));
        assertEquals(1.0 / 3, m.underprovisionedFraction(Resource.CPU), 1e-12);
        assertEquals(4.0, m.shortfallUnits(Resource.CPU), 1e-12);
        assertEquals(3, m.userIntervals());
        assertEquals(1, m.underUserIntervals());
        assertTrue(Double.isNaN(new PolicyMetrics().slack(Resource.CPU)), "no allocation, no slack");
        assertTrue(Double.isNaN(m.slack(Resource.MEMORY)), "memory was never scored");
    }

    @Test
    void mergingAddsEveryTotal() {
        PolicyMetrics a = new PolicyMetrics();
        PolicyMetrics b = new PolicyMetrics();
        a.scoreInterval(cpu(2), cpu(1), 0.5);
        b.scoreInterval(cpu(1), cpu(2), 0.5);
        a.merge(b);
        assertEquals(2, a.userIntervals());
        assertEquals(1, a.underUserIntervals());
        assertEquals(0.5, a.slack(Resource.CPU), 1e-12);
        assertEquals(1.5, a.allocatedHours(Resource.CPU), 1e-12);
    }
}
