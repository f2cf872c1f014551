package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.activities.ControlWorkerConfig;
import io.foresight.activities.controlloop.ControlLoopActivitiesImpl;
import io.foresight.activities.controlloop.TraceUsageSource;
import io.foresight.core.actuate.SimulatedCluster;
import io.foresight.core.eval.ModelFamilies;
import io.foresight.core.forecast.GateVerdict;
import io.foresight.core.forecast.ModelArtifacts;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.mlflow.ChampionModelSource;
import io.foresight.mlflow.ModelRegistry;
import io.foresight.mlflow.ModelStore;
import io.foresight.mlflow.ModelVersionRef;
import io.foresight.workflows.controlloop.ControlLoopActivities.CollectResult;
import io.foresight.workflows.controlloop.ControlLoopActivities.PredictResult;
import io.foresight.workflows.controlloop.ShardTask;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13's model attack on the loop's real model path: the registry's champion is moved (as anyone reaching
 * MLflow could) to a version without a passed gate, then to one trained on other features. Each is refused through
 * the one loader, the last good version goes on predicting, and the refusal is in the predict result (so in the
 * loop's state query) and in the {@code foresight_model_refused} gauge until a good version is champion again.
 */
class ModelRefusalTest {
    static final String POOL = "refusal";

    @TempDir
    Path tmp;

    @Test
    void aChampionWithoutAPassedGateOrWithOtherFeaturesIsRefusedVisiblyAndTheLastGoodServes() throws Exception {
        Path slice = Path.of("..", "data", "bitbrains-slice", "bitbrains-rnd-2013-07-01_14d_20vms.csv.gz");
        Trace train = BitbrainsReader.read(slice);
        RegistryOnDisk registry = new RegistryOnDisk(tmp.resolve("registry"));
        GateVerdict passed = new GateVerdict(true, "passed: beats last value", Map.of());
        registry.publish("1", train, passed);

        ChampionModelSource champion = ChampionModelSource.builder().store(registry).model(Models.REGISTERED_MODEL)
                .cacheDir(tmp.resolve("cache")).fallback(ModelFamilies.blend(null))
                .loader((dir, v) -> ModelArtifacts.load(dir).forecaster()).build();
        PrometheusRegistry metrics = new PrometheusRegistry();
        ControlLoopActivitiesImpl loop = new ControlLoopActivitiesImpl(ControlWorkerConfig.defaults(tmp.resolve("state"))
                .withUsageSources(TraceUsageSource.resolver(288))
                .withMetrics(metrics)
                .withActuator(new SimulatedCluster(tmp.resolve("cluster")))
                .withForecasters(Models.following(champion, "blend/untrained")));
        String source = "trace:" + slice;
        int users = loop.describePool(POOL, source).users();

        PredictResult p = predict(loop, source, 0, users);
        String good = Models.REGISTERED_MODEL + "/v1";
        assertEquals(good, p.modelVersion());
        assertEquals("", p.modelRefusal());
        assertEquals(0.0, gauge(metrics, "foresight_model_refused"));

        registry.publish("2", train, GateVerdict.pending()); // promoted without passing the gate
        p = predict(loop, source, 1, users);
        assertEquals(good, p.modelVersion(), "the last good model serves");
        assertTrue(p.modelRefusal().startsWith(Models.REGISTERED_MODEL + "/v2 refused")
                && p.modelRefusal().contains("no passed gate result"), p.modelRefusal());
        assertEquals(1.0, gauge(metrics, "foresight_model_refused"));
        p = predict(loop, source, 2, users);
        assertTrue(p.modelRefusal().contains("/v2 refused"), "still reported on the next cycle: " + p.modelRefusal());

        registry.publish("3", train, passed);
        registry.corruptSchema("3"); // trained on other features
        p = predict(loop, source, 3, users);
        assertEquals(good, p.modelVersion());
        assertTrue(p.modelRefusal().contains("/v3 refused") && p.modelRefusal().contains("feature schema"),
                p.modelRefusal());
        assertEquals(1.0, gauge(metrics, "foresight_model_refused"));

        registry.publish("4", train, passed);
        p = predict(loop, source, 4, users);
        assertEquals(Models.REGISTERED_MODEL + "/v4", p.modelVersion());
        assertEquals("", p.modelRefusal(), "a good champion clears the refusal");
        assertEquals(0.0, gauge(metrics, "foresight_model_refused"));
    }

    @Test
    void aWorkerStartedWhileMlflowIsDownServesTheChampionItCachedNotAnUntrainedModel() throws Exception {
        Path slice = Path.of("..", "data", "bitbrains-slice", "bitbrains-rnd-2013-07-01_14d_20vms.csv.gz");
        Trace train = BitbrainsReader.read(slice);
        int deadPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            deadPort = s.getLocalPort(); // closed again: nothing answers there
        }
        io.foresight.app.stack.FsConfig config = io.foresight.app.stack.FsConfig.load(Map.of(
                "FORESIGHT_HOME", Files.createDirectories(tmp.resolve("home")).toString(),
                "FORESIGHT_MLFLOW_TRACKING_URI", "http://127.0.0.1:" + deadPort));
        // an earlier run of this worker loaded v1 from the registry into its cache
        RegistryOnDisk registry = new RegistryOnDisk(tmp.resolve("registry"));
        registry.publish("1", train, new GateVerdict(true, "passed", Map.of()));
        ChampionModelSource earlier = ChampionModelSource.builder().store(registry).model(Models.REGISTERED_MODEL)
                .cacheDir(Models.cacheDir(config)).fallback(ModelFamilies.blend(null))
                .loader((dir, v) -> ModelArtifacts.load(dir).forecaster()).build();
        assertEquals(ChampionModelSource.Refresh.LOADED, earlier.refresh());

        // the worker starts again while MLflow is down, as the loop's wiring builds it
        Models models = Models.forLoop(config, null, true, new java.io.PrintStream(new java.io.ByteArrayOutputStream()));
        var inUse = models.provider().current();
        assertEquals(Models.REGISTERED_MODEL + "/v1", inUse.version(), "the cached champion, not the untrained baseline");
        assertEquals("", inUse.refusal());
    }

    private static PredictResult predict(ControlLoopActivitiesImpl loop, String source, long cycle, int users) {
        ShardTask t = ShardTask.of(POOL, source, cycle, 0, users);
        CollectResult c = loop.collect(t);
        return loop.predict(t, c.ref());
    }

    private static double gauge(PrometheusRegistry registry, String name) {
        for (MetricSnapshot s : registry.scrape()) {
            if (s.getMetadata().getName().equals(name)) {
                return ((GaugeSnapshot) s).getDataPoints().stream().filter(d -> POOL.equals(d.getLabels().get("pool")))
                        .findFirst().orElseThrow().getValue();
            }
        }
        throw new AssertionError("no metric " + name);
    }

    /** A registry whose champion alias points at the last published version; artifacts are model directories. */
    private static final class RegistryOnDisk implements ModelStore {
        private final Path root;
        private ModelVersionRef champion;
        private final Map<String, Path> dirs = new HashMap<>();

        RegistryOnDisk(Path root) {
            this.root = root;
        }

        void publish(String version, Trace train, GateVerdict gate) {
            Path dir = root.resolve("v" + version);
            ModelArtifacts.save(dir, ModelFamilies.RECENT_MEDIAN, version,
                    ModelFamilies.build(ModelFamilies.RECENT_MEDIAN, train, version, null, null), 0, 1, Map.of(),
                    Map.of(), gate);
            dirs.put(version, dir);
            champion = new ModelVersionRef(Models.REGISTERED_MODEL, version, "mlflow-artifacts:/v" + version, "r" + version,
                    Map.of(ModelRegistry.TAG_FEATURE_SCHEMA_HASH, "as-trained"));
        }

        void corruptSchema(String version) throws IOException {
            Path m = dirs.get(version).resolve(ModelArtifacts.MANIFEST);
            String hash = ModelArtifacts.readManifest(dirs.get(version)).schemaHash();
            Files.writeString(m, Files.readString(m).replace(hash, "0123456789abcdef"));
        }

        @Override
        public Optional<ModelVersionRef> resolve(String model, String alias) {
            return Optional.ofNullable(champion);
        }

        @Override
        public void download(ModelVersionRef version, Path target) {
            Path from = dirs.get(version.version());
            try (Stream<Path> files = Files.walk(from)) {
                for (Path f : files.toList()) {
                    Path to = target.resolve(from.relativize(f).toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(to);
                    } else {
                        Files.copy(f, to);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
