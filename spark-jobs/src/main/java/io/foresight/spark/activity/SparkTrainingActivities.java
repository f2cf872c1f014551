package io.foresight.spark.activity;

import io.foresight.mlflow.ArtifactStore;
import io.foresight.mlflow.ExperimentTracker;
import io.foresight.mlflow.ModelRegistry;
import io.foresight.mlflow.ModelVersionRef;
import io.foresight.mlflow.PromotionDecision;
import io.foresight.mlflow.PromotionGate;
import io.foresight.mlflow.TrackedRun;
import io.foresight.spark.training.LagFeatures;
import io.foresight.spark.training.LagRegressionJob;
import io.foresight.spark.training.LagRegressionJob.FeatureTable;
import io.foresight.workflows.retrain.Backtest;
import io.foresight.workflows.retrain.FeatureSet;
import io.foresight.workflows.retrain.GateResult;
import io.foresight.workflows.retrain.RegisteredVersion;
import io.foresight.workflows.retrain.RetrainRequest;
import io.foresight.workflows.retrain.TrainedModel;
import io.foresight.workflows.retrain.TrainingActivities;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training steps on Spark and MLflow. Feature tables and fitted models are written under the training
 * directory (keyed by the idempotency key); what crosses Temporal are paths, run ids and model URIs.
 * Retried steps find their earlier results: the feature table by its completion marker, the MLflow run by
 * its idempotency tag, the model version by its idempotency tag.
 */
public final class SparkTrainingActivities implements TrainingActivities {
    private static final Logger log = LoggerFactory.getLogger(SparkTrainingActivities.class);
    static final int MAX_ITER = 50;
    static final double REG_PARAM = 0.001;
    static final int PLOT_POINTS = 288;

    private final Supplier<SparkSession> spark;
    private final Path workDir;
    private final ExperimentTracker tracker;
    private final ModelRegistry registry;
    private final ArtifactStore artifacts;
    private final Map<String, String> runTags;

    /**
     * @param spark   the session (created lazily by the caller, shared by all activity threads)
     * @param runTags tags every run gets, e.g. git.commit of the training code
     */
    public SparkTrainingActivities(Supplier<SparkSession> spark, Path workDir, io.foresight.mlflow.MlflowConnection mlflow,
                                   Map<String, String> runTags) {
        this.spark = Objects.requireNonNull(spark, "spark");
        this.workDir = Objects.requireNonNull(workDir, "workDir").toAbsolutePath();
        this.tracker = new ExperimentTracker(mlflow);
        this.registry = new ModelRegistry(mlflow);
        this.artifacts = new ArtifactStore(mlflow);
        this.runTags = Map.copyOf(runTags);
    }

    @Override
    public FeatureSet extractFeatures(RetrainRequest request, String idempotencyKey) {
        List<Path> files = request.dataPaths().stream().map(Path::of).toList();
        for (Path f : files) {
            if (!Files.isReadable(f)) {
                throw new IllegalArgumentException("trace file " + f.toAbsolutePath() + " is not readable on the training worker:"
                        + " pass paths this worker can read (--data)");
            }
        }
        FeatureTable t = LagRegressionJob.writeFeatures(spark.get(), files, request.maxUsers(),
                workDir.resolve("features").resolve(dirName(idempotencyKey)));
        log.info("features {}: {} rows, split at {}", t.dir(), t.rows(), t.splitTs());
        return new FeatureSet(t.dir().toString(), t.schemaHash(), t.rows(), t.backtestId());
    }

    @Override
    public TrainedModel train(RetrainRequest request, FeatureSet features, String idempotencyKey) {
        Optional<TrackedRun> done = tracker.findFinishedRun(request.family(), idempotencyKey);
        if (done.isPresent()) {
            log.info("training {} already finished as {}", idempotencyKey, done.get());
            return new TrainedModel(done.get().runId(), done.get().modelUri());
        }
        SparkSession s = spark.get();
        FeatureTable t = table(features);
        Map<String, String> tags = new LinkedHashMap<>(runTags);
        tags.put("data.paths", String.join(",", request.dataPaths()));
        tags.put("data.maxUsers", Integer.toString(request.maxUsers()));
        tags.put("features.path", features.path());
        tags.put("features.schema_hash", features.schemaHash());
        tags.put("backtest.id", features.backtestId());
        tags.put("spark.master", s.sparkContext().master());
        try (TrackedRun run = tracker.startRun(request.family(), "retrain " + idempotencyKey, idempotencyKey, tags)) {
            LagRegressionJob.Fit fit = LagRegressionJob.fit(s, t, MAX_ITER, REG_PARAM);
            Path modelDir = workDir.resolve("models").resolve(dirName(idempotencyKey));
            LagRegressionJob.save(fit.model(), modelDir);
            double[][] plot = LagRegressionJob.plotSeries(s, fit.model(), t, PLOT_POINTS);
            run.logParams(fit.params())
                    .logMetricHistory("train.objective", fit.objectiveHistory())
                    .logMetric("train.rmse", fit.trainRmse())
                    .logMetric("train.r2", fit.trainR2())
                    .logFeatureSchema(LagFeatures.schemaJson())
                    .logModelDirectory(modelDir);
            if (plot[0].length >= 2) {
                run.logForecastPlot("CPU cores, first holdout day", plot[0], plot[1]);
            }
            run.finish();
            log.info("trained {}: rmse {} r2 {}", run, fit.trainRmse(), fit.trainR2());
            return new TrainedModel(run.runId(), run.modelUri());
        }
    }

    @Override
    public Backtest evaluate(RetrainRequest request, FeatureSet features, TrainedModel model) {
        SparkSession s = spark.get();
        FeatureTable t = table(features);
        double candidate = withModel(model.modelUri(), dir -> LagRegressionJob.holdoutMae(s, LagRegressionJob.load(dir), t));
        double baseline = LagRegressionJob.baselineMae(s, t);
        Optional<ModelVersionRef> champ = registry.getAlias(request.registeredModel(), ModelRegistry.CHAMPION);
        String champVersion = "";
        double champValue = Double.NaN;
        if (champ.isPresent()) {
            ModelVersionRef c = champ.get();
            champVersion = c.version();
            if (features.schemaHash().equals(c.tags().get(ModelRegistry.TAG_FEATURE_SCHEMA_HASH))) {
                try {
                    champValue = withModel(c.source(), dir -> LagRegressionJob.holdoutMae(s, LagRegressionJob.load(dir), t));
                } catch (RuntimeException e) {
                    // a champion we cannot load cannot be compared; the gate then asks a person
                    log.warn("cannot backtest champion {}: {}", c.label(), e.toString());
                }
            } else {
                log.warn("champion {} was trained on other features ({}); not comparable on {}", c.label(),
                        c.tags().get(ModelRegistry.TAG_FEATURE_SCHEMA_HASH), features.schemaHash());
            }
        }
        log.info("backtest {}: candidate {} champion v{} {} baseline {}", features.backtestId(), candidate, champVersion,
                champValue, baseline);
        return new Backtest(features.backtestId(), request.metric(), candidate, champVersion, champValue, baseline);
    }

    @Override
    public RegisteredVersion register(RetrainRequest request, FeatureSet features, TrainedModel model, Backtest backtest,
                                      String idempotencyKey) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put(ModelRegistry.TAG_FEATURE_SCHEMA_HASH, features.schemaHash());
        tags.put("foresight.family", request.family());
        ModelVersionRef v = registry.createVersion(request.registeredModel(), model.modelUri(), model.runId(),
                idempotencyKey, tags);
        registry.recordBacktest(v.name(), v.version(), backtest.metric(), backtest.candidateValue(), backtest.backtestId());
        registry.setVersionTag(v.name(), v.version(), "foresight.baseline." + backtest.metric(),
                Double.toString(backtest.baselineValue()));
        if (!backtest.championVersion().isEmpty() && Double.isFinite(backtest.championValue())) {
            // re-measured on this backtest, so the gate compares like with like
            registry.recordBacktest(v.name(), backtest.championVersion(), backtest.metric(), backtest.championValue(),
                    backtest.backtestId());
        }
        return new RegisteredVersion(v.name(), v.version());
    }

    @Override
    public GateResult gate(RetrainRequest request, RegisteredVersion version, String idempotencyKey) {
        PromotionDecision d = registry.promoteIfBetter(version.registeredModel(), version.version(), request.metric(),
                PromotionGate.parse(request.gateMode(), request.gateMargin()));
        registry.setVersionTag(version.registeredModel(), version.version(), "foresight.gate", d.outcome() + ": " + d.reason());
        return new GateResult(d.outcome().name(), version.version(), d.champion(), d.reason());
    }

    private static FeatureTable table(FeatureSet f) {
        FeatureTable t = LagRegressionJob.readTable(Path.of(f.path()));
        if (!t.schemaHash().equals(f.schemaHash())) {
            throw new IllegalStateException("feature table " + f.path() + " has schema " + t.schemaHash() + ", expected "
                    + f.schemaHash() + ": extract the features again");
        }
        return t;
    }

    /** Downloads a model artifact to a temp dir, applies {@code use}, deletes the copy. */
    private <T> T withModel(String modelUri, java.util.function.Function<Path, T> use) {
        Path tmp = null;
        try {
            tmp = Files.createTempDirectory(Files.createDirectories(workDir.resolve("tmp")), "eval");
            Path dir = tmp.resolve("model");
            artifacts.download(modelUri, dir);
            return use.apply(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stage model " + modelUri, e);
        } finally {
            deleteTree(tmp);
        }
    }

    static String dirName(String idempotencyKey) {
        return idempotencyKey.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private static void deleteTree(Path p) {
        if (p == null || !Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        } catch (IOException e) {
            log.warn("cannot delete {}: {}", p, e.toString());
        }
    }
}
