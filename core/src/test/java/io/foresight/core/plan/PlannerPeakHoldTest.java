package io.foresight.core.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.foresight.core.forecast.Forecast;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import org.junit.jupiter.api.Test;

/** The per-resource peak hold: no target from usage below the held peak plus headroom (issue 14, Bitbrains memory). */
class PlannerPeakHoldTest {
    private static final double HEADROOM = 0.05;

    private static PlannerConfig config() {
        return new PlannerConfig(new int[] {0, 0, 0, 0}, HEADROOM, 12, 0.05, ResourceVector.of(0.025, 0, 0, 0), 1.5)
                .withPeakHold(new int[] {0, 576, 0, 0});
    }

    @Test
    void aBoundBelowTheHeldPeakIsPlannedAtThePeak() {
        // memory's bound fell to 1 after a peak of 3 inside the hold: the target stays at 3 x 1.05's ladder level
        Forecast f = PlannerLadderTest.bound(0.1, 1, 1, 1).withFloor(new double[] {Double.NaN, 3, Double.NaN, 0.5});
        PlannedAllocation a = new Planner(config()).plan(f, ResourceVector.of(0.1, 1, 1, 1), new Planner.State());
        assertEquals(config().level(3 * (1 + HEADROOM)), a.target().memory(), 1e-12, "raised to the held peak");
        assertEquals(1.5, a.target().get(Resource.NETWORK), 1e-12, "no floor for network: the ladder level of 1.05");
        assertEquals(1.5, a.target().get(Resource.DISK), 1e-12, "a floor below the bound changes nothing");
    }

    @Test
    void theHeldPeakKeepsMemoryUpUntilItLeavesTheHold() {
        Planner p = new Planner(config());
        Planner.State st = new Planner.State();
        double level = Math.pow(1.5, 4); // the ladder level of 4 x 1.05
        ResourceVector cur = ResourceVector.of(0.1, level, 1.5, 1.5);
        Forecast held = PlannerLadderTest.bound(0.1, 1, 1, 1).withFloor(new double[] {Double.NaN, 4, Double.NaN, Double.NaN});
        for (int k = 0; k < 40; k++) {
            assertEquals(level, p.plan(held, cur, st).target().memory(), 1e-12, "held at step " + k);
        }
        Forecast expired = PlannerLadderTest.bound(0.1, 1, 1, 1).withFloor(new double[] {Double.NaN, 1, Double.NaN, Double.NaN});
        PlannedAllocation last = null;
        for (int k = 0; k < 13; k++) {
            last = p.plan(expired, cur, st);
        }
        assertEquals(1.5, last.target().memory(), 1e-12, "released after the usual hysteresis once the peak is old");
    }

    @Test
    void withoutAFloorTheBoundIsPlanned() {
        PlannedAllocation a = new Planner(config()).plan(PlannerLadderTest.bound(0.1, 1, 1, 1),
                ResourceVector.of(0.1, 1.5, 1.5, 1.5), new Planner.State());
        assertEquals(1.5, a.target().memory(), 1e-12);
    }

    @Test
    void aBoundRestingOnKnownJobsIgnoresTheFloor() {
        double[][] p = new double[Resource.COUNT][1];
        p[0][0] = 1;
        p[1][0] = 1;
        p[2][0] = 1;
        p[3][0] = 1;
        Forecast jobs = new Forecast("u", 0, 300, 0.95, p, p, "m1", new double[] {Double.NaN, 1, Double.NaN, Double.NaN},
                null, new double[] {Double.NaN, 3, Double.NaN, Double.NaN});
        PlannedAllocation a = new Planner(config().withLevelRatio(1.0)).plan(jobs, ResourceVector.of(0.5, 1, 1, 1),
                new Planner.State());
        assertEquals(1 + HEADROOM, a.target().memory(), 1e-12, "known jobs' memory is exact: no held peak above it");
    }

    @Test
    void theHoldIsPerResourceAndKeptByTheOtherSettings() {
        PlannerConfig c = config();
        assertEquals(576, c.peakHold(Resource.MEMORY));
        assertEquals(0, c.peakHold(Resource.CPU));
        assertArrayEquals(new int[] {0, 576, 0, 0}, c.withLevelRatio(1.25).peakHoldSteps());
        assertArrayEquals(new int[] {0, 576, 0, 0}, c.withLeadAndHeadroom(new int[] {1, 1, 1, 1}, 0.2).peakHoldSteps());
        assertArrayEquals(new int[] {0, 0, 0, 0}, PlannerLadderTest.ladder(1.5, 3).peakHoldSteps(), "off unless set");
        assertThrows(IllegalArgumentException.class, () -> c.withPeakHold(new int[] {0, -1, 0, 0}));
        assertThrows(IllegalArgumentException.class, () -> c.withPeakHold(new int[] {0, 1}));
    }
}
