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

    private Models(ForecasterProvider provider) {
        this.provider = provider;
    }

    /**
     * @param train     data the baseline is fitted on (only the past of what the loop replays), or null for
     *                  the untrained defaults
     * @param useMlflow follow the registry's champion; without it a champion cached by an earlier run is still
     *                  served (and the registry then followed) if there is one
     */
    static Models forLoop(FsConfig config, Trace train, boolean useMlflow, PrintStream out) {
        BlendForecaster base = ModelFamilies.blend(train);
        String baseVersion = baselineVersion(train);
        Path cache = cacheDir(config);
        if (!useMlflow && !hasCachedChampion(cache)) {
            out.println("  forecaster: " + base.name() + " (no MLflow)");
            return new Models(ForecasterProvider.fixed(base, baseVersion));
        }
        ChampionModelSource champion = ChampionModelSource.builder().store(ModelStore.of(mlflow(config)))
                .model(REGISTERED_MODEL).cacheDir(cache).fallback(base)
                .loader((dir, v) -> ModelArtifacts.load(dir).forecaster())
                .build();
        out.println("  forecaster: champion of MLflow model " + REGISTERED_MODEL + " (blend baseline until one loads)");
        return new Models(following(champion, baseVersion));
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

    static String baselineVersion(Trace train) {
        return ModelFamilies.BLEND + "/" + (train == null || train.users().isEmpty() ? "untrained" : "fitted");
    }

    static MlflowConnection mlflow(FsConfig config) {
        return MlflowConnection.of(URI.create(config.get("mlflow.tracking.uri", config.mlflowUrl())), Duration.ofSeconds(10));
    }

    static Path cacheDir(FsConfig config) {
        return config.stateDir().resolve("models");
    }

    private static boolean hasCachedChampion(Path cache) {
        return ChampionModelSource.hasCached(cache, REGISTERED_MODEL, io.foresight.mlflow.ModelRegistry.CHAMPION);
    }

    ForecasterProvider provider() {
        return provider;
    }
}
