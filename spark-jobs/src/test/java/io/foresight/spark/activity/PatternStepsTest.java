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

    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path tmp;

    /** The trained models as the job leaves them: a classifier and a population, verdict pending. */
    java.nio.file.Path trained(String name) {
        int n = io.foresight.core.features.FeatureVector.NAMES.size();
        var c = new io.foresight.core.features.PatternClassifier(io.foresight.core.features.PatternClassifier.FOREST, "rf/t",
                new double[n], new double[n], java.util.List.of(new io.foresight.core.forecast.TreeEnsemble.Tree(1,
                new int[] {-1}, new double[] {0}, new int[] {-1}, new int[] {-1}, new double[] {0})), null, null, Map.of());
        var trace = io.foresight.core.trace.BitbrainsReader.read(java.util.List.of(java.nio.file.Path.of("..", "data",
                "bitbrains-slice", "bitbrains-rnd-2013-07-01_14d_20vms.csv.gz")), 4);
        var pop = io.foresight.core.engine.PopulationProfile.fit(trace, u -> "default", 0.9);
        java.nio.file.Path d = tmp.resolve(name);
        io.foresight.core.forecast.ModelArtifacts.savePatterns(d, "k", c, pop, 0, 1, Map.of(), Map.of(), GateVerdict.pending());
        return d;
    }

    @Test
    void aRefusedClassifierIsNeverServedAndThePopulationIsUnlessAChampionClassifierIsBetter() {
        var refused = PatternSteps.verdict("random_forest", metrics(0.84, 0.88, null), "", 0.05);
        // no champion classifier: the version serves the rules with the new population, and says why
        java.nio.file.Path a = trained("a");
        GateVerdict v = PatternSteps.settle(a, refused, "", metrics(0.84, 0.88, null));
        assertTrue(v.passed() && v.reason().startsWith("classifier refused:"), v.reason());
        var served = io.foresight.core.forecast.ModelArtifacts.loadPatterns(a);
        assertEquals(null, served.classifier());
        // a champion with a classifier: the whole version is refused
        java.nio.file.Path b = trained("b");
        assertFalse(PatternSteps.settle(b, refused, "3", metrics(0.84, 0.88, 0.9)).passed());
        org.junit.jupiter.api.Assertions.assertThrows(io.foresight.core.forecast.ModelArtifacts.RefusedException.class,
                () -> io.foresight.core.forecast.ModelArtifacts.loadPatterns(b));
        // a passed classifier is served
        java.nio.file.Path c = trained("c");
        var passed = PatternSteps.verdict("random_forest", metrics(0.90, 0.88, null), "", 0.05);
        PatternSteps.settle(c, passed, "", metrics(0.90, 0.88, null));
        assertEquals("rf/t", io.foresight.core.forecast.ModelArtifacts.loadPatterns(c).classifier().version());
    }
}
