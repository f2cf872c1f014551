package io.foresight.core.features;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.LongPredicate;

/**
 * The one definition of Foresight's features, used online (control loop, core scorers) and
 * mirrored exactly by the Spark FeatureJob for training (a test holds them equal to 1e-9).
 * Definitions are in docs/features.md. All times are UTC; a NaN usage means "not observed" and
 * is skipped by every statistic.
 */
public final class UserFeatures {
    public static final int STEPS_PER_DAY = 288;
    public static final int STEPS_PER_WEEK = 2016;
    /** Lags in steps for {@link #pointFeatures}. */
    public static final int[] LAGS = {1, 2, 3, STEPS_PER_DAY, STEPS_PER_WEEK};
    /** Rolling windows in steps (1 h, 6 h, 24 h at 5-minute steps), over [t - w, t - 1]. */
    public static final int[] ROLLING = {12, 72, 288};
    /** Point-feature names, in the order {@link #pointFeatures} fills them. */
    public static final List<String> POINT_NAMES = List.of(
            "lag1", "lag2", "lag3", "lag288", "lag2016",
            "mean1h", "max1h", "mean6h", "max6h", "mean24h", "max24h",
            "hour", "dow", "weekend", "holiday");
    public static final int POINT_COUNT = POINT_NAMES.size();
    /** The calendar part of {@link #POINT_NAMES}: what {@code backtest --calendar off} holds constant in training. */
    public static final List<String> CALENDAR_NAMES = List.of("hour", "dow", "weekend", "holiday");
    /** Default "active" thresholds per resource: 0.1 cores, 0.25 GiB, 0.05 MB/s, 0.05 MB/s. */
    public static final double[] DEFAULT_ACTIVE_THRESHOLDS = {0.1, 0.25, 0.05, 0.05};
    /** No holidays: for callers without a calendar. */
    public static final LongPredicate NO_HOLIDAYS = ts -> false;

    private UserFeatures() {}

    /**
     * Features for predicting {@code y[t]} from strictly earlier values: lags, rolling mean/max
     * over the previous 1 h/6 h/24 h, and the calendar of {@code timestamp} (the start of
     * interval t). Missing history gives NaN.
     *
     * @param y          one resource's usage on a regular grid; only indices &lt; t are read
     * @param timestamp  start of interval t, Unix seconds
     * @param stepSeconds grid step (lags and windows are in steps)
     * @param out        array of at least {@link #POINT_COUNT} values, filled and returned
     */
    public static double[] pointFeatures(double[] y, int t, long timestamp, int stepSeconds,
                                         LongPredicate isHoliday, double[] out) {
        int k = 0;
        for (int lag : LAGS) {
            int i = t - lag;
            out[k++] = i >= 0 && i < y.length ? y[i] : Double.NaN;
        }
        for (int w : ROLLING) {
            double sum = 0;
            double max = Double.NaN;
            int n = 0;
            for (int i = Math.max(0, t - w); i < t && i < y.length; i++) {
                double v = y[i];
                if (!Double.isNaN(v)) {
                    sum += v;
                    n++;
                    if (Double.isNaN(max) || v > max) {
                        max = v;
                    }
                }
            }
            out[k++] = n == 0 ? Double.NaN : sum / n;
            out[k++] = max;
        }
        calendar(timestamp, isHoliday, out, k);
        return out;
    }

    /** Convenience: point features of resource r of a series at index t. */
    public static double[] pointFeatures(UserSeries s, Resource r, int t, LongPredicate isHoliday) {
        long ts = s.timestamp(0) + (long) t * s.stepSeconds();
        return pointFeatures(s.usageColumn(r), t, ts, s.stepSeconds(), isHoliday, new double[POINT_COUNT]);
    }

    /** hour of day (0-23), day of week (Monday = 0), weekend (0/1), holiday (0/1), all UTC. */
    static void calendar(long ts, LongPredicate isHoliday, double[] out, int k) {
        long day = Math.floorDiv(ts, 86_400L);
        out[k] = Math.floorDiv(Math.floorMod(ts, 86_400L), 3600L);
        int dow = (int) Math.floorMod(day + 3, 7L); // 1970-01-01 was a Thursday
        out[k + 1] = dow;
        out[k + 2] = dow >= 5 ? 1 : 0;
        out[k + 3] = isHoliday.test(ts) ? 1 : 0;
    }

    /** The profile of a user over intervals whose start lies in [from, to) (Unix seconds). */
    public static FeatureVector profile(UserSeries s, long from, long to, double[] activeThresholds) {
        Objects.requireNonNull(s, "series");
        if (activeThresholds.length != Resource.COUNT) {
            throw new IllegalArgumentException("need one active threshold per resource");
        }
        int step = s.stepSeconds();
        int lo = index(s, from);
        int hi = index(s, to);
        double[] out = new double[FeatureVector.NAMES.size()];
        for (Resource r : Resource.values()) {
            stats(s.usageColumn(r), s.timestamps(), lo, hi, step, activeThresholds[r.ordinal()],
                    out, r.ordinal() * FeatureVector.STATS.size());
        }
        return new FeatureVector(s.user(), from, to, out);
    }

    public static FeatureVector profile(UserSeries s, long from, long to) {
        return profile(s, from, to, DEFAULT_ACTIVE_THRESHOLDS);
    }

    /** First index whose timestamp is &gt;= ts (the grid is regular and ascending). */
    private static int index(UserSeries s, long ts) {
        if (s.size() == 0) {
            return 0;
        }
        long d = ts - s.timestamp(0);
        long i = d <= 0 ? 0 : (d + s.stepSeconds() - 1) / s.stepSeconds();
        return (int) Math.min(i, s.size());
    }

    private static void stats(double[] y, long[] ts, int lo, int hi, int step, double threshold,
                              double[] out, int k) {
        double[] v = new double[Math.max(0, hi - lo)];
        int n = 0;
        double sum = 0;
        for (int i = lo; i < hi; i++) {
            if (!Double.isNaN(y[i])) {
                v[n++] = y[i];
                sum += y[i];
            }
        }
        if (n == 0) {
            Arrays.fill(out, k, k + FeatureVector.STATS.size(), 0.0);
            return;
        }
        double mean = sum / n;
        Arrays.sort(v, 0, n);
        double var = 0;
        double sx = 0;
        for (int i = lo; i < hi; i++) {
            if (!Double.isNaN(y[i])) {
                var += (y[i] - mean) * (y[i] - mean);
                sx += ts[i] / 86_400.0;
            }
        }
        double sd = Math.sqrt(var / n);
        double mx = sx / n;
        double cxy = 0;
        double cxx = 0;
        for (int i = lo; i < hi; i++) {
            if (!Double.isNaN(y[i])) {
                double dx = ts[i] / 86_400.0 - mx;
                cxy += dx * (y[i] - mean);
                cxx += dx * dx;
            }
        }
        out[k] = mean;
        out[k + 1] = v[n - 1];
        out[k + 2] = percentile(v, n, 0.50);
        out[k + 3] = percentile(v, n, 0.95);
        out[k + 4] = percentile(v, n, 0.99);
        out[k + 5] = cxx == 0 ? 0 : cxy / cxx;
        out[k + 6] = autocorrelation(y, lo, hi, STEPS_PER_DAY);
        out[k + 7] = autocorrelation(y, lo, hi, STEPS_PER_WEEK);
        out[k + 8] = sd + mean == 0 ? 0 : (sd - mean) / (sd + mean);
        out[k + 9] = activeShare(y, ts, lo, hi, threshold);
    }

    /** Exact percentile with linear interpolation between closest ranks (as Spark's percentile). */
    static double percentile(double[] sorted, int n, double p) {
        double pos = (n - 1) * p;
        int lower = (int) Math.floor(pos);
        int higher = (int) Math.ceil(pos);
        if (lower == higher) {
            return sorted[lower];
        }
        return (higher - pos) * sorted[lower] + (pos - lower) * sorted[higher];
    }

    /** Pearson correlation of (y[i], y[i-lag]) over pairs inside [lo, hi) both observed; 0 if undefined. */
    static double autocorrelation(double[] y, int lo, int hi, int lag) {
        int n = 0;
        double sa = 0;
        double sb = 0;
        for (int i = lo + lag; i < hi; i++) {
            if (!Double.isNaN(y[i]) && !Double.isNaN(y[i - lag])) {
                sa += y[i];
                sb += y[i - lag];
                n++;
            }
        }
        if (n < 2) {
            return 0;
        }
        double ma = sa / n;
        double mb = sb / n;
        double cab = 0;
        double caa = 0;
        double cbb = 0;
        for (int i = lo + lag; i < hi; i++) {
            if (!Double.isNaN(y[i]) && !Double.isNaN(y[i - lag])) {
                double a = y[i] - ma;
                double b = y[i - lag] - mb;
                cab += a * b;
                caa += a * a;
                cbb += b * b;
            }
        }
        double c = cab / Math.sqrt(caa * cbb);
        return Double.isFinite(c) ? c : 0;
    }

    /** Share of clock hours (UTC) with an observation whose mean usage exceeds the threshold. */
    static double activeShare(double[] y, long[] ts, int lo, int hi, double threshold) {
        int hours = 0;
        int active = 0;
        int i = lo;
        while (i < hi) {
            long hour = Math.floorDiv(ts[i], 3600L);
            double sum = 0;
            int n = 0;
            while (i < hi && Math.floorDiv(ts[i], 3600L) == hour) {
                if (!Double.isNaN(y[i])) {
                    sum += y[i];
                    n++;
                }
                i++;
            }
            if (n > 0) {
                hours++;
                if (sum / n > threshold) {
                    active++;
                }
            }
        }
        return hours == 0 ? 0 : (double) active / hours;
    }
}
