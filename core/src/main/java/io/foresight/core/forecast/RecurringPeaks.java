package io.foresight.core.forecast;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;

/**
 * Anticipates daily recurring peaks: the upper bound of each forecast step is raised to the demand that recurred at
 * that time of day on every one of the last {@code days} days. For each of those days the peak of the usage within
 * {@code windowSteps} of the same time of day is taken, and the smallest of these peaks is the recurring level: a
 * spike seen once does not recur, one seen at the same time every day does. So capacity is there
 * {@code windowSteps} before the time the peak came on previous days (plus the planner's lead) and is released after
 * it, instead of being raised after the spike and held. The point forecast is unchanged. Pure: reads only the
 * history before the forecast.
 */
public record RecurringPeaks(int days, int windowSteps) {
    /** Two days of recurrence, within 15 minutes (three 5-minute steps) of the same time of day. */
    public static final RecurringPeaks DEFAULT = new RecurringPeaks(2, 3);

    public RecurringPeaks {
        if (days < 1 || windowSteps < 0) {
            throw new IllegalArgumentException("recurring peaks need days >= 1 and windowSteps >= 0, got " + days + ", "
                    + windowSteps);
        }
    }

    /**
     * The forecast with each step's upper bound at least the level that recurred then on each of the last days.
     *
     * @param history the series the forecast was made from; intervals {@code [0, now)} are observed
     * @param now     the index the forecast's step 0 falls on
     */
    public Forecast lift(Forecast f, UserSeries history, int now) {
        int perDay = 86_400 / history.stepSeconds();
        if (86_400 % history.stepSeconds() != 0 || now < days * perDay + windowSteps) {
            return f; // not enough history (or no whole-day period in steps): nothing recurs yet
        }
        double[][] upper = null;
        for (Resource r : Resource.values()) {
            double[] col = history.usageColumn(r);
            for (int h = 0; h < f.horizon(); h++) {
                double level = recurring(col, now + h, perDay, now);
                double u = f.upper(r, h);
                if (!Double.isNaN(level) && !Double.isNaN(u) && level > u) {
                    if (upper == null) {
                        upper = new double[f.upper().length][];
                        for (int k = 0; k < upper.length; k++) {
                            upper[k] = f.upper()[k].clone();
                        }
                    }
                    upper[r.ordinal()][h] = level;
                }
            }
        }
        return upper == null ? f : new Forecast(f.user(), f.issuedAt(), f.stepSeconds(), f.quantile(), f.point(), upper, f.model());
    }

    /** The smallest over the last days of the peak near the same time of day as index t (NaN if a day is unobserved). */
    double recurring(double[] col, int t, int perDay, int now) {
        double level = Double.POSITIVE_INFINITY;
        for (int d = 1; d <= days; d++) {
            int c = t - d * perDay;
            double peak = Double.NaN;
            for (int i = Math.max(0, c - windowSteps); i <= Math.min(now - 1, c + windowSteps); i++) {
                double v = col[i];
                if (!Double.isNaN(v) && (Double.isNaN(peak) || v > peak)) {
                    peak = v;
                }
            }
            if (Double.isNaN(peak)) {
                return Double.NaN;
            }
            level = Math.min(level, peak);
        }
        return level;
    }
}
