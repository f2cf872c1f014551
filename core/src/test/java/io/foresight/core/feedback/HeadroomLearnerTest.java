package io.foresight.core.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.model.Pattern;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeadroomLearnerTest {
    @TempDir
    Path dir;

    /**
     * A controlled environment: cost grows with headroom; BATCH users violate 30% of the time below 20%
     * headroom and 1% above, STEADY_SERVICE users 2% whatever the headroom. With lambda = 10 the best arms
     * are 0.2 for BATCH and 0.0 for STEADY_SERVICE.
     */
    private static void play(HeadroomLearner l, int rounds, long seed) {
        SplittableRandom env = new SplittableRandom(seed);
        for (int t = 0; t < rounds; t++) {
            for (Pattern p : new Pattern[] {Pattern.BATCH, Pattern.STEADY_SERVICE}) {
                double h = l.headroomFor(p);
                assertTrue(h >= l.config().minHeadroom() && h <= l.config().maxHeadroom());
                double pv = p == Pattern.BATCH ? (h < 0.2 ? 0.3 : 0.01) : 0.02;
                boolean v = env.nextDouble() < pv;
                l.record(p, h, 0.01 * (1 + h), v, v ? 0.1 : 0);
            }
        }
    }

    @Test
    void learnsTheCheapestSafeHeadroomPerPattern() {
        HeadroomLearner l = new HeadroomLearner(HeadroomLearner.Config.defaults());
        assertEquals(0.05, l.current().get(Pattern.BATCH), "default before any evidence");
        play(l, 20_000, 7);
        assertEquals(0.2, l.current().get(Pattern.BATCH), l.meanRewards(Pattern.BATCH).toString());
        assertEquals(0.0, l.current().get(Pattern.STEADY_SERVICE), l.meanRewards(Pattern.STEADY_SERVICE).toString());
        assertEquals(0.05, l.current().get(Pattern.IDLE), "untouched pattern keeps the default");
    }

    @Test
    void followsAChangeThanksToDiscounting() {
        HeadroomLearner l = new HeadroomLearner(new HeadroomLearner.Config(new double[] {0.0, 0.2}, 0, 0.5, 10, 0.999, 0.0, 1));
        SplittableRandom env = new SplittableRandom(3);
        for (int t = 0; t < 20_000; t++) {
            double h = l.headroomFor(Pattern.BATCH);
            boolean v = t < 10_000 ? env.nextDouble() < 0.01 : (h < 0.2 && env.nextDouble() < 0.5);
            l.record(Pattern.BATCH, h, 1 + h, v, 0);
        }
        assertEquals(0.2, l.current().get(Pattern.BATCH), "after the workload turned bursty, more headroom wins");
    }

    @Test
    void savesAndLoadsAsJson() {
        HeadroomLearner l = new HeadroomLearner(HeadroomLearner.Config.defaults());
        play(l, 3_000, 11);
        Path f = dir.resolve("state/headroom.json");
        l.save(f);
        HeadroomLearner back = HeadroomLearner.load(f);
        assertEquals(l.current(), back.current());
        assertEquals(l.meanRewards(Pattern.BATCH), back.meanRewards(Pattern.BATCH));
        assertEquals(l.config().lambda(), back.config().lambda());
    }

    @Test
    void rejectsArmsOutsideThePolicyRangeAndBadInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new HeadroomLearner.Config(new double[] {0.1, 0.9}, 0, 0.5, 10, 0.999, 0.1, 1));
        assertTrue(e.getMessage().contains("outside the policy range"), e.getMessage());
        HeadroomLearner l = new HeadroomLearner(HeadroomLearner.Config.defaults());
        assertThrows(IllegalArgumentException.class, () -> l.record(Pattern.BATCH, 0.1, -1, false, 0));
        assertThrows(java.io.UncheckedIOException.class, () -> HeadroomLearner.load(dir.resolve("missing.json")));
    }
}
