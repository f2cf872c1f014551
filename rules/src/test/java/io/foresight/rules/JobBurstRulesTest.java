package io.foresight.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.cost.PriceBook;
import io.foresight.core.engine.CycleEngine;
import io.foresight.core.engine.PoolFacts;
import io.foresight.core.engine.UserHistory;
import io.foresight.core.eval.Policies;
import io.foresight.core.forecast.Forecast;
import io.foresight.core.forecast.Forecaster;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.model.UserProfile;
import io.foresight.core.plan.PlannedAllocation;
import io.foresight.core.plan.Planner;
import io.foresight.core.trace.JobState;
import io.foresight.core.trace.SwfReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A job burst through the one engine and the bundled batch-cluster rules (issue 17): which rules fire when the jobs a
 * log already knows (running, waiting) lead the plan, and what the same engine does without the queue signal.
 */
class JobBurstRulesTest {
    static final PriceBook P = PriceBook.DEFAULT;
    static final DroolsPolicyGate BATCH = new DroolsPolicyGate(PolicyRepository.bundled(PoolKind.BATCH), P);
    static final Trace LCG = SwfReader.read(List.of(Path.of("..", "data", "lcg-slice", "LCG-first-3-days.swf.gz")));
    static final Policies.ForesightSettings SETTINGS = Policies.ForesightSettings.defaults();

    static Forecaster model() {
        Map<String, UserSeries> firstDay = new java.util.LinkedHashMap<>();
        LCG.users().forEach((u, s) -> firstDay.put(u, s.slice(0, Math.min(288, s.size()))));
        return Policies.blend(new Trace(LCG.stepSeconds(), firstDay, LCG.report()), SETTINGS, 1);
    }

    record Outcome(PlannedAllocation plan, CycleEngine.UserDecision decision, Forecast forecast) {}

    /** One cycle of the engine for a user whose history is {@code series} up to and including interval {@code last}. */
    static Outcome cycle(CycleEngine engine, Forecaster model, UserSeries series, int last, double holding) {
        UserHistory h = UserHistory.seed(series, last + 1, CycleEngine.historyWindow(series.stepSeconds()));
        Forecast f = engine.forecast(model, "m", h);
        UserProfile who = UserProfile.newUser(series.user());
        PlannedAllocation p = engine.plan(f, ResourceVector.of(holding, 0, 0, 0), new Planner.State(), who);
        PoolFacts facts = new PoolFacts("lcg", h.nextAt(), Map.of(), Map.of(), false, Set.of(), Set.of());
        return new Outcome(p, engine.decide(facts, List.of(p), u -> who).get(0), f);
    }

    /** The real LCG slice's largest one-interval jump of jobs running at an interval's end over the usage of that interval. */
    static int[] largestBurst() {
        int[] best = null;
        double jump = 0;
        List<String> ids = LCG.userIds();
        for (int u = 0; u < ids.size(); u++) {
            UserSeries s = LCG.user(ids.get(u));
            for (int i = 288; i < s.size() - 1; i++) {
                double d = s.jobs().known(Resource.CPU, i) - s.usage(Resource.CPU, i);
                if (d > jump) {
                    jump = d;
                    best = new int[] {u, i};
                }
            }
        }
        return best;
    }

    @Test
    void aRealJobBurstScalesUpPastTheStepToTheKnownJobs() {
        int[] at = largestBurst();
        UserSeries s = LCG.user(LCG.userIds().get(at[0]));
        int i = at[1];
        double running = s.jobs().known(Resource.CPU, i);
        double holding = s.usage(Resource.CPU, i);
        assertTrue(running - holding > 16, "the slice's largest burst must exceed the batch step of 16 cores: " + running
                + " running after " + holding);
        Forecaster model = model();
        Outcome on = cycle(Policies.engine(SETTINGS, BATCH, P, CycleEngine.Parts.DEFAULTS), model, s, i, holding);
        assertTrue(on.forecast().knows(Resource.CPU));
        assertEquals(List.of("Scale up to forecast beyond step", "Approve within policy"), on.decision().verdict().firedRules(),
                on.decision().verdict().messages().toString());
        assertTrue(on.decision().verdict().allowed().cpu() >= running, "allowed " + on.decision().verdict().allowed().cpu()
                + " must hold the " + running + " cores of jobs running");
    }

    @Test
    void queuedJobsAreCoveredBeforeTheyStartAndWithoutTheSignalTheyAreNot() {
        // a real idle stretch of an LCG user, then 220 cores submitted and waiting at the end of the last interval
        UserSeries real = LCG.user(LCG.userIds().get(0));
        int n = 2 * 288;
        UserSeries s = real.slice(0, n);
        for (int i = 0; i < n; i++) {
            s.usageColumn(Resource.CPU)[i] = 0;
            s.jobs().set(i, state(0, 0, 0));
        }
        s.jobs().set(n - 1, state(0, 220, 1));
        Forecaster model = model();
        Outcome on = cycle(Policies.engine(SETTINGS, BATCH, P, CycleEngine.Parts.DEFAULTS), model, s, n - 1, 0);
        assertEquals(220, on.forecast().upper(Resource.CPU, 0), 1e-9, "queued + the user's (zero) surprises");
        assertEquals(List.of("Scale up to forecast beyond step", "Approve within policy"), on.decision().verdict().firedRules());
        assertTrue(on.decision().verdict().allowed().cpu() >= 220);

        Outcome off = cycle(Policies.engine(SETTINGS, BATCH, P, CycleEngine.Parts.DEFAULTS.withQueue(false)), model, s, n - 1, 0);
        double got = off.decision().verdict() == null ? 0 : off.decision().verdict().allowed().cpu();
        assertTrue(got < 16, "usage alone sees an idle user: " + got + " cores");
    }

    @Test
    void whenTheJobsEndTheScaleDownIsImmediateButStepLimited() {
        UserSeries real = LCG.user(LCG.userIds().get(0));
        int n = 2 * 288;
        UserSeries s = real.slice(0, n);
        for (int i = 0; i < n; i++) {
            s.usageColumn(Resource.CPU)[i] = i < n - 1 ? 200 : 120;
            s.jobs().set(i, state(i < n - 1 ? 200 : 0, 0, 0));
        }
        Outcome o = cycle(Policies.engine(SETTINGS, BATCH, P, CycleEngine.Parts.DEFAULTS), model(), s, n - 1, 210);
        assertTrue(o.plan().scalesDown(), "the jobs ended: no hysteresis, " + o.plan().reason());
        assertEquals(List.of("Limit step size", "Approve with adjustments"), o.decision().verdict().firedRules());
        assertEquals(210 * 0.25, o.decision().verdict().allowed().cpu(), 1e-9, "three quarters given back per step");
    }

    static JobState state(double running, double queued, double recent) {
        double[] r = {running, Double.NaN, Double.NaN, Double.NaN};
        double[] q = {queued, Double.NaN, Double.NaN, Double.NaN};
        double[] j = {recent, Double.NaN, Double.NaN, Double.NaN};
        return new JobState(r, q, j);
    }
}
