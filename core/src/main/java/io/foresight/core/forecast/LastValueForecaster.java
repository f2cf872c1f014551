package io.foresight.core.forecast;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.util.Arrays;

/**
 * The random walk: every step of the horizon repeats the last observed value. It is the yardstick a
 * 1-hour forecast of 5-minute usage must beat (issue 15: it beat every family on CPU). The upper bound at
 * step h adds the {@code quantile} of the user's own (h+1)-step-ahead changes {@code y[i] - y[i-h-1]} over
 * the last {@code window} steps, so its coverage is calibrated per step on the user's recent past.
 */
public final class LastValueForecaster implements Forecaster {
    private final int window;
    private final double quantile;

    public LastValueForecaster(int window, double quantile) {
        if (window <= 0) {
            throw new IllegalArgumentException("window must be positive, got " + window);
        }
        if (quantile <= 0 || quantile >= 1) {
            throw new IllegalArgumentException("quantile must be in (0,1), got " + quantile);
        }
        this.window = window;
        this.quantile = quantile;
    }

    /** A day of 5-minute changes for the bound, 95 %. */
    public static LastValueForecaster daily() {
        return new LastValueForecaster(288, 0.95);
    }

    public int window() {
        return window;
    }

    public double quantile() {
        return quantile;
    }

    @Override
    public String name() {
        return "last-value";
    }

    @Override
    public Forecast forecast(UserSeries history, int now, int horizon) {
        double[][] point = new double[Resource.COUNT][horizon];
        double[][] upper = new double[Resource.COUNT][horizon];
        int n = Math.min(now, history.size());
        double[] changes = new double[window];
        for (Resource r : Resource.values()) {
            double[] y = history.usageColumn(r);
            double last = Double.NaN;
            for (int i = n - 1; i >= 0; i--) {
                if (!Double.isNaN(y[i])) {
                    last = y[i];
                    break;
                }
            }
            for (int h = 0; h < horizon; h++) {
                int k = 0;
                for (int i = Math.max(h + 1, n - window); i < n; i++) {
                    double a = y[i], b = y[i - h - 1];
                    if (!Double.isNaN(a) && !Double.isNaN(b)) {
                        changes[k++] = a - b;
                    }
                }
                double margin = 0;
                if (k > 0) {
                    Arrays.sort(changes, 0, k);
                    int q = (int) Math.ceil(quantile * (k + 1)) - 1;
                    margin = Math.max(0, changes[Math.min(Math.max(q, 0), k - 1)]);
                }
                point[r.ordinal()][h] = last;
                upper[r.ordinal()][h] = Double.isNaN(last) ? Double.NaN : last + margin;
            }
        }
        long issued = history.size() == 0 ? 0 : history.timestamp(0) + (long) now * history.stepSeconds();
        return new Forecast(history.user(), issued, history.stepSeconds(), quantile, point, upper, name());
    }
}
