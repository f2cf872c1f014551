package io.foresight.core.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.actuate.SimulatedCluster;
import io.foresight.core.audit.DecisionLog;
import io.foresight.core.audit.DecisionRecord;
import io.foresight.core.cost.PriceBook;
import io.foresight.core.forecast.Forecast;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.model.Tier;
import io.foresight.core.model.UserProfile;
import io.foresight.core.plan.Planner;
import io.foresight.core.plan.PlannerConfig;
import io.foresight.core.policy.DecisionOutcome;
import io.foresight.core.policy.PolicyContext;
import io.foresight.core.policy.PolicyDecision;
import io.foresight.core.policy.PolicyFacts;
import io.foresight.core.policy.PolicyGate;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AllocationServiceTest {
    static UserCycleInput input(String user, double level) {
        double[][] p = new double[Resource.COUNT][6];
        for (double[] row : p) {
            java.util.Arrays.fill(row, level);
        }
        UserProfile prof = new UserProfile(user, "team", Tier.STANDARD, Pattern.BATCH, 0.9, true, ResourceVector.ZERO, 1, 0);
        return new UserCycleInput(prof, new Forecast(user, 0, 300, 0.95, p, p, "sn@1"), new Planner.State(), false);
    }

    /** A gate that waits for approval for user "big", approves everyone else. */
    static final PolicyGate GATE = (ctx, changes) -> changes.stream().map(c -> c.user().equals("big")
            ? new PolicyDecision(c.user(), DecisionOutcome.WAITING_APPROVAL, c.proposed(), c.spotRequested(),
                    List.of("Require approval above cost threshold"), List.of("big"), c.costDeltaPerHour())
            : new PolicyDecision(c.user(), DecisionOutcome.APPROVED, c.proposed(), c.spotRequested(), List.of(), List.of(),
                    c.costDeltaPerHour())).toList();

    static AllocationService svc(SimulatedCluster c, AllocationMode mode, DecisionLog log) {
        Planner planner = new Planner(new PlannerConfig(new int[] {0, 0, 0, 0}, 0, 1, 0.05, ResourceVector.ZERO));
        return new AllocationService(planner, GATE, c, PriceBook.DEFAULT, mode, log);
    }

    static PolicyContext ctx() {
        return new PolicyContext("pool", 0, Map.of(), false);
    }

    @Test
    void enforceAppliesApprovedOnlyAndLogs(@TempDir Path dir) {
        SimulatedCluster c = new SimulatedCluster(new SimulatedCluster.Config(new long[4], PriceBook.DEFAULT, 1, 0, List.of(), 10), 0);
        DecisionLog log = new DecisionLog(dir.resolve("d.jsonl"));
        AllocationService s = svc(c, AllocationMode.ENFORCE, log);
        var r = s.run("pool", 7, ctx(), PolicyFacts.NONE, List.of(input("a", 2), input("big", 50)));
        DecisionRecord a = r.records().get(0);
        assertEquals(DecisionOutcome.APPROVED, a.outcome());
        assertTrue(a.applied());
        assertEquals("sn@1", a.model());
        assertEquals(ResourceVector.of(2, 2, 2, 2), c.current("a").orElseThrow().allocation());
        assertTrue(a.spot(), "batch user with spot allowed asks for spot");
        assertTrue(c.current("big").isEmpty(), "waiting change is not applied");
        assertFalse(r.records().get(1).applied());
        assertEquals(1, r.waitingApproval().size());
        assertEquals("pool/7", r.applied().idempotencyKey());
        assertEquals(2, log.readAll().size());
        // a person approves: applied under its own key
        var approved = s.applyApproved("pool", 7, r.waitingApproval());
        assertTrue(approved.records().get(0).applied());
        assertEquals(50, c.current("big").orElseThrow().allocation().cpu(), 1e-9);
        // the approval's record supersedes the waiting one: the log keeps the last per (pool, cycle, user)
        assertEquals(2, log.readAll().size());
        assertTrue(log.read("big", 0).get(0).applied());
        // cost delta came from the price book
        assertEquals(PriceBook.DEFAULT.costPerHour(ResourceVector.of(2, 2, 2, 2), true), a.costDeltaPerHour(), 1e-12);
    }

    @Test
    void dryRunRecordsButAppliesNothing() {
        SimulatedCluster c = new SimulatedCluster(SimulatedCluster.Config.defaults(), 0);
        var r = svc(c, AllocationMode.DRY_RUN, null).run("pool", 1, ctx(), PolicyFacts.NONE, List.of(input("a", 2)));
        assertEquals(1, r.records().size());
        assertEquals(AllocationMode.DRY_RUN, r.records().get(0).mode());
        assertFalse(r.records().get(0).applied());
        assertNull(r.applied());
        assertTrue(c.current("a").isEmpty());
    }

    @Test
    void retriedCycleIsIdempotent() {
        SimulatedCluster c = new SimulatedCluster(new SimulatedCluster.Config(new long[4], PriceBook.DEFAULT, 1, 0, List.of(), 10), 0);
        AllocationService s = svc(c, AllocationMode.ENFORCE, null);
        List<DecisionRecord> d = s.decide("pool", 3, ctx(), PolicyFacts.NONE, List.of(input("a", 2)));
        var first = s.apply("pool", 3, d);
        var second = s.apply("pool", 3, d);
        assertFalse(first.applied().replayed());
        assertTrue(second.applied().replayed());
    }

    @Test
    void modeParses() {
        assertEquals(AllocationMode.DRY_RUN, AllocationMode.parse("dry-run"));
        assertEquals(AllocationMode.ENFORCE, AllocationMode.parse("ENFORCE"));
    }
}
