package io.foresight.app;

import io.foresight.activities.controlloop.ForecasterProvider;
import io.foresight.app.stack.FsConfig;
import io.foresight.core.eval.Policies;
import io.foresight.core.forecast.BlendForecaster;
import io.foresight.core.forecast.LinearLagForecaster;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.Trace;
import io.foresight.mlflow.ChampionModelSource;
import io.foresight.mlflow.MlflowConnection;
import io.foresight.mlflow.ModelStore;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;

/**
 * Which forecaster the control loop predicts with. The base is the blend-conformal forecaster with the
 * settings the evaluation measured ({@link Policies.ForesightSettings#defaults()}), fitted on training data
 * when given. When an MLflow tracking server is configured, the registered model's {@code champion} (trained
 * on Spark by the retraining workflow) predicts CPU on top of that base; a moved alias is picked up at the
 * next cycle, and if MLflow is down or a version does not load the last good model (or the base) goes on.
 */
final class Models {
    static final String REGISTERED_MODEL = "foresight-cpu";

    private final ForecasterProvider provider;

    private Models(ForecasterProvider provider) {
        this.provider = provider;
    }

    /**
     * @param train data the base forecaster is fitted on (only the past of what the loop replays), or null
     *              for the untrained defaults
     */
    static Models forLoop(FsConfig config, Trace train, boolean useMlflow, PrintStream out) {
        Policies.ForesightSettings s = Policies.ForesightSettings.defaults();
        BlendForecaster base = train == null || train.users().isEmpty()
                ? new BlendForecaster(BlendForecaster.Model.untrained(s.quantiles(), 12))
                : BlendForecaster.fit(train, s.quantiles(), 12, s.scaleAlpha(), s.expertAlpha(), s.peakHoldSteps());
        String baseVersion = "blend-conformal/" + (train == null ? "untrained" : "fitted");
        if (!useMlflow) {
            out.println("  forecaster: " + base.name() + " (no MLflow)");
            return new Models(ForecasterProvider.fixed(base, baseVersion));
        }
        MlflowConnection mlflow = MlflowConnection.of(URI.create(config.get("mlflow.tracking.uri", config.mlflowUrl())), Duration.ofSeconds(10));
        ChampionModelSource champion = ChampionModelSource.builder().store(ModelStore.of(mlflow)).model(REGISTERED_MODEL)
                .cacheDir(config.stateDir().resolve("models"))
                .fallback(base)
                .loader((dir, v) -> LinearLagForecaster.load(dir, Resource.CPU, base, v.label()))
                .build();
        out.println("  forecaster: champion of MLflow model " + REGISTERED_MODEL + " for CPU over " + base.name());
        return new Models(() -> {
            champion.refresh(); // once per predict call: a moved alias is used from the next cycle on
            String version = champion.activeVersion().map(v -> v.label()).orElse(baseVersion + " (no champion)");
            return new ForecasterProvider.ModelInUse(champion, version);
        });
    }

    ForecasterProvider provider() {
        return provider;
    }
}
