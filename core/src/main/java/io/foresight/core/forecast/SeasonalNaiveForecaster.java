package io.foresight.core.forecast;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.util.Arrays;

/**
 * Same time one season ago (default: yesterday), falling back to the last observed value. The upper
 * bound adds the {@code quantile} of the absolute seasonal residuals over the last {@code window}
 * steps (split-conformal style), so its coverage is calibrated on the user's own recent past.
 */
public final class SeasonalNaiveForecaster implements Forecaster {
    private final int seasonSteps;
    private final int window;
    private final double quantile;

    public SeasonalNaiveForecaster(int seasonSteps, int window, double quantile) {
        if (seasonSteps <= 0 || window <= 0) {
            throw new IllegalArgumentException("seasonSteps and window must be positive");
        }
        if (quantile <= 0 || quantile >= 1) {
            throw new IllegalArgumentException("quantile must be in (0,1), got " + quantile);
        }
        this.seasonSteps = seasonSteps;
        this.window = window;
        this.quantile = quantile;
    }

    /** Daily season at 5-minute steps, a day of residuals, 95% bound. */
    public static SeasonalNaiveForecaster daily() {
        return new SeasonalNaiveForecaster(288, 288, 0.95);
    }

    public int seasonSteps() { return seasonSteps; }
    public int window() { return window; }
    public double quantile() { return quantile; }

    @Override
    public String name() {
        return "seasonal-naive(season=" + seasonSteps + ")";
    }

    @Override
    public Forecast forecast(UserSeries history, int now, int horizon) {
        double[][] point = new double[Resource.COUNT][horizon];
        double[][] upper = new double[Resource.COUNT][horizon];
        for (Resource r : Resource.values()) {
            double[] y = history.usageColumn(r);
            double last = lastObserved(y, now);
            double margin = residualQuantile(y, now);
            for (int h = 0; h < horizon; h++) {
                int src = now + h - seasonSteps;
                while (src >= now) {
                    src -= seasonSteps;
                }
                double p = src >= 0 && !Double.isNaN(y[src]) ? y[src] : last;
                point[r.ordinal()][h] = p;
                upper[r.ordinal()][h] = Double.isNaN(p) ? Double.NaN : p + margin;
            }
        }
        return new Forecast(history.user(), now < history.size() ? history.timestamp(now)
                : history.timestamp(history.size() - 1) + (long) (now - history.size() + 1) * history.stepSeconds(),
                history.stepSeconds(), quantile, point, upper, name());
    }

    private static double lastObserved(double[] y, int now) {
        for (int i = Math.min(now, y.length) - 1; i >= 0; i--) {
            if (!Double.isNaN(y[i])) {
                return y[i];
            }
        }
        return Double.NaN;
    }

    private double residualQuantile(double[] y, int now) {
        int from = Math.max(seasonSteps, now - window);
        double[] res = new double[Math.max(0, now - from)];
        int n = 0;
        for (int i = from; i < now; i++) {
            if (!Double.isNaN(y[i]) && !Double.isNaN(y[i - seasonSteps])) {
                res[n++] = Math.abs(y[i] - y[i - seasonSteps]);
            }
        }
        if (n == 0) {
            return 0;
        }
        Arrays.sort(res, 0, n);
        int k = (int) Math.ceil(quantile * (n + 1)) - 1;
        return res[Math.min(Math.max(k, 0), n - 1)];
    }
}
