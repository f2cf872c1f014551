package io.foresight.core.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.forecast.Forecast;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import org.junit.jupiter.api.Test;

/** The ladder of allocation levels (fewer allocation changes, issue 14). */
class PlannerLadderTest {
    static Forecast bound(double cpu, double memory, double network, double disk) {
        double[][] p = new double[Resource.COUNT][1];
        p[0][0] = cpu;
        p[1][0] = memory;
        p[2][0] = network;
        p[3][0] = disk;
        return new Forecast("u", 0, 300, 0.95, p, p, "m1");
    }

    static PlannerConfig ladder(double ratio, int hold) {
        return new PlannerConfig(new int[] {0, 0, 0, 0}, 0.0, hold, 0.05, ResourceVector.ZERO, ratio);
    }

    @Test
    void targetsRoundUpToTheNextLevel() {
        PlannerConfig c = ladder(1.5, 3);
        assertEquals(1.0, c.level(1.0), 1e-12, "a level stays itself");
        assertEquals(1.5, c.level(1.2), 1e-12);
        assertEquals(1 / 1.5, c.level(0.5), 1e-12);
        assertEquals(0.3, ladder(1.0, 3).level(0.3), 0, "ratio 1: no ladder");
        assertEquals(0.0, c.level(0.0), 0, "nothing needed stays nothing (the minimum applies after)");
        assertThrows(IllegalArgumentException.class, () -> ladder(0.9, 3));
    }

    @Test
    void aBoundWanderingWithinOneLevelChangesNothing() {
        Planner p = new Planner(ladder(1.5, 0));
        Planner.State st = new Planner.State();
        ResourceVector cur = ResourceVector.of(1.5, 1, 1, 1);
        int changes = 0;
        for (double cpu : new double[] {1.05, 1.3, 1.45, 1.1, 1.49, 1.2}) {
            if (p.plan(bound(cpu, 1, 1, 1), cur, st).changes()) {
                changes++;
            }
        }
        assertEquals(0, changes, "every bound in (1, 1.5] keeps level 1.5");
        PlannerConfig flat = ladder(1.0, 0);
        Planner q = new Planner(flat);
        ResourceVector at = ResourceVector.of(1.05, 1, 1, 1);
        int without = 0;
        for (double cpu : new double[] {1.05, 1.3, 1.45, 1.1, 1.49, 1.2}) {
            PlannedAllocation a = q.plan(bound(cpu, 1, 1, 1), at, new Planner.State());
            if (a.changes()) {
                without++;
                at = a.target();
            }
        }
        assertTrue(without >= 3, "without the ladder the same bounds change the allocation " + without + " times");
    }

    /** A bound that rests on known jobs (a job log's running cores) is exact: it is planned as is, not rounded up. */
    @Test
    void aBoundRestingOnKnownJobsIsNotRoundedUpToTheLadder() {
        double[][] p = new double[Resource.COUNT][1];
        p[0][0] = 1.2;
        p[1][0] = 1.2;
        p[2][0] = 1;
        p[3][0] = 1;
        double[] known = {1.2, Double.NaN, Double.NaN, Double.NaN};
        Forecast jobs = new Forecast("u", 0, 300, 0.95, p, p, "m1", known);
        PlannedAllocation a = new Planner(ladder(1.5, 3)).plan(jobs, ResourceVector.of(0.5, 0.5, 1, 1), new Planner.State());
        assertEquals(1.2, a.target().cpu(), 1e-12, "known CPU demand planned as known");
        assertEquals(1.5, a.target().memory(), 1e-12, "memory, not known, still goes to the next level");
    }
}
