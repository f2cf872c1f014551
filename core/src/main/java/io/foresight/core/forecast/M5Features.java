package io.foresight.core.forecast;

import io.foresight.core.features.UserFeatures;
import java.util.ArrayList;
import java.util.List;

/**
 * The inputs of the global gradient-boosted forecaster ({@link GlobalGbtForecaster}), the features that won the
 * M5 competition for series like these, computed at an origin o for the value at o + h from values before o
 * only: the last 12 values and their last 3's median, the same time yesterday and last week and how the
 * series moved from the base to them, the mean, maximum and standard deviation over
 * the last 12, 36 and 288 steps, the target's minute of day and day of week, the step h and the resource. Every
 * level feature is divided by the user's scale (the mean of the last 288 values plus {@link #SCALE_FLOOR}), so one
 * model serves a VM using 0.1 cores and one using 40; the label is the clipped change from the median of the last 3
 * values in units of the user's typical 5-minute change, {@code (y[o+h] - median3) / changeScale} ({@link #label}):
 * in units of the level, a steady VM's changes were all near 0 and a bursty one's far out, so one set of trees
 * fitted neither. The one
 * definition: Spark's training job builds its rows with it, serving computes it the same way.
 */
public final class M5Features {
    public static final int LAGS = 12;
    static final int[] WINDOWS = {12, 36, UserFeatures.STEPS_PER_DAY};
    /** Keeps the scale of an idle user above 0 (units: cores, GiB, MB/s). */
    public static final double SCALE_FLOOR = 1e-3;
    /**
     * Values the base is the median of: the forecast is base + change scale x trees, and the median of the last 3 already
     * beats last value by filtering one-interval spikes (recent-median family), so the trees only learn what it misses.
     */
    public static final int BASE_VALUES = 3;
    /** Largest |label| in change-scale units (see {@link #label}). */
    public static final double LABEL_CLIP = 3.0;
    /** Input of a missing feature; scaled usage is never negative, so trees can split it off. */
    public static final double MISSING = -1.0;
    /** Input of a missing change feature (a change can be negative; this is far below any clipped one). */
    public static final double MISSING_CHANGE = -1e3;
    public static final List<String> NAMES;

    static {
        List<String> n = new ArrayList<>();
        for (int k = 1; k <= LAGS; k++) {
            n.add("lag" + k);
        }
        n.add("median3");
        n.add("same_time_yesterday");
        n.add("same_time_last_week");
        n.add("yesterday_change");
        n.add("last_week_change");
        for (int w : WINDOWS) {
            n.add("mean" + w);
            n.add("max" + w);
            n.add("std" + w);
        }
        n.add("volatility");
        n.add("minute_of_day");
        n.add("day_of_week");
        n.add("step");
        n.add("resource");
        NAMES = List.copyOf(n);
    }

    public static final int COUNT = NAMES.size();
    private static final int MEDIAN = LAGS, YESTERDAY = LAGS + 1, LAST_WEEK = LAGS + 2, YESTERDAY_CHANGE = LAGS + 3,
            LAST_WEEK_CHANGE = LAGS + 4, VOLATILITY = COUNT - 5, MINUTE = COUNT - 4, DOW = COUNT - 3,
            STEP = COUNT - 2, RESOURCE = COUNT - 1;

    private M5Features() {}

    /**
     * The origin's part of the features (lags and windows, scaled) into {@code x}; returns
     * {@code {base, scale, change scale}} (base: the median of the last {@value #BASE_VALUES} observed values; scale:
     * the mean of the last day plus {@link #SCALE_FLOOR}, what level features are divided by; change scale: the mean
     * absolute change between consecutive values over the last day plus the floor, the unit of the label), or null when
     * nothing in the day before o was observed.
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
        double moves = 0;
        int m = 0;
        for (int i = Math.max(1, end - UserFeatures.STEPS_PER_DAY); i < end; i++) {
            if (!Double.isNaN(y[i]) && !Double.isNaN(y[i - 1])) {
                moves += Math.abs(y[i] - y[i - 1]);
                m++;
            }
        }
        double changeScale = (m == 0 ? 0 : moves / m) + SCALE_FLOOR;
        x[VOLATILITY] = changeScale / scale;
        for (int k = 1; k <= LAGS; k++) {
            int i = end - k;
            x[k - 1] = i < 0 || Double.isNaN(y[i]) ? MISSING : y[i] / scale;
        }
        double base = medianOfLast(y, end, BASE_VALUES);
        x[MEDIAN] = base / scale;
        int f = LAGS + 5;
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
        return new double[] {base, scale, changeScale};
    }

    /**
     * The training label of the value {@code target} at an origin whose {@link #origin} returned {@code bs}: the
     * change from the base in units of the user's change scale (MASE's denominator, per user), clipped to +-{@link #LABEL_CLIP} (an idle VM's burst is
     * hundreds of scale units; unclipped, those few rows decide the trees).
     */
    public static double label(double target, double[] bs) {
        return Math.max(-LABEL_CLIP, Math.min(LABEL_CLIP, (target - bs[0]) / bs[2]));
    }

    /** The forecast of an origin whose {@link #origin} returned {@code bs}, from the trees' output. */
    public static double point(double treesOutput, double[] bs) {
        return Math.max(0, bs[0] + bs[2] * treesOutput);
    }

    /** Median of the last {@code k} observed values before {@code end} (NaN if none): recent-median's point. */
    static double medianOfLast(double[] y, int end, int k) {
        return RecentMedianForecaster.medianOfLast(y, end, k, new double[k]);
    }

    /**
     * How the series moved from the base at {@code pastOrigin} to {@code past} (a day or a week before the origin and
     * the target): what seasonal naive would add to the base, a difference the trees cannot form from two features.
     */
    private static double change(double[] y, int past, int pastOrigin, double scale) {
        if (past < 0 || pastOrigin <= 0 || past >= y.length || Double.isNaN(y[past])) {
            return MISSING_CHANGE;
        }
        double b = medianOfLast(y, pastOrigin, BASE_VALUES);
        return Double.isNaN(b) ? MISSING_CHANGE : (y[past] - b) / scale;
    }

    /** Holds the calendar features (minute of day, day of week) at 0: training without the calendar. */
    public static void clearCalendar(double[] x) {
        x[MINUTE] = 0;
        x[DOW] = 0;
    }

    /** The step's part of the features for the target index t = o + h (timestamp {@code targetTs}). */
    public static void step(double[] y, int o, int h, long targetTs, double[] bs, double[] x) {
        double scale = bs[1];
        int t = o + h;
        int d = t - UserFeatures.STEPS_PER_DAY;
        while (d >= o) {
            d -= UserFeatures.STEPS_PER_DAY; // only values before the origin
        }
        int w = t - UserFeatures.STEPS_PER_WEEK;
        x[YESTERDAY] = d < 0 || d >= y.length || Double.isNaN(y[d]) ? MISSING : y[d] / scale;
        x[LAST_WEEK] = w < 0 || w >= y.length || w >= o || Double.isNaN(y[w]) ? MISSING : y[w] / scale;
        x[YESTERDAY_CHANGE] = change(y, d, o - (t - d), bs[2]);
        x[LAST_WEEK_CHANGE] = w >= o ? MISSING_CHANGE : change(y, w, o - (t - w), bs[2]);
        long sec = Math.floorMod(targetTs, 86_400L);
        x[MINUTE] = sec / 60.0;
        x[DOW] = Math.floorMod(Math.floorDiv(targetTs, 86_400L) + 3, 7); // 1970-01-01 was a Thursday: Monday = 0
        x[STEP] = h;
    }
}
