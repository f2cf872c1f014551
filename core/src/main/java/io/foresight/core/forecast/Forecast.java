package io.foresight.core.forecast;

import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import java.util.Objects;

/**
 * A forecast for one user: {@code point[r][h]} and {@code upper[r][h]} for resource r at step h
 * after {@code issuedAt} (h = 0 is the interval starting at issuedAt). {@code upper} is the bound at
 * {@code quantile} (e.g. 0.95). {@code model} names the model and version that made it, for the audit.
 */
public record Forecast(String user, long issuedAt, int stepSeconds, double quantile,
                       double[][] point, double[][] upper, String model) {
    public Forecast {
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
