package io.foresight.core.feedback;

import io.foresight.core.model.Resource;
import java.util.Objects;

/**
 * An interval whose usage (or forecast residual) lay far outside what the user's own seasonal history
 * explains. {@code mads} is the signed robust z-score: (observed - expected) / (1.4826 * MAD), with the
 * scale floored (see {@link AnomalyDetector.Config}); {@code score} is its absolute value.
 *
 * @param index position in the series it was found in (-1 when found online without a series)
 */
public record Anomaly(String user, Resource resource, long at, int index, Kind kind, double observed,
                      double expected, double scale, double mads, String explanation) {
    public enum Kind {
        /** Usage far above the seasonal baseline: the one that can warrant a safety scale-up. */
        SPIKE,
        /** Usage far below the seasonal baseline (outage, stopped job, broken collector). */
        DROP,
        /** The forecast missed by far more than its usual residuals. */
        FORECAST_MISS
    }

    public Anomaly {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(resource, "resource");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(explanation, "explanation");
    }

    public double score() {
        return Math.abs(mads);
    }

    /** Whether the policy rules should consider a safety scale-up for it. */
    public boolean warrantsScaleUp() {
        return kind == Kind.SPIKE || (kind == Kind.FORECAST_MISS && mads > 0);
    }
}
