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
        ChampionModelSource champion = ChampionModelSource.builder().store(ModelStore.of(mlflow(config)))
                .model(REGISTERED_MODEL).alias(alias).cacheDir(cache).fallback(base)
                .loader((dir, v) -> ModelArtifacts.load(dir).forecaster())
                .build();
        out.println("  forecaster: " + alias + " of MLflow model " + REGISTERED_MODEL + " (blend baseline until one loads)");
        return new Models(following(champion, baseVersion), () -> champion.activeVersion()
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

    /**
     * Without MLflow, the model the retraining workflow would make champion from {@code request} on an empty
     * registry: the same data window ({@link RetrainWindow}), the same family fitted the same way, judged against
     * the blend baseline by the same backtest and gate margin; served if it passes, else the blend baseline is
     * (as on the full stack, where a refused first candidate leaves no champion). So the demo's in-process path
     * predicts with what its full-stack path does. Families fitted on Spark cannot be made here.
     *
     * @param train data the blend baseline is fitted on when the candidate is refused (as {@link #forLoop})
     */
    static Models trainedWithoutMlflow(RetrainRequest request, Trace train, PrintStream out) {
        if (needsSpark(request.family())) {
            return blendBecauseSpark(request.family(), train, out);
        }
        return retrained(RetrainWindow.read(request.dataPaths(), request.maxUsers(), request.endTime(), request.holdout()),
                request, train, out);
    }

    /**
     * As {@link #trainedWithoutMlflow} on data already read (e.g. {@code evaluate --train}): what the retraining
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
}
