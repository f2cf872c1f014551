package io.foresight.core.forecast;

import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import java.util.Objects;

/**
 * A forecast for one user: {@code point[r][h]} and {@code upper[r][h]} for resource r at step h
 * after {@code issuedAt} (h = 0 is the interval starting at issuedAt). {@code upper} is the bound at
 * {@code quantile} (e.g. 0.95). {@code model} names the model and version that made it, for the audit.
 * {@code known}: per resource, demand already known when the forecast was made (a job log's running and queued
 * jobs), NaN where nothing is known; null when the source knows no jobs. {@code ceiling}: per resource, the
 * user's highest usage over the recent past (NaN where none), which the planner does not plan above by more than its
 * headroom; null when not attached. {@code floor}: per resource, the user's highest usage over the planner's peak hold
 * ({@link io.foresight.core.plan.PlannerConfig#peakHoldSteps}), below which the planner does not plan (NaN where
 * none); null when not attached.
 */
public record Forecast(String user, long issuedAt, int stepSeconds, double quantile,
                       double[][] point, double[][] upper, String model, double[] known, double[] ceiling,
                       double[] floor) {
    /** A forecast from usage alone (no known demand). */
    public Forecast(String user, long issuedAt, int stepSeconds, double quantile, double[][] point, double[][] upper,
                    String model) {
        this(user, issuedAt, stepSeconds, quantile, point, upper, model, null, null);
    }

    /** A forecast with known demand and no ceiling. */
    public Forecast(String user, long issuedAt, int stepSeconds, double quantile, double[][] point, double[][] upper,
                    String model, double[] known) {
        this(user, issuedAt, stepSeconds, quantile, point, upper, model, known, null);
    }

    /** A forecast with known demand and a ceiling, no floor. */
    public Forecast(String user, long issuedAt, int stepSeconds, double quantile, double[][] point, double[][] upper,
                    String model, double[] known, double[] ceiling) {
        this(user, issuedAt, stepSeconds, quantile, point, upper, model, known, ceiling, null);
    }

    public Forecast {
        if (floor != null && floor.length != Resource.COUNT) {
            throw new IllegalArgumentException("the floor needs one value per resource");
        }
        if (known != null && known.length != Resource.COUNT) {
            throw new IllegalArgumentException("known demand needs one value per resource");
        }
        if (ceiling != null && ceiling.length != Resource.COUNT) {
            throw new IllegalArgumentException("the ceiling needs one value per resource");
        }
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(point, "point");
        Objects.requireNonNull(upper, "upper");
        Objects.requireNonNull(model, "model");
        if (point.length != Resource.COUNT || upper.length != Resource.COUNT) {
            throw new IllegalArgumentException("forecast needs one row per resource");
        }
    }

    public int horizon() {
        return point[0].length;
    }

    public double point(Resource r, int h) {
        return point[r.ordinal()][h];
    }

    public double upper(Resource r, int h) {
        return upper[r.ordinal()][h];
    }

    /** True if the bound for {@code r} rests on demand the source already knew (running and queued jobs). */
    public boolean knows(Resource r) {
        return known != null && !Double.isNaN(known[r.ordinal()]);
    }

    /** The user's recent peak of {@code r} the planner caps its target with (NaN: none). */
    public double ceiling(Resource r) {
        return ceiling == null ? Double.NaN : ceiling[r.ordinal()];
    }

    /** This forecast with {@code ceiling} attached (see the class comment). */
    public Forecast withCeiling(double[] ceiling) {
        return new Forecast(user, issuedAt, stepSeconds, quantile, point, upper, model, known, ceiling.clone(), floor);
    }

    /** The user's recent peak of {@code r} the planner does not plan below (NaN: none). */
    public double floor(Resource r) {
        return floor == null ? Double.NaN : floor[r.ordinal()];
    }

    /** This forecast with {@code floor} attached (see the class comment). */
    public Forecast withFloor(double[] floor) {
        return new Forecast(user, issuedAt, stepSeconds, quantile, point, upper, model, known, ceiling, floor.clone());
    }

    /** The highest upper bound over steps [from, to), per resource. */
    public ResourceVector peakUpper(int from, int to) {
        double[] v = new double[Resource.COUNT];
        for (int r = 0; r < Resource.COUNT; r++) {
            double m = Double.NaN;
            for (int h = Math.max(0, from); h < Math.min(to, horizon()); h++) {
                double x = upper[r][h];
                if (!Double.isNaN(x) && (Double.isNaN(m) || x > m)) {
                    m = x;
                }
            }
            v[r] = m;
        }
        return ResourceVector.of(v);
    }
}
