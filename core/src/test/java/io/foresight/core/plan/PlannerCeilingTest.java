package io.foresight.core.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.foresight.core.forecast.Forecast;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import org.junit.jupiter.api.Test;

/** The recent-peak ceiling: no target above the user's recent peak plus headroom (issue 14, Azure). */
class PlannerCeilingTest {
    private static final double HEADROOM = 0.05;

    private static PlannerConfig config() {
        return new PlannerConfig(new int[] {0, 0, 0, 0}, HEADROOM, 12, 0.05, ResourceVector.of(0.025, 0, 0, 0), 1.5);
    }

    @Test
    void aBoundAboveTheRecentPeakIsCappedAtThePeakPlusHeadroom() {
        // a bound of 0.62 plus 5 % would go to the ladder level 0.667; the week's peak was 0.55
        Forecast f = PlannerLadderTest.bound(0.62, 1, 1, 1).withCeiling(new double[] {0.55, Double.NaN, 0.5, 2});
        PlannedAllocation a = new Planner(config()).plan(f, ResourceVector.of(0.1, 1, 0.1, 1), new Planner.State());
        assertEquals(0.55 * (1 + HEADROOM), a.target().cpu(), 1e-12, "CPU capped at the recent peak plus headroom");
        assertEquals(1.5, a.target().memory(), 1e-12, "no ceiling for memory: the ladder level of 1.05");
        assertEquals(0.5 * (1 + HEADROOM), a.target().get(Resource.NETWORK), 1e-12);
        assertEquals(1.5, a.target().get(Resource.DISK), 1e-12, "a ceiling above the ladder level changes nothing");
    }

    @Test
    void withoutACeilingTheLadderLevelIsPlanned() {
        PlannedAllocation a = new Planner(config()).plan(PlannerLadderTest.bound(0.62, 1, 1, 1),
                ResourceVector.of(0.1, 1, 1, 1), new Planner.State());
        assertEquals(1 / 1.5, a.target().cpu(), 1e-12, "0.62 x 1.05 = 0.651, rounded up to the level 1.5^-1");
    }

    @Test
    void theMinimumStillFloorsACeiling() {
        Forecast f = PlannerLadderTest.bound(0.02, 1, 1, 1).withCeiling(new double[] {0.001, 1, 1, 1});
        PlannedAllocation a = new Planner(config()).plan(f, ResourceVector.of(0.5, 1, 1, 1), new Planner.State());
        assertEquals(0.5, a.target().cpu(), 1e-12, "held: the drop waits for the hysteresis");
        Planner.State st = new Planner.State();
        PlannedAllocation last = null;
        for (int k = 0; k < 13; k++) {
            last = new Planner(config()).plan(f, ResourceVector.of(0.5, 1, 1, 1), st);
        }
        assertEquals(0.025, last.target().cpu(), 1e-12, "released to the minimum, not below it");
    }

    @Test
    void aBoundRestingOnKnownJobsIsNotCapped() {
        double[][] p = new double[Resource.COUNT][1];
        p[0][0] = 2;
        p[1][0] = 1;
        p[2][0] = 1;
        p[3][0] = 1;
        Forecast jobs = new Forecast("u", 0, 300, 0.95, p, p, "m1", new double[] {2, Double.NaN, Double.NaN, Double.NaN},
                new double[] {1, 1, 1, 1});
        PlannedAllocation a = new Planner(config()).plan(jobs, ResourceVector.of(0.5, 1, 1, 1), new Planner.State());
        assertEquals(2 * (1 + HEADROOM), a.target().cpu(), 1e-12, "known jobs' cores are planned above the past peak");
    }
}
