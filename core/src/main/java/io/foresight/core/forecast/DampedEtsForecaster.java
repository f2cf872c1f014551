package io.foresight.core.forecast;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.util.Arrays;

/**
 * Exponential smoothing with an additive damped trend, ETS(A,Ad,N), fitted per user and resource: level
 * {@code l = a y + (1-a)(l + phi b)}, trend {@code b = beta (l - l_prev) + (1-beta) phi b}, forecast h steps
 * ahead {@code l + (phi + ... + phi^h) b}, never below 0. The smoothing parameters are chosen from a grid
 * ({@link #ALPHAS} x {@link #BETAS} x {@link #PHIS}) by the mean absolute error of the 1..horizon-step forecasts
 * over the {@code fitWindow} steps before the first origin asked for: forecasts at later origins (and the errors
 * a {@link CalibratedForecaster} calibrates its bound on) are made with parameters that did not see them.
 * A missing value leaves the level and damps the trend. No season: at a one-hour horizon the daily cycle of
 * 5-minute usage moves little, and a 288-step season needs days of state per user.
 *
 * <p>Its own upper bound equals the point: serve it inside a {@link CalibratedForecaster} (family {@code ets}).
 */
public final class DampedEtsForecaster implements Forecaster, PointForecaster {
    static final double[] ALPHAS = {0.1, 0.2, 0.35, 0.5, 0.7, 0.9};
    static final double[] BETAS = {0.0, 0.02, 0.1};
    static final double[] PHIS = {0.8, 0.9, 0.98};

    private final int fitWindow;

    public DampedEtsForecaster(int fitWindow) {
        if (fitWindow < 2) {
            throw new IllegalArgumentException("fitWindow must be at least 2 steps, got " + fitWindow);
        }
        this.fitWindow = fitWindow;
    }

    /** Parameters fitted on the 2 days before the forecasts. */
    public static DampedEtsForecaster defaults() {
        return new DampedEtsForecaster(576);
    }

    public int fitWindow() {
        return fitWindow;
    }

    @Override
    public String name() {
        return "ets-damped(fit=" + fitWindow + ")";
    }

    @Override
    public Forecast forecast(UserSeries history, int now, int horizon) {
        return pointForecast(history, now, horizon);
    }

    @Override
    public double[][][] pointsFrom(UserSeries history, int from, int to, int horizon) {
        double[][][] out = new double[Math.max(0, to - from)][Resource.COUNT][horizon];
        for (Resource r : Resource.values()) {
            double[] y = history.usageColumn(r);
            int n = y.length;
            int start = Math.max(0, from - fitWindow);
            double[] p = fit(y, start, Math.min(from, n), horizon);
            State st = new State(p[0], p[1], p[2]);
            int t = start;
            for (int o = from; o < to; o++) {
                for (; t < Math.min(o, n); t++) {
                    st.update(y[t]);
                }
                double[] row = out[o - from][r.ordinal()];
                if (!st.started) {
                    Arrays.fill(row, Double.NaN);
                } else {
                    st.forecast(row);
                }
            }
        }
        return out;
    }

    /** The grid point (alpha, beta, phi) with the least mean absolute 1..horizon-step error on y[from, to). */
    static double[] fit(double[] y, int from, int to, int horizon) {
        double[] best = {0.5, 0.0, 0.9};
        double bestErr = Double.POSITIVE_INFINITY;
        double[] fc = new double[horizon];
        for (double a : ALPHAS) {
            for (double b : BETAS) {
                for (double phi : PHIS) {
                    if (b == 0 && phi != PHIS[0]) {
                        continue; // without a trend phi changes nothing
                    }
                    State st = new State(a, b, phi);
                    double err = 0;
                    long cnt = 0;
                    for (int t = from; t < to; t++) {
                        if (st.started) {
                            st.forecast(fc);
                            for (int h = 0; h < horizon && t + h < to; h++) {
                                double v = y[t + h];
                                if (!Double.isNaN(v)) {
                                    err += Math.abs(v - fc[h]);
                                    cnt++;
                                }
                            }
                        }
                        st.update(y[t]);
                    }
                    if (cnt > 0 && err / cnt < bestErr - 1e-15) {
                        bestErr = err / cnt;
                        best = new double[] {a, b, phi};
                    }
                }
            }
        }
        return best;
    }

    /** The smoothing state of one series. */
    static final class State {
        final double alpha, beta, phi;
        double level, trend;
        boolean started;

        State(double alpha, double beta, double phi) {
            this.alpha = alpha;
            this.beta = beta;
            this.phi = phi;
        }

        void update(double v) {
            if (Double.isNaN(v)) {
                if (started) {
                    level += phi * trend;
                    trend *= phi;
                }
                return;
            }
            if (!started) {
                level = v;
                trend = 0;
                started = true;
                return;
            }
            double prev = level;
            level = alpha * v + (1 - alpha) * (level + phi * trend);
            trend = beta * (level - prev) + (1 - beta) * phi * trend;
        }

        void forecast(double[] out) {
            double damp = 0, f = 1;
            for (int h = 0; h < out.length; h++) {
                f *= phi;
                damp += f;
                out[h] = Math.max(0, level + damp * trend);
            }
        }
    }
}
