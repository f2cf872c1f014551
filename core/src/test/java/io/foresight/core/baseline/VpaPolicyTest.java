package io.foresight.core.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.trace.UserSeries;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class VpaPolicyTest {
    @Test
    void histogramBucketsAndPercentileAreTheVpaOnes() {
        DecayingHistogram h = new DecayingHistogram(1000, 0.01, 1.05, 86400);
        // bucket i starts at 0.01 * (1.05^i - 1) / 0.05
        assertEquals(0.01, h.bucketStart(1), 1e-12);
        assertEquals(0.01 * (1.05 * 1.05 - 1) / 0.05, h.bucketStart(2), 1e-12);
        assertEquals(0, h.findBucket(0.005));
        assertEquals(1, h.findBucket(0.0101));
        for (int i = 0; i < 9; i++) {
            h.add(1.0, 1, 0);
        }
        h.add(2.0, 1, 0);
        int b1 = h.findBucket(1.0);
        // 90% of the weight is in 1.0's bucket: p90 is that bucket's end
        assertEquals(h.bucketStart(b1 + 1), h.percentile(0.9), 1e-12);
        assertEquals(h.bucketStart(h.findBucket(2.0) + 1), h.percentile(0.95), 1e-12);
    }

    @Test
    void halfLifeHalvesOldWeight() {
        DecayingHistogram h = new DecayingHistogram(1000, 0.01, 1.05, 3600);
        h.add(1.0, 1, 0);       // weight 1 at t=0
        h.add(2.0, 1, 3600);    // weight 2 one half-life later
        // total 3: p50 threshold 1.5 is past 1.0's bucket (weight 1), so p50 is in 2.0's bucket
        assertEquals(h.bucketStart(h.findBucket(2.0) + 1), h.percentile(0.5), 1e-12);
        assertEquals(h.bucketStart(h.findBucket(1.0) + 1), h.percentile(0.3), 1e-12);
    }

    @Test
    void targetIsP90PlusMarginAndMinimumsApply() {
        int n = 2 * 288; // two days
        double[] cpu = new double[n];
        double[] mem = new double[n];
        Arrays.fill(cpu, 0.5);
        Arrays.fill(mem, 0.1); // below 250 MiB
        UserSeries s = Series.of(cpu, mem);
        VpaPolicy.Allocator a = (VpaPolicy.Allocator) new VpaPolicy(StaticPolicy.fromTraining(null)).start(s);
        for (int i = 0; i < n; i++) {
            a.allocate(i);
            a.observe(i, Series.usage(s, i));
        }
        VpaPolicy.Recommendation rec = a.recommend();
        DecayingHistogram ref = new DecayingHistogram(1000, 0.01, 1.05, 86400);
        double p90End = ref.bucketStart(ref.findBucket(0.5) + 1);
        assertEquals(p90End * 1.15, rec.target()[0], 1e-9);
        assertEquals(250.0 / 1024, rec.target()[1], 1e-12); // memory minimum
        double conf = a.confidence();
        assertTrue(conf > 1.9 && conf <= 2.0, "confidence ~ 2 days, got " + conf);
        assertEquals(p90End * 1.15 * (1 + 1 / conf), rec.upper()[0], 1e-9);
        double[] alloc = a.allocate(n - 1);
        assertEquals(rec.target()[0], alloc[0], 1e-9); // the updater applied the target
    }

    @Test
    void minimumCpuApplies() {
        double[] cpu = new double[300];
        double[] mem = new double[300];
        Arrays.fill(mem, 1);
        UserSeries s = Series.of(cpu, mem);
        VpaPolicy.Allocator a = (VpaPolicy.Allocator) new VpaPolicy(StaticPolicy.fromTraining(null)).start(s);
        for (int i = 0; i < 300; i++) {
            a.allocate(i);
            a.observe(i, Series.usage(s, i));
        }
        assertEquals(0.025, a.recommend().target()[0], 1e-12);
    }

    @Test
    void memoryUsesTheDailyPeak() {
        int n = 288;
        double[] cpu = new double[n];
        double[] mem = new double[n];
        Arrays.fill(cpu, 0.2);
        Arrays.fill(mem, 1.0);
        mem[100] = 3.0; // one spike: the day's peak replaces the earlier, lower peak
        UserSeries s = Series.of(cpu, mem);
        VpaPolicy.Allocator a = (VpaPolicy.Allocator) new VpaPolicy(StaticPolicy.fromTraining(null)).start(s);
        for (int i = 0; i < n; i++) {
            a.allocate(i);
            a.observe(i, Series.usage(s, i));
        }
        DecayingHistogram ref = new DecayingHistogram(1e12 / (1024.0 * 1024 * 1024), 1e7 / (1024.0 * 1024 * 1024), 1.05, 86400);
        assertEquals(ref.bucketStart(ref.findBucket(3.0) + 1) * 1.15, a.recommend().target()[1], 1e-9);
    }
}
