package io.foresight.core.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.eval.UserAllocator;
import io.foresight.core.trace.UserSeries;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class AutopilotPolicyTest {
    @Test
    void appliedLimitIsTheMaxRecommendationOfTheLastHour() {
        // 12 hours of 1 core, then 0.1 core: the decayed p95 drops, but the limit holds for an hour.
        int high = 144;
        int n = high + 24;
        double[] cpu = new double[n];
        double[] mem = new double[n];
        Arrays.fill(cpu, 0, high, 1.0);
        Arrays.fill(cpu, high, n, 0.1);
        Arrays.fill(mem, 1.0);
        UserSeries s = Series.of(cpu, mem);
        UserAllocator a = new AutopilotPolicy(StaticPolicy.fromTraining(null)).start(s);
        double[] lim = new double[n];
        for (int i = 0; i < n; i++) {
            lim[i] = a.allocate(i)[0];
            a.observe(i, Series.usage(s, i));
        }
        DecayingHistogram ref = new DecayingHistogram(1000, 0.01, 1.05, 12 * 3600);
        double highLimit = ref.bucketStart(ref.findBucket(1.0) + 1) * 1.10;
        assertEquals(highLimit, lim[high], 1e-9);
        // one hour = 12 steps: the high recommendation made at step `high` is still in the window at high + 11
        assertEquals(highLimit, lim[high + 11], 1e-9);
        // the raw recommendation itself is still p95 of mostly-1.0 history, so check it eventually falls:
        assertTrue(lim[n - 1] <= highLimit);
        assertEquals(1.0, a.allocate(0)[2], 1e-12); // network from static (running peak)
    }

    @Test
    void windowForgetsARecommendationOlderThanAnHour() {
        // A single spike: its raw recommendation (p95 of decayed history) is high while the spike dominates.
        int n = 40;
        double[] cpu = new double[n];
        double[] mem = new double[n];
        Arrays.fill(cpu, 0.1);
        Arrays.fill(mem, 1.0);
        cpu[0] = 2.0; // first sample: p95 of one sample is 2.0's bucket
        UserSeries s = Series.of(cpu, mem);
        UserAllocator a = new AutopilotPolicy(StaticPolicy.fromTraining(null)).start(s);
        double[] lim = new double[n];
        for (int i = 0; i < n; i++) {
            lim[i] = a.allocate(i)[0];
            a.observe(i, Series.usage(s, i));
        }
        DecayingHistogram ref = new DecayingHistogram(1000, 0.01, 1.05, 12 * 3600);
        double spike = ref.bucketStart(ref.findBucket(2.0) + 1) * 1.10;
        assertEquals(spike, lim[1], 1e-9);   // recommendation made at step 1 (data: the spike)
        assertEquals(spike, lim[12], 1e-9);  // still within the hour (steps 1..12)
        assertTrue(lim[39] < spike, "after the hour, the spike's recommendation must have left the window");
    }
}
