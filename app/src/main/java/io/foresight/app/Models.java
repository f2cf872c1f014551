package io.foresight.app;

import io.foresight.activities.controlloop.ForecasterProvider;
import io.foresight.app.stack.FsConfig;
import io.foresight.core.eval.ModelFamilies;
import io.foresight.core.eval.ModelComparison;
import io.foresight.core.eval.RetrainWindow;
import io.foresight.core.forecast.BlendForecaster;
import io.foresight.core.forecast.Forecaster;
import io.foresight.core.forecast.ModelArtifacts;
import io.foresight.core.trace.Trace;
import io.foresight.mlflow.ChampionModelSource;
import io.foresight.mlflow.MlflowConnection;
import io.foresight.mlflow.ModelRegistry;
import io.foresight.mlflow.ModelStore;
import io.foresight.workflows.retrain.RetrainRequest;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Which forecaster the control loop predicts with: the {@code champion} of the registered model
 * {@value #REGISTERED_MODEL}, whatever its family, loaded through the one model loader
 * ({@link ModelArtifacts#load}: a version whose feature schema does not match or whose gate verdict did not
 * pass is refused and the last good model goes on). A moved alias is picked up at the next cycle. While MLflow
 * is down the champion cached by an earlier run is served; before any champion ever loaded, the blend
 * baseline forecasts ({@link ModelFamilies#blend}: fitted on the training data when given, with the settings
 * the evaluation measured).
 */
final class Models {
    static final String REGISTERED_MODEL = RetrainRequest.REGISTERED_MODEL;

    private final ForecasterProvider provider;
    private final java.util.function.Supplier<String> family;
    /** Builds the models of another registry alias (a pool file's model:), with the same settings; null without a registry. */
    private final java.util.function.Function<String, Models> byAlias;

    private Models(ForecasterProvider provider, java.util.function.Supplier<String> family,
                   java.util.function.Function<String, Models> byAlias) {
        this.provider = provider;
        this.family = family;
        this.byAlias = byAlias;
    }

    private Models(ForecasterProvider provider, java.util.function.Supplier<String> family) {
        this(provider, family, null);
    }

    static Models forLoop(FsConfig config, Trace train, boolean useMlflow, PrintStream out) {
        return forLoop(config, train, useMlflow, io.foresight.mlflow.ModelRegistry.CHAMPION, out);
    }

    /** The forecaster following {@code alias} of the registered model, with the settings these models were built with. */
    Models forAlias(String alias) {
        if (byAlias == null) {
            throw new IllegalArgumentException("the pool's model alias " + alias + " needs the MLflow registry, and this worker "
                    + "predicts without it. Fix: start MLflow (./foresight stack up) or drop model: from the pool file");
        }
        return byAlias.apply(alias);
    }

    /**
     * @param train     data the baseline is fitted on (only the past of what the loop replays), or null for
     *                  the untrained defaults
     * @param useMlflow follow the registry's champion; without it a champion cached by an earlier run is still
     *                  served (and the registry then followed) if there is one
     */
    /**
     * @param alias     the registry alias followed (champion unless a pool file names another)
     */
    static Models forLoop(FsConfig config, Trace train, boolean useMlflow, String alias, PrintStream out) {
        BlendForecaster base = ModelFamilies.blend(train);
        String baseVersion = baselineVersion(train);
        Path cache = cacheDir(config);
        java.util.function.Function<String, Models> byAlias = a -> forLoop(config, train, useMlflow, a, out);
        if (!useMlflow && !hasCached(cache, alias)) {
            out.println("  forecaster: " + base.name() + " (no MLflow)");
            return new Models(ForecasterProvider.fixed(base, baseVersion), () -> ModelFamilies.BLEND, byAlias);
        }
        if (useMlflow) {
            out.println(installPatternChampion(config));
        }
        ChampionModelSource champion = ChampionModelSource.builder().store(ModelStore.of(mlflow(config)))
                .model(REGISTERED_MODEL).alias(alias).cacheDir(cache).fallback(base)
                .loader((dir, v) -> ModelArtifacts.load(dir).forecaster())
                .build();
        out.println("  forecaster: " + alias + " of MLflow model " + REGISTERED_MODEL + " (blend baseline until one loads)");
        ForecasterProvider provider = following(champion, baseVersion);
        if (useMlflow) {
            provider = followingPatterns(provider, config, out);
        }
        return new Models(provider, () -> champion.activeVersion()
                .map(v -> v.tags().getOrDefault(ModelRegistry.TAG_FAMILY, "unknown")).orElse(ModelFamilies.BLEND), byAlias);
    }

    /**
     * The champion as the loop's model: refreshed once per predict call (a moved alias is used from the next cycle
     * on), with the version serving and, when the registry's champion is refused, why.
     */
    static ForecasterProvider following(ChampionModelSource champion, String baseVersion) {
        return () -> {
            champion.refresh();
            String version = champion.activeVersion().map(v -> v.label()).orElse(baseVersion + " (no champion)");
            return new ForecasterProvider.ModelInUse(champion, version, champion.refusal());
        };
    }

    /** How often a worker asks the registry whether the pattern models' champion moved. */
    static final long PATTERN_CHECK_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(30);

    /**
     * The forecaster provider, which also keeps the pattern models' champion installed (at most every 30 s): a version
     * an MLOps engineer promotes in the MLflow UI reaches the running loop, whose activities pick up the newly installed
     * models at their next call ({@code ControlLoopActivitiesImpl}). What it did is printed when it changes.
     */
    static ForecasterProvider followingPatterns(ForecasterProvider forecaster, FsConfig config, PrintStream out) {
        java.util.concurrent.atomic.AtomicLong last = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());
        java.util.concurrent.atomic.AtomicReference<String> said = new java.util.concurrent.atomic.AtomicReference<>("");
        return () -> {
            long now = System.nanoTime();
            long before = last.get();
            if (now - before >= PATTERN_CHECK_NANOS && last.compareAndSet(before, now)) {
                String note = installPatternChampion(config);
                if (!note.equals(said.getAndSet(note))) {
                    out.println(note);
                }
            }
            return forecaster.current();
        };
    }

    /**
     * What the retraining workflow would make champion, without MLflow (the demo's in-process path): its forecaster
     * family, window and gate fitted in this process, and its pattern job and gate on the same window (Spark in this
     * process), installed where the worker reads them, so the loop names patterns as the full stack would.
     */
    static Models trainedWithoutMlflow(RetrainRequest request, Trace train, FsConfig config, PrintStream out) {
        RetrainWindow w = RetrainWindow.read(request.dataPaths(), request.maxUsers(), request.endTime(), request.holdout());
        Path dir = cacheDir(config).resolve("patterns").resolve("in-process");
        try {
            io.foresight.core.forecast.GateVerdict v = io.foresight.spark.activity.PatternSteps.trainWithoutMlflow(request, w,
                    io.foresight.spark.SparkSessions.getOrCreate("foresight-patterns"), dir);
            out.println("  pattern models fitted on the retraining window: " + v.reason());
            if (v.passed()) {
                install(dir, installedPatterns(config));
            }
        } catch (RuntimeException | java.io.IOException e) {
            out.println("  pattern models not trained (" + e.getMessage().lines().findFirst().orElse("")
                    + "): the documented rules name patterns");
        }
        if (needsSpark(request.family())) {
            return blendBecauseSpark(request.family(), train, out);
        }
        return retrained(w, request, train, out);
    }

    /** Replaces the installed pattern models by the manifest in {@code from} (the whole served model) in one atomic move. */
    private static void install(Path from, Path installed) throws java.io.IOException {
        java.nio.file.Files.createDirectories(installed);
        Path tmp = installed.resolve(ModelArtifacts.MANIFEST + ".tmp");
        java.nio.file.Files.copy(from.resolve(ModelArtifacts.MANIFEST), tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        java.nio.file.Files.move(tmp, installed.resolve(ModelArtifacts.MANIFEST),
                java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * As {@link #trainedWithoutMlflow(RetrainRequest, Trace, FsConfig, PrintStream)} on data already read (e.g. {@code evaluate --train}): what the retraining
     * workflow would make champion from {@code data} on an empty registry.
     */
    static Models retrained(Trace data, RetrainRequest request, PrintStream out) {
        if (needsSpark(request.family())) {
            return blendBecauseSpark(request.family(), data, out);
        }
        return retrained(RetrainWindow.of("evaluate|" + request.holdout(), data, 0, request.holdout(), "--train"),
                request, data, out);
    }

    private static Models retrained(RetrainWindow w, RetrainRequest request, Trace train, PrintStream out) {
        String family = request.family();
        Forecaster candidate = ModelFamilies.build(family, w.train(), w.backtestId(), null, null);
        Forecaster first = w.firstChampion(family);
        ModelComparison.Result r = w.compare(candidate, first, first == null ? "" : "blend baseline", request.gateMargin());
        out.println("  " + family + " fitted on the retraining window (backtest " + w.backtestId() + "): " + r.verdict().reason());
        if (!r.verdict().passed()) {
            BlendForecaster base = ModelFamilies.blend(train);
            out.println("  forecaster: " + base.name() + " (the candidate did not pass the gate)");
            return new Models(ForecasterProvider.fixed(base, baselineVersion(train)), () -> ModelFamilies.BLEND);
        }
        out.println("  forecaster: " + candidate.name() + " (what the retraining workflow would make champion)");
        return new Models(ForecasterProvider.fixed(candidate, family + "/" + w.backtestId()), () -> family);
    }

    private static boolean needsSpark(String family) {
        return ModelFamilies.needsTrees(family) || ModelFamilies.needsLinear(family);
    }

    private static Models blendBecauseSpark(String family, Trace train, PrintStream out) {
        BlendForecaster base = ModelFamilies.blend(train);
        out.println("  forecaster: " + base.name() + " (family " + family + " is fitted on Spark, which this path runs without)");
        return new Models(ForecasterProvider.fixed(base, baselineVersion(train)), () -> ModelFamilies.BLEND);
    }

    /** The family of the model the loop predicts with now. */
    String family() {
        return family.get();
    }

    static String baselineVersion(Trace train) {
        return ModelFamilies.BLEND + "/" + (train == null || train.users().isEmpty() ? "untrained" : "fitted");
    }

    static MlflowConnection mlflow(FsConfig config) {
        return MlflowConnection.of(URI.create(config.get("mlflow.tracking.uri", config.mlflowUrl())), Duration.ofSeconds(10));
    }

    static Path cacheDir(FsConfig config) {
        return config.stateDir().resolve("models");
    }

    private static boolean hasCached(Path cache, String alias) {
        return ChampionModelSource.hasCached(cache, REGISTERED_MODEL, alias);
    }

    ForecasterProvider provider() {
        return provider;
    }

    /** Where the loop's worker reads its pattern models ({@code <state>/loop/pattern-model}). */
    static Path installedPatterns(FsConfig config) {
        return Wiring.loopStateDir(config).resolve(io.foresight.activities.controlloop.ControlLoopActivitiesImpl.PATTERN_MODEL_DIR);
    }

    /**
     * Installs the champion of {@value RetrainRequest#PATTERN_MODEL} where the loop's worker reads its pattern models,
     * if it loads through the one loader ({@link ModelArtifacts#loadPatterns}: schema and passed gate); a refused
     * champion or an unreachable MLflow leaves the installed models (the last good ones) in place, with one line saying so.
     */
    static String installPatternChampion(FsConfig config) {
        Path installed = installedPatterns(config);
        java.util.Optional<io.foresight.mlflow.ModelVersionRef> champion;
        try {
            champion = new ModelRegistry(mlflow(config)).getAlias(RetrainRequest.PATTERN_MODEL, ModelRegistry.CHAMPION);
        } catch (io.foresight.mlflow.MlflowException e) {
            return "  patterns: MLflow not reachable (" + e.getMessage().lines().findFirst().orElse("")
                    + "): the installed pattern models, if any, are served";
        }
        if (champion.isEmpty()) {
            return "  patterns: " + RetrainRequest.PATTERN_MODEL + " has no champion yet (retraining trains one)";
        }
        io.foresight.mlflow.ModelVersionRef v = champion.get();
        Path dir = cacheDir(config).resolve("patterns").resolve(v.name()).resolve(v.version());
        try {
            if (!java.nio.file.Files.isRegularFile(dir.resolve(ModelArtifacts.MANIFEST))) {
                ModelChoice.download(v, dir, config);
            }
            Path manifest = installed.resolve(ModelArtifacts.MANIFEST);
            if (java.nio.file.Files.isRegularFile(manifest)
                    && java.nio.file.Files.mismatch(manifest, dir.resolve(ModelArtifacts.MANIFEST)) == -1) {
                return "  patterns: champion " + v.label() + " installed in " + installed; // already: nothing to move
            }
            ModelArtifacts.loadPatterns(dir);
            // the manifest is the whole served model (spark/ is lineage)
            install(dir, installed);
            return "  patterns: champion " + v.label() + " installed in " + installed;
        } catch (RuntimeException | java.io.IOException e) {
            return "  patterns: champion " + v.label() + " not installed (" + e.getMessage().lines().findFirst().orElse("")
                    + "); the installed pattern models, if any, stay";
        }
    }

    /**
     * The pattern models {@code evaluate --pattern-model} scores, through the loop's loader: {@code champion} what the
     * loop serves (installed from the registry as the worker installs it), {@code models:/NAME/VERSION} a registered
     * version (gate passed or not: scoring is not serving), or a model directory.
     */
    static ModelArtifacts.LoadedPatterns patternModels(String spec, FsConfig config, PrintStream out) {
        if (spec.equals(ModelChoice.CHAMPION)) {
            out.println(installPatternChampion(config));
            Path installed = installedPatterns(config);
            if (!java.nio.file.Files.isRegularFile(installed.resolve(ModelArtifacts.MANIFEST))) {
                throw new IllegalArgumentException("no pattern models installed in " + installed + " and no champion of "
                        + RetrainRequest.PATTERN_MODEL + ": run `foresight train` with MLflow up, or pass a model directory");
            }
            return ModelArtifacts.loadPatterns(installed);
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("models:/([^/]+)/(\\d+)").matcher(spec);
        if (m.matches()) {
            io.foresight.mlflow.ModelVersionRef v = new ModelRegistry(mlflow(config)).getVersion(m.group(1), m.group(2));
            Path dir = cacheDir(config).resolve("patterns").resolve(v.name()).resolve(v.version());
            if (!java.nio.file.Files.isRegularFile(dir.resolve(ModelArtifacts.MANIFEST))) {
                ModelChoice.download(v, dir, config);
            }
            return ModelArtifacts.loadPatternsForBacktest(dir);
        }
        Path dir = Path.of(spec);
        if (!java.nio.file.Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--pattern-model " + spec + " is neither champion, models:/NAME/VERSION nor a "
                    + "model directory. Fix: pass one of those (a pattern training writes the directory)");
        }
        return ModelArtifacts.loadPatternsForBacktest(dir);
    }
}
