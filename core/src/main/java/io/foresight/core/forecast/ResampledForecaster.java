package io.foresight.core.forecast;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.util.Objects;

/**
 * Coarser steps from a fine-step forecaster, e.g. the next day at hourly steps from 5-minute
 * forecasts ({@link #hourly}): each coarse step's point is the mean of its {@code factor} fine
 * points and its upper bound the mean of their upper bounds (the bound on the step's mean usage).
 * {@code horizon} and {@code now} stay in fine steps of the series, the result has
 * {@code horizon / factor} steps of {@code factor * stepSeconds}.
 */
public final class ResampledForecaster implements Forecaster {
    private final Forecaster base;
    private final int factor;

    public ResampledForecaster(Forecaster base, int factor) {
        this.base = Objects.requireNonNull(base, "base");
        if (factor < 1) {
            throw new IllegalArgumentException("factor must be >= 1, got " + factor);
        }
        this.factor = factor;
    }

    /** Hourly steps from 5-minute steps. */
    public static ResampledForecaster hourly(Forecaster base) {
        return new ResampledForecaster(base, 12);
    }

    @Override
    public String name() {
        return base.name() + "/resampled(x" + factor + ")";
    }

    /** @param horizon fine steps; must be a multiple of the factor (288 = one day at 5 minutes) */
    @Override
    public Forecast forecast(UserSeries history, int now, int horizon) {
        if (horizon % factor != 0) {
            throw new IllegalArgumentException("horizon " + horizon + " is not a multiple of " + factor
                    + ". Fix: ask for whole coarse steps, e.g. 288 for a day of hours");
        }
        Forecast f = base.forecast(history, now, horizon);
        int n = horizon / factor;
        double[][] point = new double[Resource.COUNT][n];
        double[][] upper = new double[Resource.COUNT][n];
        for (int r = 0; r < Resource.COUNT; r++) {
            for (int k = 0; k < n; k++) {
                double p = 0, u = 0;
                for (int j = 0; j < factor; j++) {
                    p += f.point()[r][k * factor + j];
                    u += f.upper()[r][k * factor + j];
                }
                point[r][k] = p / factor;
                upper[r][k] = u / factor;
            }
        }
        return new Forecast(f.user(), f.issuedAt(), f.stepSeconds() * factor, f.quantile(), point, upper, name());
    }
}
