package io.foresight.core.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.forecast.Forecast;
import io.foresight.core.forecast.Forecaster;
import io.foresight.core.forecast.GateVerdict;
import io.foresight.core.forecast.ModelArtifacts;
import io.foresight.core.forecast.TreeEnsemble;
import io.foresight.core.forecast.TreeEnsembleForecaster;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Save/load round trip of every family through the one artifact format, on the bundled real slice. */
class ModelArtifactsTest {
    static final Path SLICE = Path.of("..", "data", "bitbrains-slice", "bitbrains-rnd-2013-07-01_14d_20vms.csv.gz");
    static Trace trace;
    static Trace train;
    static long cut;

    @TempDir
    Path tmp;

    @BeforeAll
    static void read() {
        trace = BitbrainsReader.read(List.of(SLICE), 4);
        cut = TrainingWindow.end(trace) - 2 * 86_400L;
        train = TrainingWindow.before(trace, cut);
    }

    /** Two small trees over the GBT's features: enough to make its forecasts depend on the model file. */
    static TreeEnsemble trees() {
        int mean1h = TreeEnsembleForecaster.FEATURES.indexOf("mean1h");
        int hour = TreeEnsembleForecaster.FEATURES.indexOf("hour");
        return new TreeEnsemble(TreeEnsembleForecaster.FEATURES, List.of(
                new TreeEnsemble.Tree(1.0, new int[] {mean1h, -1, -1}, new double[] {0.5, 0, 0}, new int[] {1, -1, -1},
                        new int[] {2, -1, -1}, new double[] {0, 0.01, -0.05}),
                new TreeEnsemble.Tree(0.5, new int[] {hour, -1, -1}, new double[] {12, 0, 0}, new int[] {1, -1, -1},
                        new int[] {2, -1, -1}, new double[] {0, 0.02, -0.02})));
    }

    /** One small tree over the M5 features (scaled last value and step). */
    static TreeEnsemble m5Trees() {
        int lag1 = io.foresight.core.forecast.M5Features.NAMES.indexOf("lag1");
        int step = io.foresight.core.forecast.M5Features.NAMES.indexOf("step");
        return new TreeEnsemble(io.foresight.core.forecast.M5Features.NAMES, List.of(
                new TreeEnsemble.Tree(1.0, new int[] {lag1, step, -1, -1, -1}, new double[] {1.0, 5, 0, 0, 0},
                        new int[] {1, 3, -1, -1, -1}, new int[] {2, 4, -1, -1, -1}, new double[] {0, 0, -0.1, 0.05, 0.1})));
    }

    static List<String> families() {
        return ModelFamilies.ALL;
    }

    Forecaster build(String family) throws Exception {
        Path linear = null;
        if (ModelFamilies.needsLinear(family)) {
            linear = Files.createDirectories(tmp.resolve("linear"));
            Files.writeString(linear.resolve("linear.json"),
                    "{\"features\":[\"lag_1\",\"lag_2\",\"mean_12\"],\"coefficients\":[0.6,0.1,0.3],\"intercept\":0.01}");
        }
        return ModelFamilies.build(family, train, "test-1", ModelFamilies.needsM5Trees(family) ? m5Trees() : trees(), linear);
    }

    @ParameterizedTest
    @MethodSource("families")
    void everyFamilyForecastsTheSameAfterSaveAndLoad(String family) throws Exception {
        Forecaster f = build(family);
        GateVerdict v = new GateVerdict(true, "passed: test", Map.of("challenger.all_mase", 0.5));
        Path dir = tmp.resolve(family);
        ModelArtifacts.save(dir, family, "test-1", f, TrainingWindow.start(train), cut, Map.of("k", "v"),
                Map.of("m", 1.5), v);
        ModelArtifacts.LoadedModel m = ModelArtifacts.load(dir);
        assertEquals(family, m.family());
        assertEquals("test-1", m.version());
        assertEquals(1.5, m.metrics().get("m"));
        assertTrue(m.gate().passed());
        assertEquals(0.5, m.gate().metrics().get("challenger.all_mase"));
        assertEquals(cut, m.manifest().trainTo());
        assertEquals(f.name(), m.forecaster().name());
        for (UserSeries s : trace.users().values()) {
            for (int now : new int[] {s.size() - 300, s.size() - 13}) {
                Forecast a = f.forecast(s, now, 12);
                Forecast b = m.forecaster().forecast(s, now, 12);
                for (Resource r : Resource.values()) {
                    assertArrayEquals(a.point()[r.ordinal()], b.point()[r.ordinal()], 1e-12, family + " point " + r);
                    assertArrayEquals(a.upper()[r.ordinal()], b.upper()[r.ordinal()], 1e-12, family + " upper " + r);
                }
            }
        }
    }

    /**
     * The calibrated families bound memory, network and disk at the engine's quantiles (ForesightSettings, the one
     * place for them) and CPU at their own (the sweep's knob), and a saved model keeps them: the loop serves the bound
     * that was evaluated. The memory bound at 0.99 is never below the one at 0.95 and above it somewhere.
     */
    @Test
    void calibratedFamiliesBoundTheOtherResourcesAtTheEngineQuantilesAndKeepThemSaved() throws Exception {
        double[] q = Policies.ForesightSettings.defaults().quantiles();
        for (String family : List.of(ModelFamilies.MEDIAN_PERIODIC, ModelFamilies.RECENT_MEDIAN, ModelFamilies.ETS)) {
            var c = (io.foresight.core.forecast.CalibratedForecaster) build(family);
            assertEquals(ModelFamilies.QUANTILE, c.nominal(Resource.CPU), family);
            for (Resource r : List.of(Resource.MEMORY, Resource.NETWORK, Resource.DISK)) {
                assertEquals(q[r.ordinal()], c.nominal(r), family + " " + r);
            }
            Path dir = tmp.resolve("nominals-" + family);
            ModelArtifacts.save(dir, family, "test-1", c, TrainingWindow.start(train), cut, Map.of(), Map.of(),
                    new GateVerdict(true, "passed: test", Map.of()));
            var loaded = (io.foresight.core.forecast.CalibratedForecaster) ModelArtifacts.load(dir).forecaster();
            for (Resource r : Resource.values()) {
                assertEquals(c.nominal(r), loaded.nominal(r), family + " saved " + r);
            }
        }
        var served = (io.foresight.core.forecast.CalibratedForecaster) build(ModelFamilies.MEDIAN_PERIODIC);
        var at95 = served.withNominal(Resource.MEMORY, 0.95);
        boolean above = false;
        for (UserSeries s : trace.users().values()) {
            int now = s.size() - 13;
            double hi = served.forecast(s, now, 1).upper(Resource.MEMORY, 0);
            double lo = at95.forecast(s, now, 1).upper(Resource.MEMORY, 0);
            assertTrue(hi >= lo, s.user() + ": " + hi + " < " + lo);
            above |= hi > lo;
        }
        assertTrue(above, "a 0.99 memory bound above the 0.95 one for some user");
    }

    @Test
    void refusesAModelWithoutAPassedGateButTheGateCanStillBacktestIt() {
        Path dir = tmp.resolve("pending");
        ModelArtifacts.save(dir, ModelFamilies.SEASONAL_AR, "v", ModelFamilies.build(ModelFamilies.SEASONAL_AR, train,
                "v", null, null), 0, cut, Map.of(), Map.of(), GateVerdict.pending());
        var e = assertThrows(ModelArtifacts.RefusedException.class, () -> ModelArtifacts.load(dir));
        assertTrue(e.getMessage().contains("no passed gate result"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertFalse(ModelArtifacts.loadForBacktest(dir).gate().passed());
        GateVerdict refused = new GateVerdict(false, "refused: does not beat last value", Map.of("x", Double.NaN));
        ModelArtifacts.recordVerdict(dir, Map.of("challenger.all_mase", 1.2), refused);
        e = assertThrows(ModelArtifacts.RefusedException.class, () -> ModelArtifacts.load(dir));
        assertTrue(e.getMessage().contains("does not beat last value"), e.getMessage());
        assertTrue(Double.isNaN(ModelArtifacts.readManifest(dir).gate().metrics().get("x")), "NaN survives as null");
        ModelArtifacts.recordVerdict(dir, Map.of(), new GateVerdict(true, "passed: ok", Map.of()));
        assertEquals(ModelFamilies.SEASONAL_AR, ModelArtifacts.load(dir).family());
    }

    @Test
    void refusesAModelTrainedOnOtherFeatures() throws Exception {
        Path dir = tmp.resolve("gbt");
        ModelArtifacts.save(dir, ModelFamilies.GBT, "v", build(ModelFamilies.GBT), 0, cut, Map.of(), Map.of(),
                new GateVerdict(true, "passed", Map.of()));
        Path m = dir.resolve(ModelArtifacts.MANIFEST);
        String json = Files.readString(m);
        String hash = ModelArtifacts.readManifest(dir).schemaHash();
        Files.writeString(m, json.replace(hash, "0123456789abcdef"));
        var e = assertThrows(ModelArtifacts.RefusedException.class, () -> ModelArtifacts.load(dir));
        assertTrue(e.getMessage().contains("feature schema 0123456789abcdef") && e.getMessage().contains("retrain"),
                e.getMessage());
    }

    @Test
    void refusesAMissingOrCorruptManifestWithOneLine() throws Exception {
        var e = assertThrows(ModelArtifacts.RefusedException.class, () -> ModelArtifacts.load(tmp));
        assertTrue(e.getMessage().contains("no manifest.json"), e.getMessage());
        Files.writeString(tmp.resolve(ModelArtifacts.MANIFEST), "{\"format\": \"foresight-model/1\", ");
        e = assertThrows(ModelArtifacts.RefusedException.class, () -> ModelArtifacts.load(tmp));
        assertTrue(e.getMessage().contains("not valid JSON") && !e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void rejectsAnUnknownFamilyByName() {
        var e = assertThrows(IllegalArgumentException.class, () -> ModelFamilies.requireKnown("prophet"));
        assertTrue(e.getMessage().contains("blend-conformal"), e.getMessage());
    }
}
