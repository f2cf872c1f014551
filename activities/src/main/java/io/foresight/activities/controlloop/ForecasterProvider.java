package io.foresight.activities.controlloop;

import io.foresight.core.forecast.Forecaster;
import java.util.Objects;

/**
 * The model the loop predicts with, asked once per predict call so a newly promoted champion (e.g. from
 * the MLflow registry) is picked up at the next cycle without restarting the worker.
 */
@FunctionalInterface
public interface ForecasterProvider {
    ModelInUse current();

    /**
     * A forecaster and the version recorded with its forecasts and reported by the loop.
     *
     * @param refusal why the model that should serve (the registry's champion) was refused and this one serves
     *                instead, naming that version; "" when there is no refusal
     */
    record ModelInUse(Forecaster forecaster, String version, String refusal) {
        public ModelInUse {
            Objects.requireNonNull(forecaster, "forecaster");
            Objects.requireNonNull(version, "version");
            refusal = refusal == null ? "" : refusal;
        }

        public ModelInUse(Forecaster forecaster, String version) {
            this(forecaster, version, "");
        }
    }

    static ForecasterProvider fixed(Forecaster f, String version) {
        ModelInUse m = new ModelInUse(f, version);
        return () -> m;
    }
}
