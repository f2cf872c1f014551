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

    @Test
    void peakCoverageCountsTheTopOnePercentOfEachUserDay() {
        // day 1: 288 intervals, peaks (top 3) at 100, 200 and 250; the allocation covers two of them
        // day 2: 100 observed intervals (the rest not observed): top 1 at 20, not covered
        int n = 288 + 288;
        long[] ts = new long[n];
        double[] use = new double[n];
        double[] alloc = new double[n];
        for (int i = 0; i < n; i++) {
            ts[i] = 86_400L * 10 + 300L * i;
            use[i] = i < 288 || i < 288 + 100 ? 1 : Double.NaN;
            alloc[i] = 2;
        }
        use[100] = 5;
        use[200] = 6;
        use[250] = 7;
        alloc[200] = 6;
        alloc[250] = 7.5;
        use[288 + 20] = 3;
        PolicyMetrics m = new PolicyMetrics();
        m.scorePeaks(Resource.CPU, ts, use, alloc, 0, n);
        assertEquals(4, m.peakIntervals(Resource.CPU));
        assertEquals(2.0 / 4, m.peakCoverage(Resource.CPU), 1e-12, "one user: covered peaks / peaks");
        PolicyMetrics other = new PolicyMetrics();
        other.scorePeaks(Resource.CPU, ts, use, use, 0, n); // an allocation equal to usage covers every peak
        m.merge(other);
        assertEquals((0.5 + 1.0) / 2, m.peakCoverage(Resource.CPU), 1e-12, "mean over users, each user alike");
        assertTrue(Double.isNaN(new PolicyMetrics().peakCoverage(Resource.MEMORY)), "nothing scored: unknown, not 0");
        // the scored range starts at 'from': the warm-up is not scored
        PolicyMetrics late = new PolicyMetrics();
        late.scorePeaks(Resource.CPU, ts, use, alloc, 288, n);
        assertEquals(1, late.peakIntervals(Resource.CPU));
        assertEquals(0.0, late.peakCoverage(Resource.CPU), 0);
    }
}
