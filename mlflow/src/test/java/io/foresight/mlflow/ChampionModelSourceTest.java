package io.foresight.mlflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.forecast.Forecast;
import io.foresight.core.forecast.Forecaster;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fallback logic, against an in-memory store that can be made to fail. */
class ChampionModelSourceTest {
    @TempDir
    Path cache;

    private final FakeStore store = new FakeStore();
    private int loads;

    /** A "model" whose artifact is a file value.txt holding a constant; "corrupt" artifacts throw on load. */
    private Forecaster load(Path dir, ModelVersionRef v) throws Exception {
        loads++;
        String s = Files.readString(dir.resolve("value.txt")).trim();
        double c = Double.parseDouble(s); // NumberFormatException for a corrupt artifact
        return new Constant("const-" + s, c);
    }

    private ChampionModelSource source;

    @BeforeEach
    void setUp() {
        source = ChampionModelSource.builder().store(store).model("m").cacheDir(cache)
                .loader(this::load).fallback(new Constant("naive", -1))
                .expectedFeatureSchemaHash("schema-1").build();
    }

    @Test
    void usesFallbackUntilAChampionExistsThenLoadsIt() {
        assertEquals(ChampionModelSource.Refresh.FALLBACK, source.refresh());
        assertEquals(-1, predict());
        assertTrue(lastModel.startsWith("fallback:"));

        store.publish("1", "10", "schema-1");
        assertEquals(ChampionModelSource.Refresh.LOADED, source.refresh());
        assertEquals(10, predict());
        assertEquals("m/v1 [const-10]", lastModel);
        assertEquals(ChampionModelSource.Refresh.UNCHANGED, source.refresh());
        assertEquals(1, loads, "an unchanged alias is not reloaded");
        assertEquals(Map.of("fallback:naive", 1L, "m/v1", 1L), source.predictionsByModel());
    }

    @Test
    void keepsLastGoodModelWhileMlflowIsDown() {
        store.publish("1", "10", "schema-1");
        source.refresh();
        store.down = true;
        assertEquals(ChampionModelSource.Refresh.KEPT_LAST_GOOD, source.refresh());
        assertEquals(10, predict());
        store.down = false;
        store.publish("2", "20", "schema-1");
        assertEquals(ChampionModelSource.Refresh.LOADED, source.refresh());
        assertEquals(20, predict());
    }

    @Test
    void fallsBackWhenMlflowIsDownBeforeAnythingLoaded() {
        store.down = true;
        assertEquals(ChampionModelSource.Refresh.FALLBACK, source.refresh());
        assertEquals(-1, predict());
    }

    @Test
    void rejectsCorruptVersionOnceAndKeepsLastGood() {
        store.publish("1", "10", "schema-1");
        source.refresh();
        store.publish("2", "not-a-number", "schema-1");
        assertEquals(ChampionModelSource.Refresh.KEPT_LAST_GOOD, source.refresh());
        assertEquals(ChampionModelSource.Refresh.KEPT_LAST_GOOD, source.refresh());
        assertEquals(2, loads, "a rejected version is not loaded again every cycle");
        assertEquals(1, store.downloads.get("2"));
        assertTrue(source.rejectedVersions().get("2").contains("NumberFormatException"));
        assertEquals(10, predict());
        assertEquals("1", source.activeVersion().orElseThrow().version());
    }

    @Test
    void rejectsFeatureSchemaMismatchWithoutDownloading() {
        store.publish("1", "10", "schema-OLD");
        assertEquals(ChampionModelSource.Refresh.FALLBACK, source.refresh());
        assertFalse(store.downloads.containsKey("1"));
        assertTrue(source.rejectedVersions().get("1").contains("schema-OLD"));
        assertEquals(-1, predict());
    }

    @Test
    void aRefusedChampionIsReportedWithItsReasonWhileTheLastGoodServesUntilTheAliasMovesOn() {
        store.publish("1", "10", "schema-1");
        source.refresh();
        assertEquals("", source.refusal());
        store.publish("2", "10", "schema-OLD"); // trained on other features
        assertEquals(ChampionModelSource.Refresh.KEPT_LAST_GOOD, source.refresh());
        assertTrue(source.refusal().startsWith("m/v2 refused: feature schema schema-OLD"), source.refusal());
        assertEquals(ChampionModelSource.Refresh.KEPT_LAST_GOOD, source.refresh());
        assertTrue(source.refusal().startsWith("m/v2 refused"), "still refused on the next cycle: " + source.refusal());
        store.down = true;
        source.refresh();
        assertTrue(source.refusal().startsWith("m/v2 refused"), "an unreachable registry does not clear it");
        store.down = false;
        store.publish("3", "not-a-number", "schema-1"); // the loader refuses it (as a model without a passed gate)
        source.refresh();
        assertTrue(source.refusal().startsWith("m/v3 refused: artifact does not load"), source.refusal());
        assertEquals(10, predict(), "the last good version serves");
        assertEquals("1", source.activeVersion().orElseThrow().version());
        store.publish("4", "40", "schema-1");
        assertEquals(ChampionModelSource.Refresh.LOADED, source.refresh());
        assertEquals("", source.refusal(), "a served champion clears the refusal");
    }

    @Test
    void failedDownloadIsRetriedNextCycleAndLeavesNoPartialCache() throws Exception {
        store.publish("1", "10", "schema-1");
        store.failDownloads = true;
        assertEquals(ChampionModelSource.Refresh.FALLBACK, source.refresh());
        assertTrue(source.rejectedVersions().isEmpty(), "a transient download failure is not a verdict on the version");
        try (var s = Files.walk(cache)) {
            assertEquals(0, s.filter(Files::isRegularFile).count(), "no half-downloaded files stay in the cache");
        }
        store.failDownloads = false;
        assertEquals(ChampionModelSource.Refresh.LOADED, source.refresh());
    }

    @Test
    void reusesCompleteCacheEntryAcrossInstances() {
        store.publish("1", "10", "schema-1");
        source.refresh();
        ChampionModelSource second = ChampionModelSource.builder().store(store).model("m").cacheDir(cache)
                .loader(this::load).fallback(new Constant("naive", -1)).build();
        assertEquals(ChampionModelSource.Refresh.LOADED, second.refresh());
        assertEquals(1, store.downloads.get("1"), "the cached version is not downloaded again");
    }

    @Test
    void aServiceStartedWhileMlflowIsDownServesTheCachedChampionThenFollowsTheRegistry() {
        store.publish("1", "10", "schema-1");
        assertEquals(ChampionModelSource.Refresh.LOADED, source.refresh());
        // a new process (worker restart) while MLflow is down
        store.down = true;
        source = ChampionModelSource.builder().store(store).model("m").cacheDir(cache)
                .loader(this::load).fallback(new Constant("naive", -1)).build();
        assertEquals(ChampionModelSource.Refresh.LOADED_FROM_CACHE, source.refresh());
        assertEquals(10, predict(), "the cached champion, not the untrained fallback");
        assertEquals("m/v1 [const-10]", lastModel);
        assertEquals(ChampionModelSource.Refresh.KEPT_LAST_GOOD, source.refresh());
        // MLflow is back with a new champion: it replaces the cached one
        store.down = false;
        store.publish("2", "20", "schema-1");
        assertEquals(ChampionModelSource.Refresh.LOADED, source.refresh());
        assertEquals(20, predict());
        // and the next restart during an outage starts from v2
        store.down = true;
        source = ChampionModelSource.builder().store(store).model("m").cacheDir(cache)
                .loader(this::load).fallback(new Constant("naive", -1)).build();
        assertEquals(ChampionModelSource.Refresh.LOADED_FROM_CACHE, source.refresh());
        assertEquals(20, predict());
    }

    @Test
    void aCachedChampionThatNoLongerLoadsLeavesTheFallback() throws Exception {
        store.publish("1", "10", "schema-1");
        source.refresh();
        Files.writeString(cache.resolve("m").resolve("1").resolve("value.txt"), "garbage");
        store.down = true;
        source = ChampionModelSource.builder().store(store).model("m").cacheDir(cache)
                .loader(this::load).fallback(new Constant("naive", -1)).build();
        assertEquals(ChampionModelSource.Refresh.FALLBACK, source.refresh());
        assertEquals(-1, predict());
    }

    private String lastModel;

    private double predict() {
        UserSeries s = new UserSeries("u", 300, new long[] {0, 300},
                new double[Resource.COUNT][2], new double[Resource.COUNT][2]);
        Forecast f = source.forecast(s, 2, 1);
        lastModel = f.model();
        return f.point(Resource.CPU, 0);
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

    /** An in-memory registry + artifact store with switches for outages. */
    private static final class FakeStore implements ModelStore {
        boolean down;
        boolean failDownloads;
        ModelVersionRef champion;
        final Map<String, String> artifacts = new HashMap<>();
        final Map<String, Integer> downloads = new HashMap<>();

        void publish(String version, String content, String schema) {
            artifacts.put(version, content);
            champion = new ModelVersionRef("m", version, "mlflow-artifacts:/1/r" + version + "/artifacts/model", "r" + version,
                    Map.of(ModelRegistry.TAG_FEATURE_SCHEMA_HASH, schema));
        }

        @Override
        public Optional<ModelVersionRef> resolve(String model, String alias) {
            if (down) {
                throw new MlflowException("connection refused");
            }
            return Optional.ofNullable(champion);
        }

        @Override
        public void download(ModelVersionRef v, Path target) {
            downloads.merge(v.version(), 1, Integer::sum);
            try {
                Files.createDirectories(target);
                Files.writeString(target.resolve("value.txt"), artifacts.get(v.version()));
                if (failDownloads) {
                    throw new MlflowException("HTTP 503 while downloading");
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
