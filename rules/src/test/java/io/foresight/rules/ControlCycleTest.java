package io.foresight.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.actuate.SimulatedCluster;
import io.foresight.core.alloc.AllocationMode;
import io.foresight.core.alloc.AllocationService;
import io.foresight.core.alloc.UserCycleInput;
import io.foresight.core.audit.DecisionLog;
import io.foresight.core.audit.DecisionRecord;
import io.foresight.core.cost.PriceBook;
import io.foresight.core.forecast.Forecast;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.model.Tier;
import io.foresight.core.model.UserProfile;
import io.foresight.core.plan.PatternAdjustments;
import io.foresight.core.plan.Planner;
import io.foresight.core.plan.PlannerConfig;
import io.foresight.core.policy.DecisionOutcome;
import io.foresight.core.policy.PolicyContext;
import io.foresight.core.policy.PolicyFacts;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** plan → Drools gate → simulated cluster, as the control loop will run it. */
class ControlCycleTest {
    static final long WEDNESDAY_10H = 1795600800L;

    static Forecast flat(String user, double cpu, double mem) {
        double[][] p = new double[Resource.COUNT][6];
        for (int h = 0; h < 6; h++) {
            p[0][h] = cpu;
            p[1][h] = mem;
            p[2][h] = 5;
            p[3][h] = 5;
        }
        return new Forecast(user, WEDNESDAY_10H, 300, 0.95, p, p, "seasonal-naive@7");
    }

    static UserProfile profile(String user, Tier tier, Pattern p) {
        return new UserProfile(user, "ops", tier, p, 0.9, true, ResourceVector.ZERO, 1, 0);
    }

    AllocationService service(SimulatedCluster c, AllocationMode mode, DecisionLog log) {
        Planner planner = new Planner(new PlannerConfig(new int[] {1, 1, 1, 1}, 0.0, 2, 0.05, ResourceVector.ZERO),
                PatternAdjustments.NONE);
        return new AllocationService(planner, new DroolsPolicyGate(PolicyRepository.bundled(), PriceBook.DEFAULT), c,
                PriceBook.DEFAULT, mode, log);
    }

    @Test
    void predictorAskingFarAboveLimitsNeverGetsIt(@TempDir Path dir) {
        SimulatedCluster c = new SimulatedCluster(new SimulatedCluster.Config(new long[4], PriceBook.DEFAULT, 1, 0, List.of(), 100),
                WEDNESDAY_10H);
        DecisionLog log = new DecisionLog(dir.resolve("decisions.jsonl"));
        AllocationService s = service(c, AllocationMode.ENFORCE, log);
        PolicyContext ctx = new PolicyContext("pool", WEDNESDAY_10H, Map.of(), false);
        // cycle after cycle the predictor wants 500 cores for a BEST_EFFORT user (tier maximum 4)
        for (int cycle = 0; cycle < 6; cycle++) {
            var r = s.run("pool", cycle, ctx, PolicyFacts.NONE, List.of(new UserCycleInput(profile("greedy", Tier.BEST_EFFORT,
                    Pattern.BATCH), flat("greedy", 500, 2), new Planner.State(), false)));
            DecisionRecord d = r.records().get(0);
            assertTrue(d.outcome() != DecisionOutcome.APPROVED, d.toString());
            assertTrue(c.current("greedy").map(a -> a.allocation().cpu()).orElse(0.0) <= 4.0 + 1e-9);
        }
        assertEquals(4.0, c.current("greedy").orElseThrow().allocation().cpu(), 1e-9, "reaches the tier maximum in steps");
        List<DecisionRecord> trail = log.read("greedy", 0);
        assertEquals(6, trail.size());
        assertEquals(List.of("Limit step size", "Approve with adjustments"), trail.get(0).firedRules());
        assertEquals("seasonal-naive@7", trail.get(0).model());
        assertEquals(500, trail.get(0).forecastPeak().cpu(), 1e-9);
    }

    @Test
    void dryRunRecordsTheSameDecisionsAndAppliesNothing() {
        SimulatedCluster c = new SimulatedCluster(SimulatedCluster.Config.defaults(), WEDNESDAY_10H);
        AllocationService s = service(c, AllocationMode.DRY_RUN, null);
        var r = s.run("pool", 1, new PolicyContext("pool", WEDNESDAY_10H, Map.of(), false), new PolicyFacts(Set.of("b"), Map.of()),
                List.of(new UserCycleInput(profile("a", Tier.STANDARD, Pattern.STEADY_SERVICE), flat("a", 1, 2), new Planner.State(), false),
                        new UserCycleInput(profile("b", Tier.STANDARD, Pattern.BATCH), flat("b", 12, 2), new Planner.State(), false)));
        assertEquals(DecisionOutcome.APPROVED, r.records().get(0).outcome());
        assertFalse(r.records().get(0).spot(), "steady service does not ask for spot");
        assertEquals(12, r.records().get(1).allowed().cpu(), 1e-9, "anomaly flag lets the safety scale-up through");
        assertTrue(r.records().get(1).firedRules().contains("Safety scale-up for flagged anomaly"));
        assertTrue(r.records().stream().noneMatch(DecisionRecord::applied));
        assertTrue(c.current("a").isEmpty() && c.current("b").isEmpty());
    }
}
