package io.foresight.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.cost.PriceBook;
import io.foresight.core.engine.ApprovalModel;
import io.foresight.core.engine.CycleEngine;
import io.foresight.core.engine.UserDirectory;
import io.foresight.core.model.Tier;
import io.foresight.core.policy.PolicyGate;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Spot in evaluate on the repo's real slice: decided by the engine from the profiles, priced, interruptions simulated. */
class SpotEvaluationTest {
    static Trace[] split(int trainDays) {
        Trace t = BitbrainsReader.read(Path.of("..", "data", "bitbrains-slice", "bitbrains-rnd-2013-07-01_14d_20vms.csv.gz"));
        int n = trainDays * 288;
        Map<String, UserSeries> a = new LinkedHashMap<>();
        Map<String, UserSeries> b = new LinkedHashMap<>();
        t.users().forEach((id, s) -> {
            a.put(id, s.slice(0, n));
            b.put(id, s.slice(n, s.size()));
        });
        return new Trace[] {new Trace(t.stepSeconds(), a, t.report()), new Trace(t.stepSeconds(), b, t.report())};
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> spotOf(EvaluationResult r) {
        return (Map<String, Object>) r.parameters().get("foresight").get("spot");
    }

    @Test
    void usersAllowedSpotRunOnItAtSpotPricesAndSpotOffCostsTheOnDemandPrice() {
        Trace[] tt = split(10);
        UserDirectory spotOk = new UserDirectory(new UserDirectory.Entry("t", Tier.STANDARD, true), Map.of());
        var settings = Policies.ForesightSettings.defaults();
        Evaluator.Config cfg = new Evaluator.Config(1, 4, 0, PriceBook.DEFAULT, null, 5000);
        EvaluationResult on = Policies.evaluator(List.of("foresight"), tt[0], settings, PolicyGate.PERMISSIVE, PriceBook.DEFAULT,
                ApprovalModel.NOW, cfg, CycleEngine.Parts.ALL, spotOk).run(tt[0], tt[1]);
        EvaluationResult off = Policies.evaluator(List.of("foresight"), tt[0], settings, PolicyGate.PERMISSIVE, PriceBook.DEFAULT,
                ApprovalModel.NOW, cfg, CycleEngine.Parts.ALL.withSpot(false), spotOk).run(tt[0], tt[1]);
        Map<String, Object> s = spotOf(on);
        double share = ((Number) s.get("spot_share_of_user_intervals")).doubleValue();
        System.out.println("spot on the slice: " + s + "\nspot off: " + spotOf(off));
        assertTrue(share > 0.05, "interruptible, confident users go on spot: share " + share);
        assertTrue(((Number) s.get("cost_with_spot")).doubleValue() < ((Number) s.get("cost_all_on_demand")).doubleValue());
        // the capacity planner placed the pool every interval: spot nodes cost less than the same pool all on-demand
        assertTrue(((Number) s.get("node_hours")).doubleValue() > 0, s.toString());
        assertTrue(((Number) s.get("spot_share_of_node_hours")).doubleValue() > 0, s.toString());
        assertTrue(((Number) s.get("node_cost_with_spot")).doubleValue()
                < ((Number) s.get("node_cost_all_on_demand")).doubleValue(), s.toString());
        assertEquals(((Number) spotOf(off).get("node_cost_with_spot")).doubleValue(),
                ((Number) spotOf(off).get("node_cost_all_on_demand")).doubleValue(), 1e-9);
        assertEquals(0.0, ((Number) spotOf(off).get("spot_share_of_user_intervals")).doubleValue());
        assertEquals(((Number) spotOf(off).get("cost_with_spot")).doubleValue(),
                ((Number) spotOf(off).get("cost_all_on_demand")).doubleValue(), 1e-9);
    }
}
