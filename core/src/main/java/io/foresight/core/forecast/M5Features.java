package io.foresight.core.forecast;

import io.foresight.core.features.UserFeatures;
import java.util.ArrayList;
import java.util.List;

/**
 * The inputs of the global gradient-boosted forecaster ({@link GlobalGbtForecaster}), the features that won the
 * M5 competition for series like these, computed at an origin o for the value at o + h from values before o
 * only: the last 12 values, the same time yesterday and last week, the mean, maximum and standard deviation over
 * the last 12, 36 and 288 steps, the target's minute of day and day of week, the step h and the resource. Every
 * level feature is divided by the user's scale (the mean of the last 288 values plus {@link #SCALE_FLOOR}), so one
 * model serves a VM using 0.1 cores and one using 40; the label is {@code (y[o+h] - last) / scale}. The one
 * definition: Spark's training job builds its rows with it, serving computes it the same way.
 */
public final class M5Features {
    public static final int LAGS = 12;
    static final int[] WINDOWS = {12, 36, UserFeatures.STEPS_PER_DAY};
    /** Keeps the scale of an idle user above 0 (units: cores, GiB, MB/s). */
    public static final double SCALE_FLOOR = 1e-3;
    /** Input of a missing feature; scaled usage is never negative, so trees can split it off. */
    public static final double MISSING = -1.0;
    public static final List<String> NAMES;

    static {
        List<String> n = new ArrayList<>();
        for (int k = 1; k <= LAGS; k++) {
            n.add("lag" + k);
        }
        n.add("same_time_yesterday");
        n.add("same_time_last_week");
        for (int w : WINDOWS) {
            n.add("mean" + w);
            n.add("max" + w);
            n.add("std" + w);
        }
        n.add("minute_of_day");
        n.add("day_of_week");
        n.add("step");
        n.add("resource");
        NAMES = List.copyOf(n);
    }

    public static final int COUNT = NAMES.size();
    private static final int YESTERDAY = LAGS, LAST_WEEK = LAGS + 1, MINUTE = COUNT - 4, DOW = COUNT - 3,
            STEP = COUNT - 2, RESOURCE = COUNT - 1;

    private M5Features() {}

    /**
     * The origin's part of the features (lags and windows, scaled) into {@code x}; returns
     * {@code {last observed value, scale}}, or null when nothing before o was observed.
     */
    public static double[] origin(double[] y, int o, int resource, double[] x) {
        int end = Math.min(o, y.length);
        double last = Double.NaN;
        for (int i = end - 1; i >= 0 && i >= end - UserFeatures.STEPS_PER_DAY; i--) {
            if (!Double.isNaN(y[i])) {
                last = y[i];
                break;
            }
        }
        if (Double.isNaN(last)) {
            return null;
        }
        double sum = 0;
        int n = 0;
        for (int i = Math.max(0, end - UserFeatures.STEPS_PER_DAY); i < end; i++) {
            if (!Double.isNaN(y[i])) {
                sum += y[i];
                n++;
            }
        }
        double scale = (n == 0 ? 0 : sum / n) + SCALE_FLOOR;
        for (int k = 1; k <= LAGS; k++) {
            int i = end - k;
            x[k - 1] = i < 0 || Double.isNaN(y[i]) ? MISSING : y[i] / scale;
        }
        int f = LAGS + 2;
        for (int w : WINDOWS) {
            double s = 0, sq = 0, mx = Double.NEGATIVE_INFINITY;
            int c = 0;
            for (int i = Math.max(0, end - w); i < end; i++) {
                double v = y[i];
                if (!Double.isNaN(v)) {
                    s += v;
                    sq += v * v;
                    mx = Math.max(mx, v);
                    c++;
                }
            }
            if (c == 0) {
                x[f] = x[f + 1] = x[f + 2] = MISSING;
            } else {
                double mean = s / c;
                x[f] = mean / scale;
                x[f + 1] = mx / scale;
                x[f + 2] = Math.sqrt(Math.max(0, sq / c - mean * mean)) / scale;
            }
            f += 3;
        }
        x[RESOURCE] = resource;
        return new double[] {last, scale};
    }

    /** Holds the calendar features (minute of day, day of week) at 0: training without the calendar. */
    public static void clearCalendar(double[] x) {
        x[MINUTE] = 0;
        x[DOW] = 0;
    }

    /** The step's part of the features for the target index t = o + h (timestamp {@code targetTs}). */
    public static void step(double[] y, int o, int h, long targetTs, double scale, double[] x) {
        int t = o + h;
        int d = t - UserFeatures.STEPS_PER_DAY;
        while (d >= o) {
            d -= UserFeatures.STEPS_PER_DAY; // only values before the origin
        }
        int w = t - UserFeatures.STEPS_PER_WEEK;
        x[YESTERDAY] = d < 0 || d >= y.length || Double.isNaN(y[d]) ? MISSING : y[d] / scale;
        x[LAST_WEEK] = w < 0 || w >= y.length || w >= o || Double.isNaN(y[w]) ? MISSING : y[w] / scale;
        long sec = Math.floorMod(targetTs, 86_400L);
        x[MINUTE] = sec / 60.0;
        x[DOW] = Math.floorMod(Math.floorDiv(targetTs, 86_400L) + 3, 7); // 1970-01-01 was a Thursday: Monday = 0
        x[STEP] = h;
    }
}
