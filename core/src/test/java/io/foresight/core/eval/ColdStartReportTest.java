package io.foresight.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.cost.PriceBook;
import io.foresight.core.engine.ApprovalModel;
import io.foresight.core.policy.PolicyGate;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Test users absent from training are scored separately too (evaluate's cold_start section). */
class ColdStartReportTest {
    @Test
    void usersAbsentFromTrainingAreReportedPerPolicy() {
        Trace[] tt = SpotEvaluationTest.split(11);
        String held = tt[0].userIds().get(3);
        Map<String, UserSeries> train = new LinkedHashMap<>(tt[0].users());
        train.remove(held);
        Trace trainWithout = new Trace(tt[0].stepSeconds(), train, tt[0].report());
        Evaluator e = Policies.evaluator(List.of("static", "vpa"), trainWithout, Policies.ForesightSettings.defaults(),
                PolicyGate.PERMISSIVE, PriceBook.DEFAULT, ApprovalModel.NOW, new Evaluator.Config(1, 2, 0, PriceBook.DEFAULT, null, 5000));
        EvaluationResult r = e.run(trainWithout, tt[1]);
        assertEquals(List.of("static", "vpa"), List.copyOf(e.coldStart().keySet()));
        long intervals = tt[1].user(held).size();
        for (String p : List.of("static", "vpa")) {
            PolicyMetrics cold = e.coldStart().get(p);
            assertEquals(intervals, cold.userIntervals(), p + ": only the held-out user's intervals");
            assertTrue(cold.userIntervals() < r.policies().get(p).userIntervals());
        }
    }
}
