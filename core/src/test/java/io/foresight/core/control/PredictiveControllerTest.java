package io.foresight.core.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.cost.PriceBook;
import io.foresight.core.forecast.Forecast;
import io.foresight.core.forecast.Forecaster;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.model.UserProfile;
import io.foresight.core.plan.Planner;
import io.foresight.core.plan.PlannerConfig;
import io.foresight.core.policy.DecisionOutcome;
import io.foresight.core.policy.PolicyContext;
import io.foresight.core.policy.PolicyDecision;
import io.foresight.core.policy.PolicyGate;
import io.foresight.core.trace.UserSeries;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PredictiveControllerTest {
    /** Forecasts a constant upper bound of 2 for every resource. */
    static final Forecaster CONSTANT = new Forecaster() {
        @Override public String name() { return "constant"; }
        @Override public Forecast forecast(UserSeries h, int now, int horizon) {
            double[][] p = new double[Resource.COUNT][horizon];
            double[][] u = new double[Resource.COUNT][horizon];
            for (double[] row : p) Arrays.fill(row, 1);
            for (double[] row : u) Arrays.fill(row, 2);
            return new Forecast(h.user(), 0, 300, 0.9, p, u, "constant");
        }
    };

    static UserSeries series() {
        double[][] u = new double[Resource.COUNT][3];
        double[][] c = new double[Resource.COUNT][3];
        return new UserSeries("u", 300, new long[] {0, 300, 600}, u, c);
    }

    static PlannerConfig config() {
        return new PlannerConfig(new int[] {0, 0, 0, 0}, 0.0, 0, 0.0, ResourceVector.ZERO);
    }

    static final PolicyContext CTX = new PolicyContext("pool", 0, Map.of(), false);

    @Test
    void approvedChangeIsApplied() {
        PredictiveController c = new PredictiveController(CONSTANT, new Planner(config()), PolicyGate.PERMISSIVE, PriceBook.DEFAULT);
        ControllerDecision d = c.decide(series(), 1, ResourceVector.of(1, 1, 1, 1), new Planner.State(),
                UserProfile.newUser("u"), CTX);
        assertEquals(ResourceVector.of(2, 2, 2, 2), d.allocation());
        assertTrue(d.changed());
        assertEquals(1, c.horizon());
    }

    @Test
    void deniedChangeKeepsTheCurrentAllocation() {
        PolicyGate deny = (ctx, changes) -> changes.stream().map(ch -> new PolicyDecision(ch.user(), DecisionOutcome.DENIED,
                ch.current(), false, List.of("freeze"), List.of("frozen"), 0)).toList();
        PredictiveController c = new PredictiveController(CONSTANT, new Planner(config()), deny, PriceBook.DEFAULT);
        ResourceVector cur = ResourceVector.of(1, 1, 1, 1);
        ControllerDecision d = c.decide(series(), 1, cur, new Planner.State(), UserProfile.newUser("u"), CTX);
        assertEquals(cur, d.allocation());
        assertFalse(d.changed());
        assertEquals(List.of("freeze"), d.policy().orElseThrow().firedRules());
    }

    @Test
    void adjustedChangeAppliesWhatTheGateAllows() {
        ResourceVector capped = ResourceVector.of(1.5, 2, 2, 2);
        PolicyGate cap = (ctx, changes) -> changes.stream().map(ch -> new PolicyDecision(ch.user(), DecisionOutcome.ADJUSTED,
                capped, false, List.of("cap"), List.of(), 0)).toList();
        PredictiveController c = new PredictiveController(CONSTANT, new Planner(config()), cap, PriceBook.DEFAULT);
        ControllerDecision d = c.decide(series(), 1, ResourceVector.of(1, 1, 1, 1), new Planner.State(),
                UserProfile.newUser("u"), CTX);
        assertEquals(capped, d.allocation());
    }

    @Test
    void noChangeProposesNothing() {
        int[] calls = {0};
        PolicyGate counting = (ctx, changes) -> {
            calls[0]++;
            return PolicyGate.PERMISSIVE.check(ctx, changes);
        };
        PredictiveController c = new PredictiveController(CONSTANT, new Planner(config()), counting, PriceBook.DEFAULT);
        ControllerDecision d = c.decide(series(), 1, ResourceVector.of(2, 2, 2, 2), new Planner.State(),
                UserProfile.newUser("u"), CTX);
        assertTrue(d.policy().isEmpty());
        assertEquals(0, calls[0]);
    }
}
