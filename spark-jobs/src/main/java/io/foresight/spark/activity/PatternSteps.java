package io.foresight.spark.activity;

import io.foresight.core.eval.RetrainWindow;
import io.foresight.core.forecast.GateVerdict;
import io.foresight.core.forecast.ModelArtifacts;
import io.foresight.mlflow.ExperimentTracker;
import io.foresight.mlflow.ModelRegistry;
import io.foresight.mlflow.ModelVersionRef;
import io.foresight.mlflow.PromotionDecision;
import io.foresight.mlflow.PromotionGate;
import io.foresight.mlflow.TrackedRun;
import io.foresight.spark.pattern.PatternJob;
import io.foresight.spark.pattern.PatternTrainingJob;
import io.foresight.workflows.retrain.FeatureSet;
import io.foresight.workflows.retrain.GateResult;
import io.foresight.workflows.retrain.PatternTraining;
import io.foresight.workflows.retrain.RetrainRequest;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pattern steps of a retraining ({@link SparkTrainingActivities#trainPatterns} and {@code registerPatterns}):
 * {@link PatternTrainingJob} on the retraining's data window, the gate (the winner must beat persistence, and the
 * champion classifier by the request's margin in error rate, on the same holdout pairs), the MLflow run (accuracy,
 * precision and recall per model, the verdict, the model directory) and the registered version of
 * {@link RetrainRequest#PATTERN_MODEL}, whose aliases move only on a passed verdict. A refused classifier is never
 * served: if a champion has a classifier the whole version is refused; otherwise the version serves the documented
 * rules (what persistence is) with this window's population profile, and says so in its verdict.
 */
public final class PatternSteps {
    private static final Logger log = LoggerFactory.getLogger(PatternSteps.class);
    static final long SEED = SparkTrainingActivities.SEED;

    /** Stages a model artifact URI as a local directory for {@code use} (the activities' download helper). */
    interface Staging {
        <T> T withModel(String modelUri, Function<Path, T> use);
    }

    private PatternSteps() {}

    static PatternTraining train(RetrainRequest request, FeatureSet features, String key, RetrainWindow w,
                                 SparkSession spark, Path workDir, ExperimentTracker tracker, ModelRegistry registry,
                                 Staging staging, Map<String, String> runTags) {
        String family = ModelArtifacts.PATTERN_FAMILY;
        Optional<TrackedRun> done = tracker.findFinishedRun(family, key);
        if (done.isPresent()) {
            // a retried step: the verdict is the one the first attempt wrote into the manifest
            TrackedRun r = done.get();
            ModelArtifacts.Manifest m = staging.withModel(r.modelUri(), ModelArtifacts::readManifest);
            log.info("pattern training {} already finished as {}", key, r);
            return result(r, m.params().getOrDefault("winner", ""), m.metrics(), m.gate(), "");
        }
        Path dir = workDir.resolve("patterns").resolve(SparkTrainingActivities.dirName(key));
        Map<String, String> params = new LinkedHashMap<>();
        params.put("data.paths", String.join(",", request.dataPaths()));
        params.put("data.maxUsers", Integer.toString(request.maxUsers()));
        params.put("holdout.days", Integer.toString(request.holdout()));
        PatternTrainingJob.Result t = new PatternTrainingJob(PatternJob.Config.defaults(SEED))
                .run(spark, w.trace(), w.evalFrom(), dir, key, params);
        Map<String, Double> metrics = new LinkedHashMap<>(t.metrics());
        String championVersion = "";
        Optional<ModelVersionRef> champ = registry.getAlias(RetrainRequest.PATTERN_MODEL, ModelRegistry.CHAMPION);
        if (champ.isPresent()) {
            try {
                double a = staging.withModel(champ.get().source(), d -> {
                    ModelArtifacts.LoadedPatterns c = ModelArtifacts.loadPatternsForBacktest(d);
                    // a champion serving the rules names patterns as persistence does: nothing more to beat
                    return c.classifier() == null ? Double.NaN : PatternTrainingJob.accuracy(c.classifier(), t.test());
                });
                if (!Double.isNaN(a)) {
                    metrics.put("champion.accuracy", a);
                    championVersion = champ.get().version();
                }
            } catch (ModelArtifacts.RefusedException e) {
                log.warn("pattern champion {} cannot be scored: {}", champ.get().label(), e.getMessage());
            }
        }
        GateVerdict classifierVerdict = verdict(t.winner(), metrics, championVersion, request.gateMargin());
        metrics.put("classifier.served", classifierVerdict.passed() ? 1.0 : 0.0);
        GateVerdict v = settle(dir, classifierVerdict, championVersion, metrics);
        Map<String, String> tags = new LinkedHashMap<>(runTags);
        tags.put("backtest.id", features.backtestId());
        tags.put("spark.master", spark.sparkContext().master());
        tags.put(ModelRegistry.TAG_GATE_PASSED, Boolean.toString(v.passed()));
        tags.put(ModelRegistry.TAG_GATE_REASON, v.reason());
        tags.put("foresight.pattern.classifier", classifierVerdict.passed() ? "served" : "refused");
        try (TrackedRun run = tracker.startRun(family, "patterns " + key, key, tags)) {
            run.logParams(params);
            metrics.forEach((k, x) -> {
                if (Double.isFinite(x)) {
                    run.logMetric(k, x);
                }
            });
            run.logModelDirectory(dir);
            run.finish();
            log.info("pattern models {}: {} ({})", run, metrics, v.reason());
            return result(run, t.winner(), metrics, v, championVersion);
        }
    }

    /**
     * The same job and gate on an empty registry, without MLflow (the demo's in-process path): what {@link #train}
     * would make the first champion from window {@code w}, written to {@code dir} with its verdict in the manifest.
     */
    public static GateVerdict trainWithoutMlflow(RetrainRequest request, RetrainWindow w, SparkSession spark, Path dir) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("data.paths", String.join(",", request.dataPaths()));
        params.put("data.maxUsers", Integer.toString(request.maxUsers()));
        params.put("holdout.days", Integer.toString(request.holdout()));
        PatternTrainingJob.Result t = new PatternTrainingJob(PatternJob.Config.defaults(SEED))
                .run(spark, w.trace(), w.evalFrom(), dir, "in-process/" + w.backtestId(), params);
        Map<String, Double> metrics = new LinkedHashMap<>(t.metrics());
        GateVerdict classifierVerdict = verdict(t.winner(), metrics, "", request.gateMargin());
        metrics.put("classifier.served", classifierVerdict.passed() ? 1.0 : 0.0);
        return settle(dir, classifierVerdict, "", metrics);
    }

    /**
     * Writes the version's verdict into its manifest: served whole when the classifier passed; refused whole when a
     * champion has a classifier (it stays, with its population); otherwise the classifier is dropped and the version
     * serves the documented rules (persistence's namer) with this window's population profile, so cold start has a
     * current population while no classifier beats the rules.
     */
    static GateVerdict settle(Path dir, GateVerdict classifierVerdict, String championVersion, Map<String, Double> metrics) {
        if (classifierVerdict.passed() || !championVersion.isEmpty()) {
            ModelArtifacts.recordVerdict(dir, metrics, classifierVerdict);
            return classifierVerdict;
        }
        GateVerdict v = new GateVerdict(true, "classifier " + classifierVerdict.reason() + "; served: the documented rules"
                + " with this window's population profile", metrics);
        ModelArtifacts.LoadedPatterns trained = ModelArtifacts.loadPatternsForBacktest(dir);
        ModelArtifacts.Manifest m = trained.manifest();
        ModelArtifacts.savePatterns(dir, m.version(), null, trained.population(), m.trainFrom(), m.trainTo(), m.params(),
                metrics, v);
        return v;
    }

    /**
     * The winner must be more accurate than persistence and, when there is a champion, make fewer errors than it by
     * the request's margin (as the forecasters' gate asks of MASE), on the same holdout pairs.
     */
    static GateVerdict verdict(String winner, Map<String, Double> m, String championVersion, double margin) {
        double acc = m.get(winner + ".accuracy");
        double persistence = m.get("persistence.accuracy");
        String numbers = String.format(Locale.ROOT, "%s accuracy %.3f vs persistence %.3f on %d holdout pairs", winner,
                acc, persistence, m.get("pairs.test").intValue());
        if (!(acc > persistence)) {
            return new GateVerdict(false, "refused: " + numbers + " (tomorrow's pattern is today's is at least as good)", m);
        }
        Double champ = m.get("champion.accuracy");
        if (champ != null && !((1 - acc) <= (1 - champ) * (1 - margin))) {
            return new GateVerdict(false, String.format(Locale.ROOT, "refused: %s; champion v%s %.3f, the margin %.0f%% "
                    + "of its errors is not removed", numbers, championVersion, champ, 100 * margin), m);
        }
        return new GateVerdict(true, "passed: " + numbers + (champ == null ? "" : String.format(Locale.ROOT,
                "; champion v%s %.3f", championVersion, champ)), m);
    }

    private static PatternTraining result(TrackedRun run, String winner, Map<String, Double> m, GateVerdict v,
                                          String championVersion) {
        return new PatternTraining(run.runId(), run.modelUri(), winner, m.getOrDefault(winner + ".accuracy", Double.NaN),
                m.getOrDefault("persistence.accuracy", Double.NaN), championVersion, m.getOrDefault("champion.accuracy", Double.NaN),
                v.passed(), v.reason());
    }

    static GateResult register(RetrainRequest request, PatternTraining p, String key, ModelRegistry registry) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put(ModelRegistry.TAG_FAMILY, ModelArtifacts.PATTERN_FAMILY);
        tags.put(ModelRegistry.TAG_GATE_PASSED, Boolean.toString(p.passed()));
        tags.put(ModelRegistry.TAG_GATE_REASON, p.verdict());
        tags.put("foresight.pattern.winner", p.winner());
        ModelVersionRef v = registry.createVersion(RetrainRequest.PATTERN_MODEL, p.modelUri(), p.runId(), key, tags);
        PromotionDecision d = registry.applyVerdict(v.name(), v.version(), p.passed(), p.verdict(),
                PromotionGate.parse(request.gateMode(), request.gateMargin()));
        registry.setVersionTag(v.name(), v.version(), "foresight.gate", d.outcome() + ": " + d.reason());
        return new GateResult(d.outcome().name(), v.version(), d.champion(), d.reason());
    }
}
