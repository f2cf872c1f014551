package io.foresight.core.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.forecast.Forecast;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import org.junit.jupiter.api.Test;

class PlannerLeadAndPatternTest {
    /** A forecast whose upper bound is {@code base} everywhere except {@code peak} at step {@code at}. */
    static Forecast spike(int horizon, int at, double base, double peak) {
        double[][] p = new double[Resource.COUNT][horizon];
        for (double[] row : p) {
            java.util.Arrays.fill(row, base);
        }
        for (double[] row : p) {
            row[at] = peak;
        }
        return new Forecast("u", 0, 300, 0.95, p, p, "m1");
    }

    static PlannerConfig cfg(int lead, int hold) {
        return new PlannerConfig(new int[] {lead, lead, lead, lead}, 0.0, hold, 0.05, ResourceVector.ZERO);
    }

    @Test
    void scalesUpExactlyLeadStepsBeforeThePeak() {
        Planner p = new Planner(cfg(3, 2));
        ResourceVector cur = ResourceVector.of(1, 1, 1, 1);
        // peak at step 3: a decision now (takes 3 steps) must already ask for it
        PlannedAllocation a = p.plan(spike(12, 3, 1, 4), cur, new Planner.State());
        assertEquals(4, a.target().cpu(), 1e-9);
        assertTrue(a.reason().contains("cpu up"));
        // peak at step 4 is beyond this decision's reach: the next decision will see it in time
        PlannedAllocation b = p.plan(spike(12, 4, 1, 4), cur, new Planner.State());
        assertEquals(1, b.target().cpu(), 1e-9);
    }

    @Test
    void leadTimesInSecondsRoundUpToSteps() {
        PlannerConfig c = PlannerConfig.fromLeadTimes(new long[] {301, 300, 0, 900}, 300, 0, 1, 0, ResourceVector.ZERO);
        assertEquals(2, c.lead(Resource.CPU));
        assertEquals(1, c.lead(Resource.MEMORY));
        assertEquals(0, c.lead(Resource.NETWORK));
        assertEquals(3, c.lead(Resource.DISK));
    }

    @Test
    void shortHorizonIsReportedInTheReason() {
        PlannedAllocation a = new Planner(cfg(5, 1)).plan(spike(3, 0, 1, 1), ResourceVector.of(1, 1, 1, 1), new Planner.State());
        assertTrue(a.reason().contains("horizon 3 < lead+1 6"), a.reason());
    }

    @Test
    void scalesDownOnlyAfterHoldAndNotBeforeAComingPeak() {
        Planner p = new Planner(cfg(1, 2));
        Planner.State st = new Planner.State();
        ResourceVector cur = ResourceVector.of(8, 8, 8, 8);
        Forecast quiet = spike(6, 0, 2, 2);
        assertEquals(8, p.plan(quiet, cur, st).target().cpu(), 1e-9);
        assertEquals(8, p.plan(quiet, cur, st).target().cpu(), 1e-9);
        assertEquals(2, st.lowFor(Resource.CPU));
        PlannedAllocation down = p.plan(quiet, cur, st);
        assertEquals(2, down.target().cpu(), 1e-9, "third low decision (hold=2) scales down");
        assertTrue(down.reason().contains("cpu down"));
        // a peak inside the lead window resets the counter and keeps capacity
        Planner.State st2 = new Planner.State();
        p.plan(quiet, cur, st2);
        p.plan(quiet, cur, st2);
        assertEquals(8, p.plan(spike(6, 1, 2, 8), cur, st2).target().cpu(), 1e-9);
        assertEquals(0, st2.lowFor(Resource.CPU));
    }

    @Test
    void stateRoundTrips() {
        Planner.State s = Planner.State.restore(new int[] {1, 2, 3, 4});
        assertEquals(3, s.lowFor(Resource.NETWORK));
        assertEquals(4, s.toArray()[3]);
    }

    @Test
    void bundledPatternAdjustmentsShapeTheTarget() {
        PatternAdjustments adj = PatternAdjustments.bundled();
        Planner p = new Planner(cfg(0, 1), adj);
        Forecast f = spike(4, 0, 10, 10);
        ResourceVector cur = ResourceVector.of(0, 0, 0, 0);
        ResourceVector neutral = p.plan(f, cur, new Planner.State(), Pattern.IDLE, false).target();
        ResourceVector batch = p.plan(f, cur, new Planner.State(), Pattern.BATCH, false).target();
        ResourceVector data = p.plan(f, cur, new Planner.State(), Pattern.DATA_ANALYSIS, false).target();
        ResourceVector steady = p.plan(f, cur, new Planner.State(), Pattern.STEADY_SERVICE, false).target();
        ResourceVector rt = p.plan(f, cur, new Planner.State(), Pattern.IDLE, true).target();
        assertEquals(10, neutral.cpu(), 1e-9);
        assertEquals(10 * (1 + adj.of(Pattern.BATCH).extraHeadroom().cpu()), batch.cpu(), 1e-9);
        assertTrue(batch.cpu() > neutral.cpu());
        assertEquals(neutral.memory(), batch.memory(), 1e-9);
        assertTrue(data.memory() > neutral.memory());
        assertEquals(neutral.cpu(), data.cpu(), 1e-9);
        assertTrue(steady.network() > neutral.network());
        assertEquals(steady.network(), p.plan(f, cur, new Planner.State(), Pattern.STEADY_SERVICE, true).target().network(), 1e-9);
        assertTrue(rt.network() > neutral.network(), "real-time flag gives network priority");
    }

    @Test
    void networkPriorityHoldsBandwidthLonger() {
        PatternAdjustments adj = new PatternAdjustments(java.util.Map.of(Pattern.STEADY_SERVICE,
                new PatternAdjustments.Entry(ResourceVector.ZERO, true)), 0.0, 3);
        Planner p = new Planner(cfg(0, 1), adj);
        ResourceVector cur = ResourceVector.of(8, 8, 8, 8);
        Forecast quiet = spike(2, 0, 1, 1);
        Planner.State s = new Planner.State();
        ResourceVector t = null;
        for (int i = 0; i < 2; i++) {
            t = p.plan(quiet, cur, s, Pattern.STEADY_SERVICE, false).target();
        }
        assertEquals(1, t.cpu(), 1e-9, "cpu scales down after hold 1");
        assertEquals(8, t.network(), 1e-9, "network waits 3x longer");
        for (int i = 0; i < 2; i++) {
            t = p.plan(quiet, ResourceVector.of(1, 1, 8, 1), s, Pattern.STEADY_SERVICE, false).target();
        }
        assertEquals(1, t.network(), 1e-9);
    }

    @Test
    void badAdjustmentTableNamesTheProblem() {
        var root = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        root.putObject("patterns").putObject("GAMING");
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> PatternAdjustments.parse(root, "x.json"));
        assertTrue(e.getMessage().contains("x.json") && e.getMessage().contains("GAMING"));
    }
}
