package io.foresight.core.forecast;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;

/**
 * Foresight's pure-Java forecaster. The point forecast is a non-negative blend, per resource, of
 * five signals: the last observed value, a slow EWMA level, the same time yesterday, the same time
 * last week and the maximum of the last hour. Blend weights are fitted by non-negative least squares
 * on the training trace (each user scaled by its mean so all users count alike). The upper bound at
 * {@code quantile} is split-conformal: point + the quantile of the user's own signed residuals at
 * that horizon over the last week; with fewer than {@code minResiduals} of them (cold start, short
 * history) it is point + the population quantile of residuals relative to the EWMA level, learned
 * from the training trace, times the user's level.
 *
 * <p>A forecast is a pure function of {@code history[0, now)}. Replaying a long series step by
 * step would be quadratic, so the state reached for a series is cached (by identity) and advanced
 * incrementally when the same series is asked again at a later {@code now}; the result is the same
 * as a fresh computation (tested).
 */
public final class BlendForecaster implements Forecaster {
    static final int FEATURES = 5;
    /**
     * Adaptation rate of the residual scale (normalised conformal); about an 8-hour memory at 5-minute steps. At 0.05
     * (2 hours) one spike's errors widened the bound for the hours after it, which is when a daily spike is over: on
     * the tuning data (Azure days 1-7 -> 8-14 and Bitbrains July days 1-21 -> 22-31, issue 14) 0.01 cost less at
     * matched CPU risk on both, with fewer changes (docs/evaluation.md).
     */
    public static final double DEFAULT_SCALE_ALPHA = 0.01;
    /** Adaptation rate of each user's per-signal error (about 8 hours at 5-minute steps); 0 = global blend only. */
    public static final double DEFAULT_EXPERT_ALPHA = 0.01;
    static final int CANDIDATES = FEATURES + 1;
    static final String[] FEATURE_NAMES = {"last", "ewma", "day", "week", "max1h"};

    /** Fitted parameters; {@code weights[r][k]}, {@code popQuantile[r][h]} relative to the level. */
    public record Model(double[] quantiles, double ewmaAlpha, int residualWindow, int minResiduals, int maxHorizon,
                        double scaleAlpha, double expertAlpha, int[] peakHoldSteps, double[][] weights, double[][] popQuantile) {
        public Model {
            if (peakHoldSteps == null || peakHoldSteps.length != Resource.COUNT) {
                throw new IllegalArgumentException("one peak-hold length per resource (0 = off)");
            }
            for (int k : peakHoldSteps) {
                if (k < 0) {
                    throw new IllegalArgumentException("peak-hold steps must be >= 0");
                }
            }
            if (quantiles == null || quantiles.length != Resource.COUNT) {
                throw new IllegalArgumentException("one quantile per resource");
            }
            for (double q : quantiles) {
                if (!(q > 0 && q < 1)) {
                    throw new IllegalArgumentException("quantile must be in (0,1), got " + q);
                }
            }
            if (!(ewmaAlpha > 0 && ewmaAlpha <= 1)) {
                throw new IllegalArgumentException("ewmaAlpha must be in (0,1]");
            }
            if (!(expertAlpha >= 0 && expertAlpha <= 1)) {
                throw new IllegalArgumentException("expertAlpha must be in [0,1]");
            }
            if (!(scaleAlpha >= 0 && scaleAlpha <= 1)) {
                throw new IllegalArgumentException("scaleAlpha must be in [0,1]");
            }
            if (residualWindow <= 0 || minResiduals < 0 || maxHorizon <= 0) {
                throw new IllegalArgumentException("residualWindow and maxHorizon must be positive");
            }
            Objects.requireNonNull(weights, "weights");
            Objects.requireNonNull(popQuantile, "popQuantile");
            if (weights.length != Resource.COUNT || popQuantile.length != Resource.COUNT) {
                throw new IllegalArgumentException("one row of weights and quantiles per resource");
            }
        }

        /** The quantile of the upper bound of CPU, the primary resource (the one a Forecast reports). */
        public double quantile() {
            return quantiles[0];
        }

        /** Untrained defaults: equal weights on the level signals, no population residuals. */
        public static Model untrained(double quantile, int maxHorizon) {
            double[] q = new double[Resource.COUNT];
            Arrays.fill(q, quantile);
            return untrained(q, maxHorizon);
        }

        public static Model untrained(double[] quantiles, int maxHorizon) {
            double[][] w = new double[Resource.COUNT][];
            double[][] q = new double[Resource.COUNT][maxHorizon];
            for (int r = 0; r < Resource.COUNT; r++) {
                w[r] = new double[] {0.4, 0.2, 0.2, 0.2, 0.0};
                Arrays.fill(q[r], 0.5);
            }
            return new Model(quantiles.clone(), 0.1, 2016, 288, maxHorizon, DEFAULT_SCALE_ALPHA, 0.0, new int[Resource.COUNT], w, q);
        }
    }

    private final Model model;
    private final Map<UserSeries, Tracker> cache = Collections.synchronizedMap(new WeakHashMap<>());

    public BlendForecaster(Model model) {
        this.model = Objects.requireNonNull(model, "model");
    }

    public Model model() {
        return model;
    }

    /** Formatted once: every forecast carries the name, and String.format per user per cycle showed in the loop's profile. */
    private volatile String name;

    @Override
    public String name() {
        String n = name;
        if (n == null) {
            double[] q = model.quantiles();
            n = String.format(java.util.Locale.ROOT, "blend-conformal(q cpu=%.3f mem=%.3f net=%.3f disk=%.3f)", q[0], q[1], q[2], q[3]);
            name = n;
        }
        return n;
    }

    @Override
    public Forecast forecast(UserSeries history, int now, int horizon) {
        Objects.requireNonNull(history, "history");
        if (now < 0 || now > history.size() || horizon <= 0) {
            throw new IllegalArgumentException("need 0 <= now <= size and horizon > 0 (now=" + now + ", horizon=" + horizon + ")");
        }
        Tracker t = cache.get(history);
        // a tracker keeps the horizons its caller asks for, not the model's maximum: each horizon's residual window is
        // a week of values per resource (the loop asks 1 step with no provisioning lead, the model fits 12), and the
        // horizons are independent of each other, so fewer of them forecast the same values for the steps asked.
        // A longer horizon asked later rebuilds the tracker from the series, as a series seen anew does
        int keep = Math.min(horizon, model.maxHorizon());
        if (t == null || t.pos > now || t.hmax < keep) {
            t = new Tracker(model, history, keep).bind(history);
            cache.put(history, t);
        }
        t.advanceTo(now);
        return t.forecast(horizon, name());
    }

    /** Fits weights and population residual quantiles on {@code train}; decisions use no other data. */
    public static BlendForecaster fit(Trace train, double quantile, int maxHorizon) {
        double[] q = new double[Resource.COUNT];
        Arrays.fill(q, quantile);
        return fit(train, q, maxHorizon, DEFAULT_SCALE_ALPHA, DEFAULT_EXPERT_ALPHA, new int[Resource.COUNT]);
    }

    /** As {@link #fit(Trace, double, int)}; {@code scaleAlpha} 0 turns residual normalisation off. */
    public static BlendForecaster fit(Trace train, double[] quantile, int maxHorizon, double scaleAlpha, double expertAlpha,
                                      int[] peakHold) {
        Model base = Model.untrained(quantile, maxHorizon);
        int step = train.stepSeconds();
        Model withSteps = new Model(quantile, base.ewmaAlpha(), 7 * 86400 / step, 86400 / step, maxHorizon,
                scaleAlpha, expertAlpha, peakHold.clone(), base.weights(), base.popQuantile());
        List<UserSeries> users = new ArrayList<>(train.users().values());
        // Normal equations per user in parallel, then summed.
        double[][][] sums = users.parallelStream().map(s -> {
            double[][] a = new double[Resource.COUNT][FEATURES * FEATURES];
            double[][] b = new double[Resource.COUNT][FEATURES];
            new Tracker(withSteps, s).accumulateNormalEquations(a, b);
            return new double[][][] {a, b};
        }).reduce((x, y) -> {
            for (int r = 0; r < Resource.COUNT; r++) {
                for (int i = 0; i < x[0][r].length; i++) {
                    x[0][r][i] += y[0][r][i];
                }
                for (int i = 0; i < x[1][r].length; i++) {
                    x[1][r][i] += y[1][r][i];
                }
            }
            return x;
        }).orElse(new double[][][] {new double[Resource.COUNT][FEATURES * FEATURES], new double[Resource.COUNT][FEATURES]});
        double[][] xtx = sums[0];
        double[][] xty = sums[1];
        double[][] w = new double[Resource.COUNT][];
        for (int r = 0; r < Resource.COUNT; r++) {
            w[r] = nnls(xtx[r], xty[r], FEATURES);
            double sum = Arrays.stream(w[r]).sum();
            if (sum == 0) {
                w[r] = base.weights()[r].clone();
            } else {
                // A convex combination: without an intercept, least squares on spiky series shrinks
                // towards zero and under-forecasts every user's level; rescaling keeps it unbiased.
                for (int k = 0; k < FEATURES; k++) {
                    w[r][k] /= sum;
                }
            }
        }
        Model weighted = new Model(quantile, withSteps.ewmaAlpha(), withSteps.residualWindow(), withSteps.minResiduals(),
                maxHorizon, scaleAlpha, expertAlpha, peakHold.clone(), w, withSteps.popQuantile());
        // Pool every user's relative residuals per resource and horizon (every 3rd step keeps memory low).
        List<List<double[]>> rel = new ArrayList<>();
        for (int k = 0; k < Resource.COUNT * maxHorizon; k++) {
            rel.add(new ArrayList<>());
        }
        List<double[][][]> perUser = users.parallelStream().map(s -> new Tracker(weighted, s).relativeResiduals(3)).toList();
        for (double[][][] res : perUser) {
            for (int r = 0; r < Resource.COUNT; r++) {
                for (int h = 0; h < maxHorizon; h++) {
                    rel.get(r * maxHorizon + h).add(res[r][h]);
                }
            }
        }
        double[][] pop = new double[Resource.COUNT][maxHorizon];
        for (int r = 0; r < Resource.COUNT; r++) {
            for (int h = 0; h < maxHorizon; h++) {
                double[] v = rel.get(r * maxHorizon + h).stream().flatMapToDouble(Arrays::stream).toArray();
                if (v.length == 0) {
                    pop[r][h] = base.popQuantile()[r][h];
                } else {
                    Arrays.sort(v);
                    int idx = (int) Math.ceil(quantile[r] * (v.length + 1)) - 1;
                    pop[r][h] = v[Math.min(Math.max(idx, 0), v.length - 1)];
                }
            }
        }
        return new BlendForecaster(new Model(quantile, weighted.ewmaAlpha(), weighted.residualWindow(),
                weighted.minResiduals(), maxHorizon, scaleAlpha, expertAlpha, peakHold.clone(), w, pop));
    }

    /** Non-negative least squares by cyclic coordinate descent on the normal equations. */
    static double[] nnls(double[] ata, double[] atb, int k) {
        double[] x = new double[k];
        for (int it = 0; it < 500; it++) {
            double change = 0;
            for (int j = 0; j < k; j++) {
                double ajj = ata[j * k + j];
                if (ajj <= 0) {
                    continue;
                }
                double g = atb[j];
                for (int m = 0; m < k; m++) {
                    if (m != j) {
                        g -= ata[j * k + m] * x[m];
                    }
                }
                double nx = Math.max(0, g / ajj);
                change = Math.max(change, Math.abs(nx - x[j]));
                x[j] = nx;
            }
            if (change < 1e-10) {
                break;
            }
        }
        return x;
    }

    /** The incremental state of one series: everything derived from history[0, pos). */
    static final class Tracker {
        private static final double LEVEL_FLOOR = 1e-3;
        final Model m;
        final double[][] y;
        final int day;
        final int week;
        final int hmax;
        int pos;
        final double[] last = new double[Resource.COUNT];
        final double[] ewma = new double[Resource.COUNT];
        final double[][][] pending; // [r][h][target % hmax]
        final RollingQuantile[][] residuals; // [r][h], divided by scale[r][h] when normalised
        final double[][] scale; // [r][h] EWMA of |residual|
        final double[][][][] pendingCand; // [r][h][target % hmax][candidate]
        final double[][] expertErr; // [r][candidate] EWMA of |error| at horizon 0
        final double[] cand = new double[CANDIDATES];
        final int[][] peakIdx; // [r] monotonic deque (ring) of indices for the sliding maximum
        final int[] peakHead = new int[Resource.COUNT];
        final int[] peakTail = new int[Resource.COUNT];
        final double[] f = new double[FEATURES];

        Tracker(Model m, UserSeries s) {
            this(m, s, m.maxHorizon());
        }

        /** Tracks horizons 0 .. horizons-1 (at most the model's maximum). */
        Tracker(Model m, UserSeries s, int horizons) {
            if (horizons < 1 || horizons > m.maxHorizon()) {
                throw new IllegalArgumentException("horizons must be in [1, " + m.maxHorizon() + "], got " + horizons);
            }
            this.m = m;
            this.y = new double[Resource.COUNT][];
            for (Resource r : Resource.values()) {
                y[r.ordinal()] = s.usageColumn(r);
            }
            this.day = Math.max(1, 86400 / s.stepSeconds());
            this.week = 7 * day;
            this.hmax = horizons;
            Arrays.fill(last, Double.NaN);
            Arrays.fill(ewma, Double.NaN);
            pending = new double[Resource.COUNT][hmax][hmax];
            residuals = new RollingQuantile[Resource.COUNT][hmax];
            scale = new double[Resource.COUNT][hmax];
            pendingCand = new double[Resource.COUNT][hmax][hmax][CANDIDATES];
            expertErr = new double[Resource.COUNT][CANDIDATES];
            for (double[] e : expertErr) {
                Arrays.fill(e, Double.NaN);
            }
            peakIdx = new int[Resource.COUNT][];
            for (int r = 0; r < Resource.COUNT; r++) {
                peakIdx[r] = new int[m.peakHoldSteps()[r] + 1];
            }
            for (int r = 0; r < Resource.COUNT; r++) {
                for (int h = 0; h < hmax; h++) {
                    Arrays.fill(pending[r][h], Double.NaN);
                    scale[r][h] = Double.NaN;
                    residuals[r][h] = new RollingQuantile(m.residualWindow());
                }
            }
            predictPending();
        }

        /** Features for target index n, using only indices < pos; false if nothing is known yet. */
        boolean features(int r, int n) {
            double l = last[r];
            if (Double.isNaN(l)) {
                return false;
            }
            double[] col = y[r];
            f[0] = l;
            f[1] = ewma[r];
            double d = seasonal(col, n, day);
            f[2] = Double.isNaN(d) ? l : d;
            double w = seasonal(col, n, week);
            f[3] = Double.isNaN(w) ? f[2] : w;
            double mx = Double.NaN;
            for (int i = Math.max(0, pos - 12); i < pos; i++) {
                double v = col[i];
                if (!Double.isNaN(v) && (Double.isNaN(mx) || v > mx)) {
                    mx = v;
                }
            }
            f[4] = Double.isNaN(mx) ? l : mx;
            return true;
        }

        private double seasonal(double[] col, int n, int season) {
            int src = n - season;
            while (src >= pos) {
                src -= season;
            }
            return src >= 0 ? col[src] : Double.NaN;
        }

        /** Peak of the last peakHoldSteps observed values of r (0 when off or nothing seen). */
        double recentPeak(int r) {
            if (m.peakHoldSteps()[r] == 0 || peakTail[r] == peakHead[r]) {
                return 0;
            }
            int[] dq = peakIdx[r];
            while (peakTail[r] > peakHead[r] && dq[peakHead[r] % dq.length] <= pos - 1 - m.peakHoldSteps()[r]) {
                peakHead[r]++; // left the window during a gap in the data
            }
            return peakTail[r] == peakHead[r] ? 0 : y[r][dq[peakHead[r] % dq.length]];
        }

        /** The residual scale, kept above 1% of the level so a quiet spell cannot shrink the bound to nothing. */
        double scaleFloor(int r, double sc) {
            double level = Double.isNaN(ewma[r]) ? 0 : ewma[r];
            return Math.max(sc, Math.max(0.01 * level, LEVEL_FLOOR * 0.1));
        }

        /**
         * The point forecast for index n. Candidates are the five signals and the global blend; with
         * expert weighting on, they are combined with weights proportional to 1 / (recent error)^2 of
         * each candidate for this user, so a user whose days repeat exactly leans on yesterday while a
         * noisy one leans on its level. Fills {@link #cand}.
         */
        double point(int r, int n) {
            if (!features(r, n)) {
                Arrays.fill(cand, Double.NaN);
                return Double.NaN;
            }
            double p = 0;
            double[] w = m.weights()[r];
            for (int k = 0; k < FEATURES; k++) {
                p += w[k] * f[k];
                cand[k] = f[k];
            }
            cand[FEATURES] = Math.max(0, p);
            if (m.expertAlpha() == 0 || Double.isNaN(expertErr[r][FEATURES])) {
                return cand[FEATURES];
            }
            double sw = 0;
            double sp = 0;
            double[] err = expertErr[r];
            double floor = 1e-9 + 1e-6 * Math.abs(cand[FEATURES]);
            for (int k = 0; k < CANDIDATES; k++) {
                if (Double.isNaN(err[k])) {
                    continue;
                }
                double e = Math.max(err[k], floor);
                double wk = 1 / (e * e);
                sw += wk;
                sp += wk * cand[k];
            }
            return sw == 0 ? cand[FEATURES] : Math.max(0, sp / sw);
        }

        private void predictPending() {
            for (int r = 0; r < Resource.COUNT; r++) {
                for (int h = 0; h < hmax; h++) {
                    int n = pos + h;
                    pending[r][h][n % hmax] = point(r, n);
                    System.arraycopy(cand, 0, pendingCand[r][h][n % hmax], 0, CANDIDATES);
                }
            }
        }

        /** Ingests index pos (its residuals against earlier predictions) and moves to pos + 1. */
        void step() {
            for (int r = 0; r < Resource.COUNT; r++) {
                double v = y[r][pos];
                if (Double.isNaN(v)) {
                    continue;
                }
                for (int h = 0; h < hmax; h++) {
                    double p = pending[r][h][pos % hmax];
                    if (!Double.isNaN(p)) {
                        double e = v - p;
                        if (m.scaleAlpha() == 0) {
                            residuals[r][h].add(e);
                        } else {
                            double sc = scale[r][h];
                            if (!Double.isNaN(sc)) {
                                residuals[r][h].add(e / scaleFloor(r, sc));
                                scale[r][h] = sc + m.scaleAlpha() * (Math.abs(e) - sc);
                            } else {
                                scale[r][h] = Math.abs(e);
                            }
                        }
                    }
                }
                if (m.expertAlpha() > 0) {
                    double[] c0 = pendingCand[r][0][pos % hmax];
                    double[] err = expertErr[r];
                    for (int c = 0; c < CANDIDATES; c++) {
                        if (!Double.isNaN(c0[c])) {
                            double e = Math.abs(v - c0[c]);
                            err[c] = Double.isNaN(err[c]) ? e : err[c] + m.expertAlpha() * (e - err[c]);
                        }
                    }
                }
                int k = m.peakHoldSteps()[r];
                if (k > 0) {
                    int[] dq = peakIdx[r];
                    int cap = dq.length;
                    while (peakTail[r] > peakHead[r] && y[r][dq[(peakTail[r] - 1) % cap]] <= v) {
                        peakTail[r]--;
                    }
                    dq[peakTail[r] % cap] = pos;
                    peakTail[r]++;
                    while (dq[peakHead[r] % cap] <= pos - k) {
                        peakHead[r]++;
                    }
                }
                last[r] = v;
                ewma[r] = Double.isNaN(ewma[r]) ? v : ewma[r] + m.ewmaAlpha() * (v - ewma[r]);
            }
            pos++;
            predictPending();
        }

        void advanceTo(int now) {
            while (pos < now) {
                step();
            }
        }

        double margin(int r, int h) {
            int hh = Math.min(h, hmax - 1);
            RollingQuantile q = residuals[r][hh];
            if (q.size() >= Math.max(1, m.minResiduals())) {
                double k = q.quantile(m.quantiles()[r]);
                return m.scaleAlpha() == 0 ? k : k * scaleFloor(r, scale[r][hh]);
            }
            double level = Math.max(Double.isNaN(ewma[r]) ? 0 : ewma[r], LEVEL_FLOOR);
            return m.popQuantile()[r][hh] * level;
        }

        Forecast forecast(int horizon, String name) {
            double[][] point = new double[Resource.COUNT][horizon];
            double[][] upper = new double[Resource.COUNT][horizon];
            for (int r = 0; r < Resource.COUNT; r++) {
                for (int h = 0; h < horizon; h++) {
                    double p = h < hmax ? pending[r][h][(pos + h) % hmax] : point(r, pos + h);
                    point[r][h] = p;
                    upper[r][h] = Double.isNaN(p) ? Double.NaN : Math.max(Math.max(0, p + margin(r, h)), recentPeak(r));
                }
            }
            return new Forecast(userOf(), timestampOf(), stepOf(), m.quantile(), point, upper, name);
        }

        // The series identity is only needed for the Forecast record; kept via a small holder.
        private String user;
        private long t0;
        private int stepSeconds;

        Tracker bind(UserSeries s) {
            user = s.user();
            t0 = s.size() > 0 ? s.timestamp(0) : 0;
            stepSeconds = s.stepSeconds();
            return this;
        }

        private String userOf() { return user; }
        private long timestampOf() { return t0 + (long) pos * stepSeconds; }
        private int stepOf() { return stepSeconds; }

        /** Adds this series' scaled features/targets (horizon 0) to the normal equations. */
        void accumulateNormalEquations(double[][] xtx, double[][] xty) {
            double[] scale = new double[Resource.COUNT];
            for (int r = 0; r < Resource.COUNT; r++) {
                double sum = 0;
                int n = 0;
                for (double v : y[r]) {
                    if (!Double.isNaN(v)) {
                        sum += v;
                        n++;
                    }
                }
                scale[r] = n == 0 ? 0 : sum / n;
            }
            int start = 0;
            while (pos < y[0].length) {
                if (pos >= start + day) {
                    for (int r = 0; r < Resource.COUNT; r++) {
                        double target = y[r][pos];
                        if (Double.isNaN(target) || scale[r] <= 0 || !features(r, pos)) {
                            continue;
                        }
                        double[] a = xtx[r];
                        for (int i = 0; i < FEATURES; i++) {
                            double fi = f[i] / scale[r];
                            xty[r][i] += fi * target / scale[r];
                            for (int j = 0; j < FEATURES; j++) {
                                a[i * FEATURES + j] += fi * f[j] / scale[r];
                            }
                        }
                    }
                }
                step();
            }
        }

        /** Residuals relative to the EWMA level, per resource and horizon, every {@code every} steps. */
        double[][][] relativeResiduals(int every) {
            double[][][] out = new double[Resource.COUNT][hmax][];
            int[][] n = new int[Resource.COUNT][hmax];
            for (int r = 0; r < Resource.COUNT; r++) {
                for (int h = 0; h < hmax; h++) {
                    out[r][h] = new double[y[r].length];
                }
            }
            while (pos < y[0].length) {
                if (pos >= day && pos % every == 0) {
                    for (int r = 0; r < Resource.COUNT; r++) {
                        double v = y[r][pos];
                        if (Double.isNaN(v) || Double.isNaN(ewma[r])) {
                            continue;
                        }
                        double level = Math.max(ewma[r], LEVEL_FLOOR);
                        for (int h = 0; h < hmax; h++) {
                            double p = pending[r][h][pos % hmax];
                            if (!Double.isNaN(p)) {
                                out[r][h][n[r][h]++] = (v - p) / level;
                            }
                        }
                    }
                }
                step();
            }
            for (int r = 0; r < Resource.COUNT; r++) {
                for (int h = 0; h < hmax; h++) {
                    out[r][h] = Arrays.copyOf(out[r][h], n[r][h]);
                }
            }
            return out;
        }
    }
}
