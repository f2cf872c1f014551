package io.foresight.app;

import io.foresight.activities.controlloop.ForecasterProvider;
import io.foresight.app.stack.FsConfig;
import io.foresight.core.eval.ModelFamilies;
import io.foresight.core.forecast.BlendForecaster;
import io.foresight.core.forecast.ModelArtifacts;
import io.foresight.core.trace.Trace;
import io.foresight.mlflow.ChampionModelSource;
import io.foresight.mlflow.MlflowConnection;
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
    /** Builds the models of another registry alias (a pool file's model:), with the same settings. */
    private final java.util.function.Function<String, Models> byAlias;

    private Models(ForecasterProvider provider, java.util.function.Function<String, Models> byAlias) {
        this.provider = provider;
        this.byAlias = byAlias;
    }

    static Models forLoop(FsConfig config, Trace train, boolean useMlflow, PrintStream out) {
        return forLoop(config, train, useMlflow, io.foresight.mlflow.ModelRegistry.CHAMPION, out);
    }

    /** The forecaster following {@code alias} of the registered model, with the settings these models were built with. */
    Models forAlias(String alias) {
        return byAlias.apply(alias);
    }

    /**
     * @param train     data the baseline is fitted on (only the past of what the loop replays), or null for
     *                  the untrained defaults
     * @param useMlflow follow the registry's champion; without it a champion cached by an earlier run is still
     *                  served (and the registry then followed) if there is one
     * @param alias     the registry alias followed (champion unless a pool file names another)
     */
    static Models forLoop(FsConfig config, Trace train, boolean useMlflow, String alias, PrintStream out) {
        BlendForecaster base = ModelFamilies.blend(train);
        String baseVersion = baselineVersion(train);
        Path cache = cacheDir(config);
        java.util.function.Function<String, Models> byAlias = a -> forLoop(config, train, useMlflow, a, out);
        if (!useMlflow && !hasCached(cache, alias)) {
            out.println("  forecaster: " + base.name() + " (no MLflow)");
            return new Models(ForecasterProvider.fixed(base, baseVersion), byAlias);
        }
        ChampionModelSource champion = ChampionModelSource.builder().store(ModelStore.of(mlflow(config)))
                .model(REGISTERED_MODEL).alias(alias).cacheDir(cache).fallback(base)
                .loader((dir, v) -> ModelArtifacts.load(dir).forecaster())
                .build();
        out.println("  forecaster: " + alias + " of MLflow model " + REGISTERED_MODEL + " (blend baseline until one loads)");
        return new Models(() -> {
            champion.refresh(); // once per predict call: a moved alias is used from the next cycle on
            String version = champion.activeVersion().map(v -> v.label()).orElse(baseVersion + " (no " + alias + ")");
            return new ForecasterProvider.ModelInUse(champion, version);
        }, byAlias);
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
