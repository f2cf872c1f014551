package io.foresight.core.feedback;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Seasonal, outlier-robust anomaly detection on a user's usage and on forecast residuals.
 *
 * <p>Usage: the expected value of interval i is the median of the same time on the previous
 * {@code seasons} days (i - k*seasonSteps, k = 1..seasons; with 7 days this includes same-time-last-week),
 * so one odd day cannot move the baseline. The residual is scored against the median absolute deviation
 * (MAD) of the residuals over the trailing {@code scaleWindow} intervals (the median/MAD pair is the
 * robust counterpart of mean/stddev, which one spike would inflate). The scale is floored at
 * {@code relativeFloor} of the expected level and at the resource's absolute floor, because many real
 * series are flat for hours (MAD = 0) and then any wiggle would be infinitely many MADs. An interval is
 * anomalous when |residual| exceeds {@code threshold} scaled MADs. Only data before i is used: the same
 * code serves replays and the live loop. Two guards keep real bursty series from flooding the log: the
 * residual must also lie beyond the {@code tailQuantile} of recent residuals on its side (a spike above the
 * upper tail, a drop below the lower one: routine bursts are not news),
 * and residuals already flagged are left out of the window (an hour-long incident does not hide its own
 * later intervals by inflating the scale). An interval must be anomalous both against the seasonal
 * baseline and against the recent level (the median residual of the last 3 hours), on the same side: a
 * lasting level change (a regime shift: the drift detector's business) stops being flagged after about
 * 1.5 hours instead of for days until the week-long baseline catches up, and the return to normal after
 * a busy spell is not called a drop.
 */
public final class AnomalyDetector {
    /** 1.4826 * MAD estimates the standard deviation of normal data. */
    static final double MAD_TO_SIGMA = 1.4826;

    /**
     * @param seasonSteps   steps per season (288 = one day of 5-minute steps)
     * @param seasons       how many past seasons the baseline median takes (7 = a week)
     * @param minSeasons    fewest past seasons with data before an interval is scored
     * @param scaleWindow   trailing intervals whose residuals give the MAD
     * @param threshold     anomalous above this many (scaled) MADs
     * @param relativeFloor scale floor as a fraction of the expected level
     * @param absoluteFloor scale floor per resource, in the resource's unit (indexed by ordinal)
     * @param tailQuantile  a spike's residual must also exceed this quantile of the trailing window's
     *                      residuals (a drop's must lie below the 1 - tailQuantile one): a bursty user whose bursts are routine is not flagged for each one
     */
    public record Config(int seasonSteps, int seasons, int minSeasons, int scaleWindow, double threshold,
                         double relativeFloor, double[] absoluteFloor, double tailQuantile) {
        public Config {
            if (seasonSteps <= 0 || seasons <= 0 || minSeasons <= 0 || minSeasons > seasons || scaleWindow < 10) {
                throw new IllegalArgumentException("need seasonSteps > 0, 0 < minSeasons <= seasons, scaleWindow >= 10; got "
                        + seasonSteps + ", " + seasons + ", " + minSeasons + ", " + scaleWindow);
            }
            if (!(threshold > 0) || relativeFloor < 0) {
                throw new IllegalArgumentException("threshold must be > 0 and relativeFloor >= 0");
            }
            if (absoluteFloor == null || absoluteFloor.length != Resource.COUNT) {
                throw new IllegalArgumentException("absoluteFloor needs one value per resource");
            }
            if (tailQuantile < 0 || tailQuantile >= 1) {
                throw new IllegalArgumentException("tailQuantile must be in [0,1), got " + tailQuantile);
            }
            absoluteFloor = absoluteFloor.clone();
        }

        /**
         * 5-minute steps: baseline over a week of same-time values (at least 3 days), MAD over the last
         * 3 days, 6 MADs and beyond the 99.8th (spikes) or 0.2th (drops) percentile of the last 3 days'
         * residuals; scale floors 10%
         * of the level and 0.05 cores / 0.1 GiB / 0.5 MB/s / 0.5 MB/s.
         */
        public static Config fiveMinuteDefaults() {
            return new Config(288, 7, 3, 864, 6.0, 0.10, new double[] {0.05, 0.1, 0.5, 0.5}, 0.998);
        }

        public Config withThreshold(double t) {
            return new Config(seasonSteps, seasons, minSeasons, scaleWindow, t, relativeFloor, absoluteFloor,
                    tailQuantile);
        }
    }

    /** The scale is recomputed every this many steps in batch mode: the MAD of 3 days barely moves in an hour. */
    private static final int SCALE_REFRESH = 12;

    private final Config config;

    public AnomalyDetector(Config config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    public Config config() {
        return config;
    }

    /** Anomalies of every resource in intervals [from, to) of the series, in time order per resource. */
    public List<Anomaly> detect(UserSeries s, int from, int to) {
        Objects.requireNonNull(s, "series");
        if (from < 0 || to > s.size() || from > to) {
            throw new IndexOutOfBoundsException("range [" + from + ", " + to + ") outside series of " + s.size());
        }
        List<Anomaly> out = new ArrayList<>();
        for (Resource r : Resource.values()) {
            detect(s, r, from, to, SCALE_REFRESH, out);
        }
        return out;
    }

    /** Anomalies of the whole series. */
    public List<Anomaly> detect(UserSeries s) {
        return detect(s, 0, s.size());
    }

    /**
     * Online check of interval i (for the live loop): uses only intervals before i to judge it. The last
     * {@link #ONLINE_LOOKBACK} intervals are re-judged first so that an incident already under way is kept
     * out of the scale window, as in batch mode.
     */
    public List<Anomaly> detectAt(UserSeries s, int i) {
        if (i < 0 || i >= s.size()) {
            throw new IndexOutOfBoundsException("interval " + i + " outside series of " + s.size());
        }
        List<Anomaly> all = new ArrayList<>();
        int from = Math.max(0, i - ONLINE_LOOKBACK);
        for (Resource r : Resource.values()) {
            detect(s, r, from, i + 1, SCALE_REFRESH, all);
        }
        return all.stream().filter(a -> a.index() == i).toList();
    }

    /** Two hours of 5-minute steps. */
    static final int ONLINE_LOOKBACK = 24;

    /** Three hours of 5-minute steps: incidents up to ~1.5 h stay visible against the level before them. */
    static final int LEVEL_WINDOW = 36;

    /** The seasonal baseline of interval i (NaN when fewer than minSeasons past seasons have data). */
    public double expected(double[] y, int i) {
        double[] buf = new double[config.seasons()];
        return expected(y, i, buf);
    }

    private double expected(double[] y, int i, double[] buf) {
        int n = 0;
        for (int k = 1; k <= config.seasons(); k++) {
            int j = i - k * config.seasonSteps();
            if (j < 0) {
                break;
            }
            if (!Double.isNaN(y[j])) {
                buf[n++] = y[j];
            }
        }
        return n < config.minSeasons() ? Double.NaN : median(buf, n);
    }

    private void detect(UserSeries s, Resource r, int from, int to, int refresh, List<Anomaly> out) {
        double[] y = s.usageColumn(r);
        int w = config.scaleWindow();
        int base = Math.max(0, from - w);
        double[] resid = new double[to - base];
        double[] exp = new double[to - base];
        double[] buf = new double[config.seasons()];
        for (int i = base; i < to; i++) {
            double e = Double.isNaN(y[i]) ? Double.NaN : expected(y, i, buf);
            exp[i - base] = e;
            resid[i - base] = Double.isNaN(e) ? Double.NaN : y[i] - e;
        }
        boolean[] flagged = new boolean[to - base];
        double[] levelBuf = new double[LEVEL_WINDOW];
        double[] win = new double[w];
        double mad = Double.NaN;
        double hi = Double.NaN;
        double lo = Double.NaN;
        for (int i = from; i < to; i++) {
            if ((i - from) % refresh == 0) {
                int n = 0;
                for (int j = Math.max(base, i - w); j < i; j++) {
                    double v = resid[j - base];
                    if (!Double.isNaN(v) && !flagged[j - base]) {
                        win[n++] = v;
                    }
                }
                if (n < w / 4) {
                    mad = hi = lo = Double.NaN;
                } else {
                    Arrays.sort(win, 0, n);
                    int k = Math.min(n - 1, (int) Math.ceil(config.tailQuantile() * n) - 1);
                    hi = win[k];
                    lo = win[n - 1 - k];
                    mad = mad(win, n);
                }
            }
            double raw = resid[i - base];
            if (Double.isNaN(raw) || Double.isNaN(mad)) {
                continue;
            }
            double level = level(resid, base, i, levelBuf);
            double seasonal = exp[i - base];
            Anomaly a = judge(s, r, i, raw, seasonal, level, mad, hi, lo);
            if (a != null) {
                flagged[i - base] = true;
                out.add(a);
            }
        }
    }

    /**
     * Checks one forecast residual (observed - predicted) against the user's recent residuals of the same
     * resource and model: anomalous when it lies more than {@code threshold} scaled MADs from their median.
     */
    public Optional<Anomaly> checkResidual(String user, Resource r, long at, double observed, double predicted,
                                           double[] pastResiduals) {
        Objects.requireNonNull(pastResiduals, "pastResiduals");
        if (Double.isNaN(observed) || Double.isNaN(predicted)) {
            return Optional.empty();
        }
        double[] v = new double[pastResiduals.length];
        int n = 0;
        for (double x : pastResiduals) {
            if (!Double.isNaN(x)) {
                v[n++] = x;
            }
        }
        if (n < 10) {
            return Optional.empty(); // too little history to call anything unusual
        }
        double med = median(v.clone(), n);
        double scale = Math.max(MAD_TO_SIGMA * mad(v, n),
                Math.max(config.relativeFloor() * Math.abs(predicted), config.absoluteFloor()[r.ordinal()]));
        double z = (observed - predicted - med) / scale;
        if (Math.abs(z) <= config.threshold()) {
            return Optional.empty();
        }
        return Optional.of(new Anomaly(user, r, at, -1, Anomaly.Kind.FORECAST_MISS, observed, predicted + med, scale, z,
                explain(r, Anomaly.Kind.FORECAST_MISS, observed, predicted + med, z, scale,
                        "forecast plus its median residual over " + n + " intervals")));
    }

    static String explain(Resource r, Anomaly.Kind kind, double observed, double expected, double z, double scale,
                          String baseline) {
        String unit = r.unit();
        return String.format(Locale.ROOT, "%s %s: observed %.3f %s vs expected %.3f %s (%s); %+.3f %s = %.1f MADs %s (scaled MAD %.3f %s)",
                r.name().toLowerCase(Locale.ROOT), kind.name().toLowerCase(Locale.ROOT).replace('_', ' '),
                observed, unit, expected, unit, baseline, observed - expected, unit, Math.abs(z),
                z > 0 ? "above" : "below", scale, unit);
    }

    /**
     * The current level offset: median residual of the {@link #LEVEL_WINDOW} intervals before i (0 with too
     * few). A sustained level change is absorbed after about half that window, so it stops being flagged
     * (drift detection handles it), while an incident shorter than that stays fully visible.
     */
    private static double level(double[] resid, int base, int i, double[] buf) {
        int n = 0;
        for (int j = Math.max(base, i - LEVEL_WINDOW); j < i; j++) {
            double v = resid[j - base];
            if (!Double.isNaN(v)) {
                buf[n++] = v;
            }
        }
        return n < LEVEL_WINDOW / 3 ? 0 : median(buf, n);
    }

    /** Median of v[0, n); reorders v. */
    static double median(double[] v, int n) {
        Arrays.sort(v, 0, n);
        return (n & 1) == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /** Median absolute deviation of v[0, n) from its median; reorders v. */
    static double mad(double[] v, int n) {
        double m = median(v, n);
        for (int i = 0; i < n; i++) {
            v[i] = Math.abs(v[i] - m);
        }
        return median(v, n);
    }

    /**
     * Whether interval i's residual is anomalous against both the seasonal baseline and the recent level, on the
     * same side and beyond the trailing window's tail quantiles; the anomaly (reporting the more conservative
     * z) or null. The one rule behind {@link #detect} and {@link #observe}.
     */
    private Anomaly judge(UserSeries s, Resource r, int i, double raw, double seasonal, double level, double mad,
                          double hi, double lo) {
        double scale = Math.max(MAD_TO_SIGMA * mad,
                Math.max(config.relativeFloor() * Math.abs(seasonal), config.absoluteFloor()[r.ordinal()]));
        double zSeasonal = raw / scale;
        double zLevel = (raw - level) / scale;
        if (!(Math.abs(zSeasonal) > config.threshold() && Math.abs(zLevel) > config.threshold()
                && Math.signum(zSeasonal) == Math.signum(zLevel) && (raw > hi || raw < lo))) {
            return null;
        }
        boolean byLevel = Math.abs(zLevel) < Math.abs(zSeasonal);
        double z = byLevel ? zLevel : zSeasonal;
        double e = byLevel ? seasonal + level : seasonal;
        double y = s.usage(r, i);
        Anomaly.Kind kind = z > 0 ? Anomaly.Kind.SPIKE : Anomaly.Kind.DROP;
        return new Anomaly(s.user(), r, s.timestamp(i), i, kind, y, e, scale, z,
                explain(r, kind, y, e, z, scale, "median of the same time on the previous " + config.seasons() + " days"
                        + (byLevel ? String.format(Locale.ROOT, ", %+.3f %s recent level", level, r.unit()) : "")));
    }

    /**
     * One user's state for {@link #observe}: the residuals (usage minus the seasonal baseline) and flags of the
     * last {@code scaleWindow} intervals per resource, in rings indexed by the interval's absolute number, and
     * the scale last computed from them. Lets the loop judge each new interval in O(seasons + level window)
     * plus a scale refresh every {@value #SCALE_REFRESH} intervals, instead of recomputing three days of
     * residuals for every user in every cycle.
     */
    public static final class OnlineState {
        private double[][] resid;
        /** Per resource, one bit per slot of {@code resid}: the residual was judged an anomaly (bits: 100,000 users' worth of flags). */
        private long[][] flagged;
        private final double[] mad = new double[Resource.COUNT];
        private final double[] hi = new double[Resource.COUNT];
        private final double[] lo = new double[Resource.COUNT];
        private long next = Long.MIN_VALUE;
        private int sinceRefresh;
    }

    /**
     * Judges interval {@code i} of {@code s} (the newest observed) online, as {@link #detectAt} does, using only
     * intervals up to i. The first call (or a call after a gap in the intervals) fills the state from the
     * series' last {@code scaleWindow} intervals.
     */
    public List<Anomaly> observe(OnlineState st, UserSeries s, int i) {
        if (i < 0 || i >= s.size()) {
            throw new IndexOutOfBoundsException("interval " + i + " outside series of " + s.size());
        }
        int w = config.scaleWindow();
        long abs = Math.floorDiv(s.timestamp(i), s.stepSeconds());
        double[] buf = new double[config.seasons()];
        if (st.resid == null || st.next != abs) {
            st.resid = new double[Resource.COUNT][w + LEVEL_WINDOW];
            st.flagged = new long[Resource.COUNT][(w + LEVEL_WINDOW + 63) / 64];
            for (double[] row : st.resid) {
                Arrays.fill(row, Double.NaN);
            }
            for (int j = Math.max(0, i - w); j < i; j++) {
                long a = Math.floorDiv(s.timestamp(j), s.stepSeconds());
                for (Resource r : Resource.values()) {
                    double[] y = s.usageColumn(r);
                    double e = Double.isNaN(y[j]) ? Double.NaN : expected(y, j, buf);
                    put(st, r, a, Double.isNaN(e) ? Double.NaN : y[j] - e, false);
                }
            }
            st.sinceRefresh = 0;
        }
        st.next = abs + 1;
        boolean refresh = st.sinceRefresh++ % SCALE_REFRESH == 0;
        List<Anomaly> out = new ArrayList<>(0);
        double[] win = refresh ? new double[w] : null;
        double[] levelBuf = new double[LEVEL_WINDOW];
        int cap = st.resid[0].length;
        for (Resource r : Resource.values()) {
            int k = r.ordinal();
            double[] y = s.usageColumn(r);
            if (refresh) {
                int n = 0;
                for (long a = abs - w; a < abs; a++) {
                    int slot = (int) Math.floorMod(a, (long) cap);
                    double v = st.resid[k][slot];
                    if (!Double.isNaN(v) && (st.flagged[k][slot >> 6] & (1L << slot)) == 0) {
                        win[n++] = v;
                    }
                }
                if (n < w / 4) {
                    st.mad[k] = st.hi[k] = st.lo[k] = Double.NaN;
                } else {
                    Arrays.sort(win, 0, n);
                    int q = Math.min(n - 1, (int) Math.ceil(config.tailQuantile() * n) - 1);
                    st.hi[k] = win[q];
                    st.lo[k] = win[n - 1 - q];
                    st.mad[k] = mad(win, n);
                }
            }
            double seasonal = Double.isNaN(y[i]) ? Double.NaN : expected(y, i, buf);
            double raw = Double.isNaN(seasonal) ? Double.NaN : y[i] - seasonal;
            boolean flag = false;
            if (!Double.isNaN(raw) && !Double.isNaN(st.mad[k])) {
                int n = 0;
                for (long a = abs - LEVEL_WINDOW; a < abs; a++) {
                    double v = st.resid[k][(int) Math.floorMod(a, (long) cap)];
                    if (!Double.isNaN(v)) {
                        levelBuf[n++] = v;
                    }
                }
                double level = n < LEVEL_WINDOW / 3 ? 0 : median(levelBuf, n);
                Anomaly a = judge(s, r, i, raw, seasonal, level, st.mad[k], st.hi[k], st.lo[k]);
                if (a != null) {
                    flag = true;
                    out.add(a);
                }
            }
            put(st, r, abs, raw, flag);
        }
        return out;
    }

    private static void put(OnlineState st, Resource r, long abs, double resid, boolean flagged) {
        int slot = (int) Math.floorMod(abs, (long) st.resid[0].length);
        st.resid[r.ordinal()][slot] = resid;
        long[] bits = st.flagged[r.ordinal()];
        bits[slot >> 6] = flagged ? bits[slot >> 6] | (1L << slot) : bits[slot >> 6] & ~(1L << slot);
    }
}
