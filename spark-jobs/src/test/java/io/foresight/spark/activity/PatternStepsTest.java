package io.foresight.spark.activity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.forecast.GateVerdict;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pattern models' gate: beat persistence, and the champion by the margin of its errors, on the same pairs. */
class PatternStepsTest {
    static Map<String, Double> metrics(double rf, double persistence, Double champion) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("random_forest.accuracy", rf);
        m.put("persistence.accuracy", persistence);
        m.put("pairs.test", 600.0);
        if (champion != null) {
            m.put("champion.accuracy", champion);
        }
        return m;
    }

    @Test
    void theWinnerMustBeatPersistence() {
        GateVerdict v = PatternSteps.verdict("random_forest", metrics(0.85, 0.85, null), "", 0.05);
        assertFalse(v.passed(), "a tie with persistence is refused");
        assertTrue(v.reason().startsWith("refused: random_forest accuracy 0.850 vs persistence 0.850 on 600"), v.reason());
        assertTrue(PatternSteps.verdict("random_forest", metrics(0.87, 0.85, null), "", 0.05).passed());
    }

    @Test
    void andRemoveTheMarginOfTheChampionsErrors() {
        // champion 0.80 makes 20 % errors; a 5 % margin asks for at most 19 %
        GateVerdict close = PatternSteps.verdict("random_forest", metrics(0.805, 0.70, 0.80), "3", 0.05);
        assertFalse(close.passed());
        assertTrue(close.reason().contains("champion v3 0.800"), close.reason());
        GateVerdict better = PatternSteps.verdict("random_forest", metrics(0.81, 0.70, 0.80), "3", 0.05);
        assertTrue(better.passed(), better.reason());
        assertEquals(0.81, better.metrics().get("random_forest.accuracy"));
    }
}
