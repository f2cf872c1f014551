package io.foresight.spark.activity;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.foresight.core.eval.ModelComparison;
import io.foresight.core.eval.RetrainWindow;
import io.foresight.core.eval.ModelFamilies;
import io.foresight.core.forecast.Forecast;
import io.foresight.core.forecast.Forecaster;
import io.foresight.core.forecast.GateVerdict;
import io.foresight.core.forecast.ModelArtifacts;
import io.foresight.core.forecast.TreeEnsemble;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import io.foresight.mlflow.ArtifactStore;
import io.foresight.mlflow.ExperimentTracker;
import io.foresight.mlflow.ModelRegistry;
import io.foresight.mlflow.ModelVersionRef;
import io.foresight.mlflow.PromotionDecision;
import io.foresight.mlflow.PromotionGate;
import io.foresight.mlflow.TrackedRun;
import io.foresight.spark.TraceDatasets;
import io.foresight.spark.features.FeatureJob;
import io.foresight.spark.forecast.ForecastTrainingJob;
import io.foresight.spark.forecast.M5GbtTrainingJob;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training steps on Spark and MLflow, for every family of {@link ModelFamilies}. The data window is the
 * request's traces up to its end time; the last {@code holdoutDays} of it are the holdout. Spark fits what
 * needs Spark (GBT trees, lag-linear coefficients), core fits the blend; every family is saved in the one model
 * format ({@link ModelArtifacts}) and logged as the run's model. The backtest scores the candidate, the current
 * champion (the blend baseline when there is none) and last value on the same rolling origins of the holdout,
 * and the promotion gate's verdict on those numbers goes into the run, the candidate's manifest and the
 * registered version; aliases move only on a passed verdict.
 *
 * <p>What crosses Temporal are paths, run ids and model URIs. Retried steps find their earlier results: the
 * feature table by its completion marker, the MLflow run by its idempotency tag, the model version by its
 * idempotency tag; the backtest is deterministic and rewrites the same verdict.
 */
public final class SparkTrainingActivities implements TrainingActivities {
    private static final Logger log = LoggerFactory.getLogger(SparkTrainingActivities.class);
    static final int MAX_ITER = 50;
    static final double REG_PARAM = 0.001;
    static final int GBT_ITERATIONS = 20;
    static final long SEED = 42;
    static final String TAG_GATE_PASSED = ModelRegistry.TAG_GATE_PASSED;
    static final String TAG_GATE_REASON = ModelRegistry.TAG_GATE_REASON;
    static final String TAG_FAMILY = ModelRegistry.TAG_FAMILY;
    static final String COMPARISON_PATH = "backtest/comparison.txt";
    static final String METRIC = "all_mase";

    private final Supplier<SparkSession> spark;
    private final Path workDir;
    private final ExperimentTracker tracker;
    private final ModelRegistry registry;
    private final ArtifactStore artifacts;
    private final Map<String, String> runTags;
    /** Where requests' data is read: trace files, or a live pool's source. */
    private final RetrainWindow.Data data;
    /** The last data window read: the steps of one retraining read the same files. */
    private volatile RetrainWindow lastWindow;

    /**
     * @param spark   the session (created lazily by the caller, shared by all activity threads)
     * @param runTags tags every run gets, e.g. git.commit of the training code
     */
    public SparkTrainingActivities(Supplier<SparkSession> spark, Path workDir, io.foresight.mlflow.MlflowConnection mlflow,
                                   Map<String, String> runTags) {
        this(spark, workDir, mlflow, runTags, RetrainWindow.FILES);
    }

    /** @param data where the requests' data is read (trace files, or the live sources the worker can open) */
    public SparkTrainingActivities(Supplier<SparkSession> spark, Path workDir, io.foresight.mlflow.MlflowConnection mlflow,
                                   Map<String, String> runTags, RetrainWindow.Data data) {
        this.data = Objects.requireNonNull(data, "data");
        this.spark = Objects.requireNonNull(spark, "spark");
        this.workDir = Objects.requireNonNull(workDir, "workDir").toAbsolutePath();
        this.tracker = new ExperimentTracker(mlflow);
        this.registry = new ModelRegistry(mlflow);
        this.artifacts = new ArtifactStore(mlflow);
        this.runTags = Map.copyOf(runTags);
    }

    /** The request's data, cut as {@link RetrainWindow} cuts it (the steps of one retraining read it once). */
    RetrainWindow window(RetrainRequest r) {
        String key = r.dataPaths() + "|" + r.maxUsers() + "|" + r.endTime() + "|" + r.holdout();
        RetrainWindow w = lastWindow;
        if (w != null && w.key().equals(key)) {
            return w;
        }
        w = RetrainWindow.read(data, r.dataPaths(), r.maxUsers(), r.endTime(), r.holdout());
        lastWindow = w;
        return w;
    }

    @Override
    public FeatureSet extractFeatures(RetrainRequest request, String idempotencyKey) {
        String family = ModelFamilies.requireKnown(request.family());
        RetrainWindow w = window(request);
        String path = "";
        String schema = "";
        if (ModelFamilies.needsLinear(family)) {
            FeatureTable t = LagRegressionJob.writeFeatures(spark.get(), w.trace(), w.evalFrom() - 1, w.backtestId(),
                    workDir.resolve("features").resolve(dirName(idempotencyKey)));
            path = t.dir().toString();
            schema = t.schemaHash();
        }
        log.info("data for {} ({}): {} users, training {}..{} ({} anomalous values masked), holdout to {}", idempotencyKey,
                family, w.trace().users().size(), w.start(), w.evalFrom(), w.masked(), w.end());
        return new FeatureSet(path, schema, w.trace().intervals(), w.backtestId(), w.evalFrom(), w.end());
    }

    @Override
    public TrainedModel train(RetrainRequest request, FeatureSet features, String idempotencyKey) {
        String family = ModelFamilies.requireKnown(request.family());
        Optional<TrackedRun> done = tracker.findFinishedRun(family, idempotencyKey);
        if (done.isPresent()) {
            log.info("training {} already finished as {}", idempotencyKey, done.get());
            return new TrainedModel(done.get().runId(), done.get().modelUri());
        }
        RetrainWindow w = sameWindow(request, features);
        Trace train = w.train();
        Path modelDir = workDir.resolve("models").resolve(dirName(idempotencyKey));
        deleteTree(modelDir);
        Map<String, String> params = new LinkedHashMap<>();
        params.put("family", family);
        params.put("data.paths", String.join(",", request.dataPaths()));
        params.put("data.maxUsers", Integer.toString(request.maxUsers()));
        params.put("data.endTime", Long.toString(request.endTime()));
        params.put("train.from", Long.toString(w.start()));
        params.put("train.to", Long.toString(w.evalFrom()));
        params.put("holdout.days", Integer.toString(request.holdout()));
        params.put("train.anomalous_values_masked", Long.toString(w.masked()));
        Map<String, Double> metrics = new LinkedHashMap<>();
        double[] objective = null;
        TreeEnsemble trees = null;
        Path linearDir = null;
        SparkSession s = needsSpark(family) ? spark.get() : null;
        long t0 = System.nanoTime();
        if (ModelFamilies.needsTrees(family)) {
            Dataset<Row> points = new FeatureJob(train.stepSeconds(), List.of()).pointFeatures(TraceDatasets.usage(s, train));
            ForecastTrainingJob.Config d = ForecastTrainingJob.Config.defaults(SEED);
            ForecastTrainingJob.Config c = new ForecastTrainingJob.Config(GBT_ITERATIONS, d.maxDepth(), d.stepSize(), 1.0,
                    d.validationFraction(), SEED);
            ForecastTrainingJob.Result gbt = new ForecastTrainingJob(c).run(points, modelDir.resolve("spark"));
            trees = TreeEnsemble.load(gbt.treesJson());
            metrics.putAll(gbt.metrics());
            params.put("gbt.maxIter", Integer.toString(c.maxIter()));
            params.put("gbt.maxDepth", Integer.toString(c.maxDepth()));
            params.put("gbt.stepSize", Double.toString(c.stepSize()));
            params.put("gbt.seed", Long.toString(SEED));
        }
        if (ModelFamilies.needsM5Trees(family)) {
            M5GbtTrainingJob.Config c = M5GbtTrainingJob.Config.defaults(SEED);
            M5GbtTrainingJob.Result m5 = new M5GbtTrainingJob(c).run(s, train, modelDir.resolve("spark"));
            trees = TreeEnsemble.load(m5.treesJson());
            metrics.putAll(m5.metrics());
            params.put("gbt_m5.maxIter", Integer.toString(c.maxIter()));
            params.put("gbt_m5.maxDepth", Integer.toString(c.maxDepth()));
            params.put("gbt_m5.stepSize", Double.toString(c.stepSize()));
            params.put("gbt_m5.originStride", Integer.toString(c.originStride()));
            params.put("gbt_m5.stepsPerOrigin", Integer.toString(c.stepsPerOrigin()));
            params.put("gbt_m5.seed", Long.toString(SEED));
        }
        if (ModelFamilies.needsLinear(family)) {
            FeatureTable t = table(features);
            LagRegressionJob.Fit fit = LagRegressionJob.fit(s, t, MAX_ITER, REG_PARAM);
            linearDir = modelDir.resolve("spark");
            LagRegressionJob.save(fit.model(), linearDir);
            fit.params().forEach((k, v) -> params.put("linear." + k, String.valueOf(v)));
            metrics.put("train.rmse", fit.trainRmse());
            metrics.put("train.r2", fit.trainR2());
            objective = fit.objectiveHistory();
        }
        Forecaster model = ModelFamilies.build(family, train, idempotencyKey, trees, linearDir);
        metrics.put("train.seconds", (System.nanoTime() - t0) / 1e9);
        ModelArtifacts.Manifest m = ModelArtifacts.save(modelDir, family, idempotencyKey, model, w.start(), w.evalFrom(),
                params, metrics, GateVerdict.pending());
        Map<String, String> tags = new LinkedHashMap<>(runTags);
        tags.put("backtest.id", features.backtestId());
        tags.put("features.schema_hash", m.schemaHash());
        if (s != null) {
            tags.put("spark.master", s.sparkContext().master());
        }
        try (TrackedRun run = tracker.startRun(family, "retrain " + idempotencyKey, idempotencyKey, tags)) {
            run.logParams(params);
            metrics.forEach((k, v) -> {
                if (Double.isFinite(v)) {
                    run.logMetric(k, v);
                }
            });
            if (objective != null) {
                run.logMetricHistory("train.objective", objective);
            }
            run.logFeatureSchema(json(Map.of("features", m.features(), "hash", m.schemaHash())))
                    .logModelDirectory(modelDir);
            double[][] plot = plotSeries(model, w);
            if (plot[0].length >= 2) {
                run.logForecastPlot("CPU cores of the busiest user, first holdout day", plot[0], plot[1]);
            }
            run.finish();
            log.info("trained {} {}: {}", family, run, metrics);
            return new TrainedModel(run.runId(), run.modelUri());
        }
    }

    @Override
    public Backtest evaluate(RetrainRequest request, FeatureSet features, TrainedModel model) {
        RetrainWindow w = sameWindow(request, features);
        Forecaster candidate = withModel(model.modelUri(), dir -> ModelArtifacts.loadForBacktest(dir).forecaster());
        Forecaster champion = null;
        String championLabel = "";
        String championVersion = "";
        Optional<ModelVersionRef> champ = registry.getAlias(request.registeredModel(), ModelRegistry.CHAMPION);
        if (champ.isPresent()) {
            ModelVersionRef c = champ.get();
            try {
                champion = withModel(c.source(), dir -> ModelArtifacts.loadForBacktest(dir).forecaster());
                championLabel = c.label();
                championVersion = c.version();
            } catch (ModelArtifacts.RefusedException e) {
                // e.g. a version from before the one model format: the blend baseline stands in
                log.warn("champion {} cannot be backtested: {}", c.label(), e.getMessage());
                championLabel = " (champion " + c.label() + " does not load)";
            }
        }
        if (champion == null && (champion = w.firstChampion(request.family())) != null) {
            championLabel = "blend baseline" + championLabel;
        }
        ModelComparison.Result r = w.compare(candidate, champion, championLabel, request.gateMargin());
        GateVerdict v = r.verdict();
        recordComparison(model, r, v, championVersion);
        double cand = v.metrics().getOrDefault("challenger." + METRIC, Double.NaN);
        double champValue = v.metrics().getOrDefault("champion." + METRIC, Double.NaN);
        double last = v.metrics().getOrDefault("last_value." + METRIC, Double.NaN);
        log.info("backtest {}: {}", features.backtestId(), v.reason());
        return new Backtest(features.backtestId(), METRIC, cand, championVersion, champValue, last, v.passed(), v.reason());
    }

    /** Logs both sets of metrics, the verdict and the table to the candidate's run; puts the verdict in its manifest. */
    private void recordComparison(TrainedModel model, ModelComparison.Result r, GateVerdict v, String championVersion) {
        TrackedRun run = tracker.run(model.runId());
        v.metrics().forEach((k, x) -> {
            if (Double.isFinite(x)) {
                run.logMetric("gate." + k, x);
            }
        });
        run.setTags(Map.of(TAG_GATE_PASSED, Boolean.toString(v.passed()), TAG_GATE_REASON, v.reason(),
                "foresight.gate.champion", r.championLabel() + (championVersion.isEmpty() ? "" : " (v" + championVersion + ")")));
        run.logText(COMPARISON_PATH, r.table() + "\n" + v.reason() + "\n");
        Map<String, Double> own = io.foresight.core.eval.Backtest.metrics(r.scores(), ModelComparison.CHALLENGER, "");
        withModel(model.modelUri(), dir -> {
            ModelArtifacts.recordVerdict(dir, own, v);
            artifacts.uploadFile(run.artifactUri(), TrackedRun.MODEL_PATH + "/" + ModelArtifacts.MANIFEST,
                    dir.resolve(ModelArtifacts.MANIFEST));
            return null;
        });
    }

    @Override
    public RegisteredVersion register(RetrainRequest request, FeatureSet features, TrainedModel model, Backtest backtest,
                                      String idempotencyKey) {
        Map<String, String> tags = new LinkedHashMap<>();
        if (!features.schemaHash().isEmpty()) {
            tags.put(ModelRegistry.TAG_FEATURE_SCHEMA_HASH, features.schemaHash());
        }
        tags.put(TAG_FAMILY, request.family());
        tags.put(TAG_GATE_PASSED, Boolean.toString(backtest.passed()));
        tags.put(TAG_GATE_REASON, backtest.verdict() == null ? "" : backtest.verdict());
        ModelVersionRef v = registry.createVersion(request.registeredModel(), model.modelUri(), model.runId(),
                idempotencyKey, tags);
        registry.recordBacktest(v.name(), v.version(), backtest.metric(), backtest.candidateValue(), backtest.backtestId());
        registry.setVersionTag(v.name(), v.version(), "foresight.last_value." + backtest.metric(),
                Double.toString(backtest.baselineValue()));
        if (!backtest.championVersion().isEmpty() && Double.isFinite(backtest.championValue())) {
            // re-measured on this backtest, so the registry shows like with like
            registry.recordBacktest(v.name(), backtest.championVersion(), backtest.metric(), backtest.championValue(),
                    backtest.backtestId());
        }
        return new RegisteredVersion(v.name(), v.version());
    }

    @Override
    public GateResult gate(RetrainRequest request, RegisteredVersion version, String idempotencyKey) {
        ModelVersionRef v = registry.getVersion(version.registeredModel(), version.version());
        boolean passed = Boolean.parseBoolean(v.tags().get(TAG_GATE_PASSED));
        String reason = v.tags().getOrDefault(TAG_GATE_REASON, "no gate verdict recorded on " + v.label());
        PromotionDecision d = registry.applyVerdict(version.registeredModel(), version.version(), passed, reason,
                PromotionGate.parse(request.gateMode(), request.gateMargin()));
        registry.setVersionTag(version.registeredModel(), version.version(), "foresight.gate", d.outcome() + ": " + d.reason());
        return new GateResult(d.outcome().name(), version.version(), d.champion(), d.reason());
    }

    @Override
    public io.foresight.workflows.retrain.PatternTraining trainPatterns(RetrainRequest request, FeatureSet features,
                                                                       String idempotencyKey) {
        return PatternSteps.train(request, features, idempotencyKey, sameWindow(request, features), spark.get(), workDir,
                tracker, registry, this::withModel, runTags);
    }

    @Override
    public GateResult registerPatterns(RetrainRequest request, io.foresight.workflows.retrain.PatternTraining patterns,
                                       String idempotencyKey) {
        return PatternSteps.register(request, patterns, idempotencyKey, registry);
    }

    private static boolean needsSpark(String family) {
        return ModelFamilies.needsTrees(family) || ModelFamilies.needsM5Trees(family) || ModelFamilies.needsLinear(family);
    }

    private RetrainWindow sameWindow(RetrainRequest request, FeatureSet features) {
        RetrainWindow w = window(request);
        if (!w.backtestId().equals(features.backtestId())) {
            throw new IllegalStateException("the data " + request.dataPaths() + " changed since extraction (backtest "
                    + w.backtestId() + ", extracted " + features.backtestId() + "): start the retraining again");
        }
        return w;
    }

    /** CPU of the busiest user over the first holdout day: one-hour forecasts laid end to end. */
    static double[][] plotSeries(Forecaster f, RetrainWindow w) {
        UserSeries best = null;
        double bestMean = -1;
        for (UserSeries s : w.trace().users().values()) {
            double sum = 0;
            for (double x : s.usageColumn(Resource.CPU)) {
                sum += Double.isNaN(x) ? 0 : x;
            }
            if (sum / Math.max(1, s.size()) > bestMean) {
                bestMean = sum / Math.max(1, s.size());
                best = s;
            }
        }
        int h = ModelFamilies.HORIZON;
        int from = (int) Math.max(0, Math.min(best.size(), (w.evalFrom() - best.timestamp(0)) / best.stepSeconds()));
        int to = Math.min(best.size(), from + 288);
        double[] actual = new double[Math.max(0, to - from)];
        double[] point = new double[actual.length];
        for (int o = from; o < to; o += h) {
            Forecast fc = f.forecast(best, o, h);
            for (int k = 0; k < h && o + k < to; k++) {
                actual[o + k - from] = best.usage(Resource.CPU, o + k);
                point[o + k - from] = fc.point(Resource.CPU, k);
            }
        }
        return new double[][] {actual, point};
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
    private <T> T withModel(String modelUri, Function<Path, T> use) {
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

    private static String json(Object o) {
        try {
            return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
