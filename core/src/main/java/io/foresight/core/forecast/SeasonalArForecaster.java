package io.foresight.core.forecast;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;

/**
 * ARIMA-family model fitted per user at forecast time: seasonal differencing
 * {@code z[t] = y[t] - y[t - season]} (the "I"), then AR(p) with intercept on z fitted by least
 * squares over the last {@code window} steps; forecasts are recursive and undone the differencing.
 * Unobserved values are carried forward from the last observation. When there is less than one
 * season of history it falls back to AR(p) on the levels. Cost per resource: O(window * p²).
 */
public final class SeasonalArForecaster implements Forecaster {
    private final int p;
    private final int season;
    private final int window;
    private final double lambda;

    public SeasonalArForecaster(int p, int season, int window) {
        if (p < 1 || season < 1 || window <= p + 1) {
            throw new IllegalArgumentException("need p >= 1, season >= 1, window > p + 1");
        }
        this.p = p;
        this.season = season;
        this.window = window;
        this.lambda = 1e-6;
    }

    /** AR(3) on the daily difference, fitted on the last 3 days. */
    public static SeasonalArForecaster daily() {
        return new SeasonalArForecaster(3, 288, 864);
    }

    public int p() { return p; }
    public int season() { return season; }
    public int window() { return window; }

    @Override
    public String name() {
        return "seasonal-ar(p=" + p + ",season=" + season + ",window=" + window + ")";
    }

    @Override
    public Forecast forecast(UserSeries history, int now, int horizon) {
        double[][] point = new double[Resource.COUNT][horizon];
        for (Resource r : Resource.values()) {
            point[r.ordinal()] = forecastColumn(history.usageColumn(r), Math.min(now, history.size()), horizon);
        }
        double[][] upper = new double[Resource.COUNT][];
        for (int r = 0; r < Resource.COUNT; r++) {
            upper[r] = point[r].clone();
        }
        long issued = history.timestamp(0) + (long) now * history.stepSeconds();
        return new Forecast(history.user(), issued, history.stepSeconds(), 0.5, point, upper, name());
    }

    double[] forecastColumn(double[] raw, int now, int horizon) {
        boolean seasonal = now > season + p + 2;
        int lag = seasonal ? season : 0;
        int from = Math.max(0, now - window - lag - p);
        int len = now - from;
        double[] y = new double[len + horizon];
        double last = Double.NaN;
        for (int i = 0; i < len; i++) {
            double v = raw[from + i];
            if (!Double.isNaN(v)) {
                last = v;
            }
            y[i] = last;
        }
        double[] out = new double[horizon];
        if (Double.isNaN(last)) {
            java.util.Arrays.fill(out, Double.NaN);
            return out;
        }
        int firstValid = 0;
        while (Double.isNaN(y[firstValid])) {
            firstValid++;
        }
        double[] z = new double[len + horizon];
        for (int i = 0; i < len; i++) {
            z[i] = lag == 0 ? y[i] : (i >= lag && !Double.isNaN(y[i - lag]) ? y[i] - y[i - lag] : Double.NaN);
        }
        Ridge fit = new Ridge(p + 1);
        double[] x = new double[p + 1];
        for (int t = Math.max(firstValid, 0) + p; t < len; t++) {
            boolean ok = !Double.isNaN(z[t]);
            x[0] = 1;
            for (int k = 1; k <= p && ok; k++) {
                x[k] = z[t - k];
                ok = !Double.isNaN(x[k]);
            }
            if (ok) {
                fit.add(x, z[t]);
            }
        }
        double[] b = fit.count() > p + 1 ? fit.solve(lambda) : null;
        for (int h = 0; h < horizon; h++) {
            int t = len + h;
            double zt;
            if (b == null) {
                zt = lag == 0 ? y[len - 1] : 0;
            } else {
                zt = b[0];
                for (int k = 1; k <= p; k++) {
                    double zk = z[t - k];
                    zt += b[k] * (Double.isNaN(zk) ? 0 : zk);
                }
            }
            z[t] = zt;
            double level = lag == 0 ? zt : (Double.isNaN(y[t - lag]) ? last : y[t - lag]) + zt;
            y[t] = level;
            out[h] = Math.max(0, level);
        }
        return out;
    }
}
