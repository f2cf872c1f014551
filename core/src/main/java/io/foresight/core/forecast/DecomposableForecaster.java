package io.foresight.core.forecast;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.util.Arrays;
import java.util.function.LongPredicate;

/**
 * Prophet-style decomposable model, fitted per user and resource on the last {@code window}
 * steps: y = piecewise-linear trend (slope changes at {@code changepoints} evenly spaced over the
 * first 80% of the window) + daily Fourier terms (order {@code dailyOrder}) + weekly Fourier terms
 * (order {@code weeklyOrder}) + a holiday effect, fitted by ridge regression. Changepoint slopes
 * carry a stronger penalty than the seasonal terms so the trend only bends where the data insists
 * (Prophet uses a Laplace prior there; ridge keeps the fit closed-form and fast). Forecasts
 * extrapolate the last trend segment and are clipped at 0.
 */
public final class DecomposableForecaster implements Forecaster {
    private final int window;
    private final int changepoints;
    private final int dailyOrder;
    private final int weeklyOrder;
    private final double seasonalPenalty;
    private final double changepointPenalty;
    private final LongPredicate isHoliday;

    public DecomposableForecaster(int window, int changepoints, int dailyOrder, int weeklyOrder,
                                  double seasonalPenalty, double changepointPenalty, LongPredicate isHoliday) {
        if (window < 24 || changepoints < 0 || dailyOrder < 0 || weeklyOrder < 0) {
            throw new IllegalArgumentException("window must be >= 24 steps; orders and changepoints >= 0");
        }
        if (seasonalPenalty < 0 || changepointPenalty < 0) {
            throw new IllegalArgumentException("penalties must be >= 0");
        }
        this.window = window;
        this.changepoints = changepoints;
        this.dailyOrder = dailyOrder;
        this.weeklyOrder = weeklyOrder;
        this.seasonalPenalty = seasonalPenalty;
        this.changepointPenalty = changepointPenalty;
        this.isHoliday = java.util.Objects.requireNonNull(isHoliday, "isHoliday");
    }

    /** Two weeks of 5-minute history, 6 changepoints, daily order 4, weekly order 3. */
    public static DecomposableForecaster defaults(LongPredicate isHoliday) {
        return new DecomposableForecaster(4032, 6, 4, 3, 1e-4, 1e-2, isHoliday);
    }

    public int window() { return window; }
    public int changepoints() { return changepoints; }
    public int dailyOrder() { return dailyOrder; }
    public int weeklyOrder() { return weeklyOrder; }
    public double seasonalPenalty() { return seasonalPenalty; }
    public double changepointPenalty() { return changepointPenalty; }
    public java.util.function.LongPredicate holidays() { return isHoliday; }

    @Override
    public String name() {
        return "decomposable(window=" + window + ",cp=" + changepoints + ",daily=" + dailyOrder
                + ",weekly=" + weeklyOrder + ")";
    }

    private int columns() {
        return 2 + changepoints + 2 * dailyOrder + 2 * weeklyOrder + 1;
    }

    private void design(long ts, double tau, double[] x) {
        int k = 0;
        x[k++] = 1;
        x[k++] = tau;
        for (int c = 0; c < changepoints; c++) {
            double cp = 0.8 * (c + 1) / (changepoints + 1);
            x[k++] = Math.max(0, tau - cp);
        }
        double day = Math.floorMod(ts, 86_400L) / 86_400.0;
        for (int j = 1; j <= dailyOrder; j++) {
            x[k++] = Math.sin(2 * Math.PI * j * day);
            x[k++] = Math.cos(2 * Math.PI * j * day);
        }
        double week = Math.floorMod(ts, 604_800L) / 604_800.0;
        for (int j = 1; j <= weeklyOrder; j++) {
            x[k++] = Math.sin(2 * Math.PI * j * week);
            x[k++] = Math.cos(2 * Math.PI * j * week);
        }
        x[k] = isHoliday.test(ts) ? 1 : 0;
    }

    @Override
    public Forecast forecast(UserSeries history, int now, int horizon) {
        int end = Math.min(now, history.size());
        int from = Math.max(0, end - window);
        int step = history.stepSeconds();
        long t0 = history.timestamp(0);
        int p = columns();
        double[] pen = new double[p];
        for (int i = 1; i < p; i++) {
            pen[i] = i >= 2 && i < 2 + changepoints ? changepointPenalty : seasonalPenalty;
        }
        double span = Math.max(1, end - from);
        double[][] point = new double[Resource.COUNT][horizon];
        double[] x = new double[p];
        for (Resource r : Resource.values()) {
            double[] y = history.usageColumn(r);
            Ridge fit = new Ridge(p);
            double last = Double.NaN;
            for (int i = from; i < end; i++) {
                if (!Double.isNaN(y[i])) {
                    design(t0 + (long) i * step, (i - from) / span, x);
                    fit.add(x, y[i]);
                    last = y[i];
                }
            }
            double[] b = fit.count() > 2 ? fit.solve(pen) : null;
            for (int h = 0; h < horizon; h++) {
                if (b == null) {
                    point[r.ordinal()][h] = last;
                    continue;
                }
                int i = end + h;
                design(t0 + (long) i * step, (i - from) / span, x);
                double v = 0;
                for (int k = 0; k < p; k++) {
                    v += b[k] * x[k];
                }
                point[r.ordinal()][h] = Math.max(0, v);
            }
        }
        double[][] upper = new double[Resource.COUNT][];
        for (int r = 0; r < Resource.COUNT; r++) {
            upper[r] = Arrays.copyOf(point[r], horizon);
        }
        return new Forecast(history.user(), t0 + (long) now * step, step, 0.5, point, upper, name());
    }
}
