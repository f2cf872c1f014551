package io.foresight.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.foresight.core.cost.PriceBook;
import io.foresight.core.eval.Policies;
import io.foresight.core.eval.PoolReplay;
import io.foresight.core.feedback.HeadroomLearner;
import io.foresight.core.forecast.SeasonalNaiveForecaster;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.policy.PolicyGate;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LearnedHeadroomTest {
    static final LearnedHeadroom BANDIT = new LearnedHeadroom(HeadroomLearner.Config.defaults());

    static double evidence(LearnedHeadroom.State s, Pattern p) {
        HeadroomLearner.PatternStats ps = s.learner().patterns().get(p);
        if (ps == null) {
            return 0;
        }
        double n = 0;
        for (HeadroomLearner.ArmStats a : ps.arms()) {
            n += a.n();
        }
        return n;
    }

    /** Real intervals of the slice's first VM, scored against a tight allocation (its mean usage). */
    static List<LearnedHeadroom.Outcome> outcomes(UserSeries s, int from, int n, boolean anomalous) {
        List<LearnedHeadroom.Outcome> out = new ArrayList<>();
        ResourceVector tight = s.usageAt(from);
        for (int i = from; i < from + n; i++) {
            out.add(LearnedHeadroom.outcome(s.user(), Pattern.BATCH, tight, s.usageAt(i).toArray(), s.stepSeconds(),
                    PriceBook.DEFAULT, anomalous));
        }
        return out;
    }

    @Test
    void anomalousIntervalsGiveTheBanditNoEvidence() {
        UserSeries s = ProfilerTest.slice().users().values().iterator().next();
        Map<String, Pattern> users = Map.of(s.user(), Pattern.BATCH);
        LearnedHeadroom.State s0 = BANDIT.learn(null, 0, List.of(), users); // draws the first arm
        LearnedHeadroom.State s1 = BANDIT.learn(s0, 300, List.of(), users); // that arm is now the planned one
        assertEquals(s0.next(), s1.planned(), "the arm a plan used is credited one cycle later");
        LearnedHeadroom.State skipped = BANDIT.learn(s1, 600, List.of(outcomes(s, 1000, 1, true).get(0)), users);
        assertEquals(0, evidence(skipped, Pattern.BATCH), 0.0, "an anomalous interval is not a reward");
        LearnedHeadroom.State kept = BANDIT.learn(s1, 600, List.of(outcomes(s, 1000, 1, false).get(0)), users);
        assertEquals(1, evidence(kept, Pattern.BATCH), 1e-9);
    }

    @Test
    void theStateSurvivesAJsonRoundTripAndDrawsTheSameArms() throws Exception {
        UserSeries s = ProfilerTest.slice().users().values().iterator().next();
        Map<String, Pattern> users = Map.of(s.user(), Pattern.BATCH, "other", Pattern.INTERACTIVE_DEV);
        LearnedHeadroom.State st = null;
        for (int c = 0; c < 50; c++) {
            st = BANDIT.learn(st, c * 300L, outcomes(s, 1000 + c, 1, false), users);
        }
        ObjectMapper json = new ObjectMapper();
        LearnedHeadroom.State back = json.readValue(json.writeValueAsString(st), LearnedHeadroom.State.class);
        LearnedHeadroom.State a = BANDIT.learn(st, 99_000, outcomes(s, 2000, 1, false), users);
        LearnedHeadroom.State b = BANDIT.learn(back, 99_000, outcomes(s, 2000, 1, false), users);
        assertEquals(a.next(), b.next());
        assertEquals(json.writeValueAsString(a.learner()), json.writeValueAsString(b.learner()));
        assertTrue(evidence(st, Pattern.BATCH) > 40, "50 cycles of evidence (discounted): " + evidence(st, Pattern.BATCH));
    }

    @Test
    void onTheRealSliceTheLoopsBanditLearnsPerPatternWithinThePolicysBounds() {
        Trace t = ProfilerTest.slice();
        int warm = 3 * 288;
        int cycles = 2 * 288;
        var settings = Policies.ForesightSettings.defaults();
        CycleEngine engine = Policies.engine(settings, PolicyGate.PERMISSIVE, PriceBook.DEFAULT, CycleEngine.Parts.ALL);
        PoolReplay replay = new PoolReplay(engine, SeasonalNaiveForecaster.daily(), "seasonal-naive", "t",
                ApprovalModel.NOW, UserDirectory.DEFAULTS::base);
        List<PoolReplay.UserReplay> pool = new ArrayList<>();
        for (UserSeries s : t.users().values()) {
            UserSeries cut = s.slice(0, warm + cycles);
            pool.add(new PoolReplay.UserReplay(cut, warm, cut.capacityAt(warm)));
        }
        List<LearnedHeadroom.State> states = new ArrayList<>();
        replay.run(pool, new PoolReplay.Listener() {
            @Override
            public void interval(int user, int index, ResourceVector inForce, io.foresight.core.forecast.Forecast f) {}

            @Override
            public void learned(LearnedHeadroom.State s) {
                states.add(s);
            }
        }, null, 1);
        assertEquals(cycles, states.size());
        LearnedHeadroom.State last = states.get(states.size() - 1);
        double total = 0;
        for (Pattern p : Pattern.values()) {
            total += evidence(last, p);
        }
        assertTrue(total > 0.9 * 20 * (cycles - 2) * 0.9, "every observed, non-anomalous user-interval is evidence: " + total);
        for (double h : last.next().values()) {
            assertTrue(h >= 0 && h <= 0.5, "arm outside the policy's bounds: " + h);
        }
        Map<Pattern, Double> best = LearnedHeadroom.best(last);
        System.out.println("learned headroom per pattern after 2 days of the slice: " + best);
        assertNotEquals(0, last.next().values().stream().distinct().count());
    }
}
