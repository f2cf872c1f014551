package io.foresight.core.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.features.FeatureVector;
import io.foresight.core.features.PatternClassifier;
import io.foresight.core.features.UserFeatures;
import io.foresight.core.forecast.GateVerdict;
import io.foresight.core.forecast.ModelArtifacts;
import io.foresight.core.forecast.TreeEnsemble;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.UserProfile;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pattern models (classifier + population profile) through the one model format: save/load round trip on
 * the real slice, the gate required for serving, and the served classifier naming the profile's pattern with
 * its confidence.
 */
class PatternModelsTest {
    static final int DAY = 288;

    @TempDir
    Path dir;

    /** A forest splitting on the mean CPU utilisation: above the threshold BATCH (2 of 3 trees), else IDLE. */
    static PatternClassifier forest(double threshold) {
        int f = FeatureVector.NAMES.indexOf(FeatureVector.NAMES.stream().filter(n -> n.startsWith("cpu_mean")).findFirst()
                .orElseThrow());
        double[] mean = new double[FeatureVector.NAMES.size()];
        double[] std = new double[FeatureVector.NAMES.size()];
        java.util.Arrays.fill(std, 1);
        TreeEnsemble.Tree split = new TreeEnsemble.Tree(1, new int[] {f, -1, -1}, new double[] {threshold, 0, 0},
                new int[] {1, -1, -1}, new int[] {2, -1, -1},
                new double[] {0, Pattern.IDLE.ordinal(), Pattern.BATCH.ordinal()});
        TreeEnsemble.Tree idle = new TreeEnsemble.Tree(1, new int[] {-1}, new double[] {0}, new int[] {-1}, new int[] {-1},
                new double[] {Pattern.IDLE.ordinal()});
        return new PatternClassifier(PatternClassifier.FOREST, "random-forest/test", mean, std,
                List.of(split, split, idle), null, null, Map.of("accuracy", 0.9, "persistence_accuracy", Double.NaN));
    }

    @Test
    void patternModelsRoundTripAndServeOnlyWithAPassedGate() {
        Trace t = ProfilerTest.slice();
        PopulationProfile pop = PopulationProfile.fit(t, u -> "default", 0.9);
        PatternClassifier c = forest(0.5);
        ModelArtifacts.savePatterns(dir, "v1", c, pop, 1, 2, Map.of("winner", "random-forest"),
                Map.of("random_forest.accuracy", 0.9), GateVerdict.pending());
        // not judged yet: scoring may read it, serving may not
        ModelArtifacts.RefusedException refused = assertThrows(ModelArtifacts.RefusedException.class,
                () -> ModelArtifacts.loadPatterns(dir));
        assertTrue(refused.getMessage().contains("no passed gate result"), refused.getMessage());
        ModelArtifacts.recordVerdict(dir, Map.of("random_forest.accuracy", 0.9),
                new GateVerdict(true, "0.90 > persistence 0.80", Map.of()));
        ModelArtifacts.LoadedPatterns back = ModelArtifacts.loadPatterns(dir);
        assertEquals(ModelArtifacts.PATTERN_FAMILY, back.manifest().family());
        assertEquals("random-forest/test", back.version());
        assertEquals(pop.majority(), back.population().majority());
        assertEquals(pop.patterns().keySet(), back.population().patterns().keySet());
        for (Pattern p : pop.patterns().keySet()) {
            assertArrayEquals(pop.patterns().get(p).ratio()[0], back.population().patterns().get(p).ratio()[0], 1e-12);
        }
        assertTrue(Double.isNaN(back.classifier().metrics().get("persistence_accuracy")), "NaN survives JSON");
        for (UserSeries s : t.users().values()) {
            FeatureVector v = UserFeatures.profile(s, s.timestamp(0), s.timestamp(DAY));
            assertEquals(c.classify(v), back.classifier().classify(v));
        }
        // a pattern directory is not a forecaster, and a forecaster's loader says so
        assertThrows(ModelArtifacts.RefusedException.class, () -> ModelArtifacts.loadForBacktest(dir));
    }

    @Test
    void withoutAClassifierTheRulesNameThePatternsAndThePopulationIsServed() {
        PopulationProfile pop = PopulationProfile.fit(ProfilerTest.slice(), u -> "default", 0.9);
        ModelArtifacts.savePatterns(dir, "v2", null, pop, 1, 2, Map.of(), Map.of(),
                new GateVerdict(true, "classifier refused: persistence wins; served: the rules", Map.of()));
        ModelArtifacts.LoadedPatterns back = ModelArtifacts.loadPatterns(dir);
        assertEquals(null, back.classifier());
        assertEquals(Profiler.PATTERN_MODEL + " + population v2", back.version());
        assertEquals(pop.majority(), back.population().majority());
    }

    @Test
    void aPatternModelOnOtherFeaturesIsRefused() throws Exception {
        ModelArtifacts.savePatterns(dir, "v1", forest(0.5), PopulationProfile.fit(ProfilerTest.slice(), u -> "d", 0.9),
                1, 2, Map.of(), Map.of(), new GateVerdict(true, "ok", Map.of()));
        Path m = dir.resolve(ModelArtifacts.MANIFEST);
        Files.writeString(m, Files.readString(m).replaceFirst("\"hash\" : \"[0-9a-f]+\"", "\"hash\" : \"0000\""));
        ModelArtifacts.RefusedException e = assertThrows(ModelArtifacts.RefusedException.class,
                () -> ModelArtifacts.loadPatterns(dir));
        assertTrue(e.getMessage().contains("feature schema 0000"), e.getMessage());
    }

    @Test
    void theServedClassifierNamesTheProfilesPatternWithItsConfidence() {
        // the slice's busiest VM: the forest with a low threshold names it BATCH with 2 of 3 votes
        Trace t = ProfilerTest.slice();
        UserSeries busy = null;
        double top = -1;
        for (UserSeries s : t.users().values()) {
            double m = UserFeatures.profile(s, s.timestamp(0), s.timestamp(DAY)).values()[
                    FeatureVector.NAMES.indexOf(FeatureVector.NAMES.stream().filter(n -> n.startsWith("cpu_mean")).findFirst().orElseThrow())];
            if (m > top) {
                top = m;
                busy = s;
            }
        }
        PatternClassifier c = forest(top / 2);
        UserHistory h = UserHistory.seed(busy, 2 * DAY, CycleEngine.historyWindow(busy.stepSeconds()));
        UserProfile base = UserDirectory.DEFAULTS.base(busy.user());
        ProfileState served = new Profiler(Profiler.Config.defaults(), null, c).update(null, base, h, null);
        assertEquals(Pattern.BATCH, served.pattern());
        // first evaluation: the history agrees fully (1.0), the forest votes 2/3: confidence is their mean
        assertEquals((1.0 + 2.0 / 3) / 2, served.confidence(), 1e-9);
        assertEquals("random-forest/test", served.models().get("pattern"));
        ProfileState rules = new Profiler(Profiler.Config.defaults()).update(null, base, h, null);
        assertEquals(Profiler.PATTERN_MODEL, rules.models().get("pattern"));
        assertNotEquals(served.confidence(), rules.confidence());
    }

    @Test
    void svmScoresAreASoftmaxOfTheMarginsAndTheLargestWins() {
        int n = FeatureVector.NAMES.size();
        double[][] coef = new double[Pattern.values().length - 1][n];
        double[] icpt = {0, 2, 0, 0, 0};
        PatternClassifier svm = new PatternClassifier(PatternClassifier.SVM, "svm/test", new double[n], new double[n], null,
                coef, icpt, Map.of());
        FeatureVector v = new FeatureVector("u", 0, 1, new double[n]);
        double[] p = svm.probabilities(v);
        assertEquals(1.0, java.util.stream.DoubleStream.of(p).sum(), 1e-12);
        assertEquals(Pattern.INTERACTIVE_DEV, svm.predict(v));
        assertEquals(Math.exp(2) / (Math.exp(2) + 4), svm.classify(v).confidence(), 1e-12);
    }
}
