package io.foresight.mlflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.forecast.Forecast;
import io.foresight.core.forecast.Forecaster;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import io.foresight.mlflow.testing.MlflowServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Tracking, artifacts, registry, promotion and champion loading against a real MLflow server. */
@ExtendWith(MlflowServerExtension.class)
class MlflowLifecycleIT {
    @TempDir
    Path tmp;

    private static final String SCHEMA = "{\"features\":[\"lag1\",\"lag288\"]}";

    private TrackedRun train(ExperimentTracker tracker, String family, String key, double value) throws Exception {
        Path model = tmp.resolve("model-" + key);
        Files.createDirectories(model.resolve("stages/0_lr"));
        Files.writeString(model.resolve("value.txt"), Double.toString(value));
        Files.writeString(model.resolve("stages/0_lr/coefficients.json"), "[1.0, 2.0]");
        TrackedRun run = tracker.startRun(family, "train-" + key, key, Map.of("git.commit", "abc123", "data.path", "/data/x.csv.gz"));
        run.logParams(Map.of("lags", "1,288", "regParam", 0.1));
        run.logMetricHistory("train.loss", new double[] {3, 2, 1.5});
        run.logMetric("backtest.mae", value);
        run.logFeatureSchema(SCHEMA);
        run.logModelDirectory(model);
        run.logForecastPlot("cpu", new double[] {1, 2, 3, 2}, new double[] {1.1, 1.9, 2.7, 2.2});
        run.finish();
        return run;
    }

    @Test
    void tracksRunsWithArtifactsAndHistories(MlflowConnection conn) throws Exception {
        ExperimentTracker tracker = new ExperimentTracker(conn);
        String family = "it-" + UUID.randomUUID();
        TrackedRun run = train(tracker, family, "k1", 4.0);

        assertEquals(tracker.experimentFor(family), run.experimentId(), "one experiment per family");
        assertArrayEquals(new double[] {3, 2, 1.5}, tracker.run(run.runId()).metricHistory("train.loss"));
        var data = run.data();
        assertTrue(data.getParamsList().stream().anyMatch(p -> p.getKey().equals("regParam") && p.getValue().equals("0.1")));
        assertTrue(data.getTagsList().stream().anyMatch(t -> t.getKey().equals("git.commit") && t.getValue().equals("abc123")));

        ArtifactStore store = new ArtifactStore(conn);
        Set<String> top = store.list(run.artifactUri()).stream().map(ArtifactStore.Entry::path).collect(Collectors.toSet());
        assertEquals(Set.of("model", "plots", TrackedRun.FEATURE_SCHEMA_PATH), top);
        Path back = tmp.resolve("back");
        assertEquals(2, store.download(run.modelUri(), back), "the model directory comes back recursively");
        assertEquals("[1.0, 2.0]", Files.readString(back.resolve("stages/0_lr/coefficients.json")));
        Path png = tmp.resolve("plot.png");
        store.download(run.artifactUri() + "/" + TrackedRun.PLOT_PATH, png);
        byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(png), 4);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, head);

        assertEquals(run.runId(), tracker.findFinishedRun(family, "k1").orElseThrow().runId());
        assertTrue(tracker.findFinishedRun(family, "other").isEmpty());
    }

    @Test
    void registersVersionsIdempotentlyAndGatesPromotion(MlflowConnection conn) throws Exception {
        ExperimentTracker tracker = new ExperimentTracker(conn);
        ModelRegistry registry = new ModelRegistry(conn);
        String name = "it-model-" + UUID.randomUUID();
        String family = "it-" + UUID.randomUUID();
        registry.ensureRegisteredModel(name);
        registry.ensureRegisteredModel(name); // idempotent

        TrackedRun r1 = train(tracker, family, "a", 10.0);
        ModelVersionRef v1 = registry.createVersion(name, r1.modelUri(), r1.runId(), "wf-1/register",
                Map.of(ModelRegistry.TAG_FEATURE_SCHEMA_HASH, "h1"));
        assertEquals(v1.version(), registry.createVersion(name, r1.modelUri(), r1.runId(), "wf-1/register", Map.of()).version(),
                "a retried register returns the same version");
        registry.recordBacktest(name, v1.version(), "mae", 10.0, "bt-1");
        PromotionGate auto = PromotionGate.auto(0.05);
        assertEquals(PromotionDecision.Outcome.FIRST_CHAMPION,
                registry.applyVerdict(name, v1.version(), true, "passed: no champion yet", auto).outcome());
        assertEquals(v1.version(), registry.getAlias(name, ModelRegistry.CHAMPION).orElseThrow().version());
        assertTrue(registry.getAlias(name, ModelRegistry.CHALLENGER).isEmpty());
        assertEquals("already champion", registry.applyVerdict(name, v1.version(), true, "again", auto).reason());

        // refused by the gate: registered, nothing moves
        ModelVersionRef v2 = register(registry, tracker, family, name, "b", 11.0);
        PromotionDecision d2 = registry.applyVerdict(name, v2.version(), false, "refused: does not beat last value", auto);
        assertEquals(PromotionDecision.Outcome.REJECTED, d2.outcome());
        assertEquals("refused: does not beat last value", d2.reason());
        // passed, but under the manual gate: challenger only
        ModelVersionRef v3 = register(registry, tracker, family, name, "c", 8.0);
        PromotionDecision d3 = registry.applyVerdict(name, v3.version(), true, "passed", PromotionGate.manual());
        assertEquals(PromotionDecision.Outcome.CHALLENGER, d3.outcome());
        assertEquals(v3.version(), registry.getAlias(name, ModelRegistry.CHALLENGER).orElseThrow().version());
        assertEquals(v1.version(), registry.getAlias(name, ModelRegistry.CHAMPION).orElseThrow().version());
        // passed under auto: champion
        ModelVersionRef v5 = register(registry, tracker, family, name, "e", 7.0);
        PromotionDecision d5 = registry.applyVerdict(name, v5.version(), true, "passed", auto);
        assertEquals(PromotionDecision.Outcome.PROMOTED, d5.outcome());
        assertEquals(v1.version(), d5.previousChampion());
        assertEquals(v5.version(), registry.getAlias(name, ModelRegistry.CHAMPION).orElseThrow().version());
    }

    private static ModelVersionRef register(ModelRegistry registry, ExperimentTracker tracker, String family, String name,
                                            String key, double mae) throws Exception {
        TrackedRun r = new MlflowLifecycleIT().trainIn(tracker, family, key, mae);
        ModelVersionRef v = registry.createVersion(name, r.modelUri(), r.runId(), "wf-" + key + "/register", Map.of());
        registry.recordBacktest(name, v.version(), "mae", mae, "bt-1");
        return v;
    }

    private TrackedRun trainIn(ExperimentTracker tracker, String family, String key, double value) throws Exception {
        tmp = Files.createTempDirectory("foresight-it");
        return train(tracker, family, key, value);
    }

    @Test
    void championSourceFollowsAliasAndSurvivesABrokenVersion(MlflowConnection conn) throws Exception {
        ExperimentTracker tracker = new ExperimentTracker(conn);
        ModelRegistry registry = new ModelRegistry(conn);
        String name = "it-champ-" + UUID.randomUUID();
        String family = "it-" + UUID.randomUUID();
        ChampionModelSource source = ChampionModelSource.builder().store(ModelStore.of(conn)).model(name)
                .cacheDir(tmp.resolve("cache")).fallback(new Constant("naive", -1))
                .loader((dir, v) -> new Constant(v.label(), Double.parseDouble(Files.readString(dir.resolve("value.txt")))))
                .build();
        assertEquals(ChampionModelSource.Refresh.FALLBACK, source.refresh());

        TrackedRun good = train(tracker, family, "good", 5.0);
        ModelVersionRef v1 = registry.createVersion(name, good.modelUri(), good.runId(), "k-good", Map.of());
        registry.setAlias(name, ModelRegistry.CHAMPION, v1.version());
        assertEquals(ChampionModelSource.Refresh.LOADED, source.refresh());
        assertEquals(5.0, predict(source));
        assertTrue(Files.exists(tmp.resolve("cache").resolve(name).resolve(v1.version()).resolve("stages/0_lr/coefficients.json")),
                "the whole model tree is cached under its version");

        // a version whose artifact is corrupt: the good one stays active
        TrackedRun bad = train(tracker, family, "bad", 0.0);
        Path corrupt = tmp.resolve("corrupt");
        Files.createDirectories(corrupt);
        Files.writeString(corrupt.resolve("value.txt"), "garbage");
        new ArtifactStore(conn).uploadDirectory(bad.artifactUri(), "model-corrupt", corrupt);
        ModelVersionRef v2 = registry.createVersion(name, bad.artifactUri() + "/model-corrupt", bad.runId(), "k-bad", Map.of());
        registry.setAlias(name, ModelRegistry.CHAMPION, v2.version());
        assertEquals(ChampionModelSource.Refresh.KEPT_LAST_GOOD, source.refresh());
        assertEquals(5.0, predict(source));
        assertEquals(List.of(v2.version()), List.copyOf(source.rejectedVersions().keySet()));
        assertEquals(2L, source.predictionsByModel().get(v1.label()), "both forecasts came from the good version");
        assertTrue(source.predictionsByModel().keySet().stream().noneMatch(k -> k.equals(v2.label())));
    }

    private static double predict(Forecaster f) {
        UserSeries s = new UserSeries("u", 300, new long[] {0}, new double[Resource.COUNT][1], new double[Resource.COUNT][1]);
        return f.forecast(s, 1, 1).point(Resource.CPU, 0);
    }

    private record Constant(String name, double c) implements Forecaster {
        @Override
        public Forecast forecast(UserSeries history, int now, int horizon) {
            double[][] p = new double[Resource.COUNT][horizon];
            for (double[] row : p) {
                java.util.Arrays.fill(row, c);
            }
            return new Forecast(history.user(), 0, history.stepSeconds(), 0.95, p, p, name);
        }
    }
}
