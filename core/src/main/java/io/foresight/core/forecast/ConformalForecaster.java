package io.foresight.core.forecast;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.util.Arrays;
import java.util.Objects;

/**
 * Adds a calibrated upper bound to any forecaster by split-conformal calibration on the user's own
 * recent past: the base model is re-run at {@code origins} earlier origins whose outcomes are
 * already known (all before {@code now}), and the bound at step h is the point forecast plus the
 * conformal {@code quantile} of the signed residuals (actual − point) at step h. Reads nothing at
 * or after {@code now}.
 */
public final class ConformalForecaster implements Forecaster {
    private final Forecaster base;
    private final double quantile;
    private final int origins;
    private final int spacing;

    public ConformalForecaster(Forecaster base, double quantile, int origins, int spacing) {
        this.base = Objects.requireNonNull(base, "base");
        if (quantile <= 0 || quantile >= 1) {
            throw new IllegalArgumentException("quantile must be in (0,1), got " + quantile);
        }
        if (origins < 1 || spacing < 1) {
            throw new IllegalArgumentException("origins and spacing must be positive");
        }
        this.quantile = quantile;
        this.origins = origins;
        this.spacing = spacing;
    }

    /** 95% bound from 16 calibration origins an hour apart (at 5-minute steps). */
    public static ConformalForecaster of(Forecaster base) {
        return new ConformalForecaster(base, 0.95, 16, 12);
    }

    @Override
    public String name() {
        return base.name() + "+conformal(q=" + quantile + ")";
    }

    public Forecaster base() {
        return base;
    }

    public double quantile() { return quantile; }
    public int origins() { return origins; }
    public int spacing() { return spacing; }

    @Override
    public Forecast forecast(UserSeries history, int now, int horizon) {
        Forecast f = base.forecast(history, now, horizon);
        double[][][] res = new double[Resource.COUNT][horizon][origins];
        int[][] n = new int[Resource.COUNT][horizon];
        for (int k = 0; k < origins; k++) {
            int o = now - horizon - k * spacing;
            if (o <= 0) {
                break;
            }
            Forecast c = base.forecast(history, o, horizon);
            for (Resource r : Resource.values()) {
                for (int h = 0; h < horizon; h++) {
                    double y = history.usage(r, o + h);
                    double p = c.point(r, h);
                    if (!Double.isNaN(y) && !Double.isNaN(p)) {
                        res[r.ordinal()][h][n[r.ordinal()][h]++] = y - p;
                    }
                }
            }
        }
        double[][] point = new double[Resource.COUNT][];
        double[][] upper = new double[Resource.COUNT][horizon];
        for (int r = 0; r < Resource.COUNT; r++) {
            point[r] = f.point()[r].clone();
            for (int h = 0; h < horizon; h++) {
                double margin = conformalQuantile(res[r][h], n[r][h], quantile);
                upper[r][h] = point[r][h] + Math.max(0, margin);
            }
        }
        return new Forecast(f.user(), f.issuedAt(), f.stepSeconds(), quantile, point, upper, name());
    }

    /** The ceil((n+1)q)-th smallest of n residuals (the largest when n is too small); 0 if none. */
    static double conformalQuantile(double[] v, int n, double q) {
        if (n == 0) {
            return 0;
        }
        double[] s = Arrays.copyOf(v, n);
        Arrays.sort(s);
        int k = (int) Math.ceil((n + 1) * q) - 1;
        return s[Math.min(Math.max(k, 0), n - 1)];
    }
}
