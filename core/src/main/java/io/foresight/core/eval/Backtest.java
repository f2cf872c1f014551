package io.foresight.core.eval;

import io.foresight.core.forecast.Forecast;
import io.foresight.core.forecast.Forecaster;
import io.foresight.core.forecast.LastValueForecaster;
import io.foresight.core.forecast.SeasonalNaiveForecaster;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Rolling-origin backtest split by time: at each origin a forecaster sees only the intervals
 * before it (the {@link Forecaster} contract) and is scored on the next {@code horizon} observed
 * values. Two yardsticks are always scored on exactly the same points: the daily seasonal naive
 * forecaster (same time yesterday) and last value (the random walk). Per forecaster and resource:
 * MAE, RMSE, MASE (MAE over seasonal naive's MAE), relative MAE (MAE over last value's MAE; below 1
 * beats the random walk) and the share of actuals at or below the upper bound (coverage). These are
 * the numbers the promotion gate ({@link PromotionRule}) decides on: one computation for both.
 */
public final class Backtest {
    /** Name of the seasonal-naive yardstick in the result. */
    public static final String SEASONAL_NAIVE = SeasonalNaiveForecaster.daily().name();
    /** Name of the last-value yardstick in the result. */
    public static final String LAST_VALUE = LastValueForecaster.daily().name();
    /** The resource key of the mean over resources. */
    public static final String ALL = "all";

    /**
     * @param horizon  steps per forecast
     * @param stride   steps between origins
     * @param evalFrom first origin timestamp (Unix s): train on data before it, evaluate after
     * @param minHistory origins need at least this many intervals of history
     */
    public record Config(int horizon, int stride, long evalFrom, int minHistory) {
        public Config {
            if (horizon <= 0 || stride <= 0 || minHistory < 0) {
                throw new IllegalArgumentException("horizon and stride must be positive, minHistory >= 0");
            }
        }

        /** The protocol of {@code foresight backtest} and of the promotion gate: a 36-step stride, a day of history. */
        public static Config rolling(int horizon, long evalFrom) {
            return new Config(horizon, 36, evalFrom, 288 + horizon);
        }
    }

    /**
     * Scores of one forecaster on one resource, or on {@value #ALL}: there MASE, relative MAE and coverage
     * are means over the resources that had points (MAE and RMSE are NaN: units differ). {@code coverageByStep[h]}
     * is the coverage of the upper bound at horizon step h alone (a bound calibrated on average can be too
     * tight at the last step and too loose at the first).
     */
    public record Score(String forecaster, String resource, long points, double mae, double rmse,
                        double mase, double relMae, double coverage, double[] coverageByStep) {
        /** The largest distance of a step's coverage from {@code nominal} (NaN steps ignored). */
        public double worstStepGap(double nominal) {
            double g = Double.NaN;
            for (double c : coverageByStep) {
                if (!Double.isNaN(c) && (Double.isNaN(g) || Math.abs(c - nominal) > g)) {
                    g = Math.abs(c - nominal);
                }
            }
            return g;
        }
    }

    private Backtest() {}

    /**
     * Keys of the result: {@code <forecaster name>/<resource>}, the yardsticks first (seasonal naive, last
     * value), then the forecasters in order, resources in {@link Resource} order then {@value #ALL}.
     * A point counts when the actual and every forecaster's point (yardsticks included) are observed.
     */
    public static Map<String, Score> run(Collection<UserSeries> users, List<Forecaster> forecasters, Config c) {
        Objects.requireNonNull(users, "users");
        if (forecasters.isEmpty()) {
            throw new IllegalArgumentException("no forecaster to backtest");
        }
        List<Forecaster> all = new ArrayList<>();
        all.add(SeasonalNaiveForecaster.daily());
        all.add(LastValueForecaster.daily());
        for (Forecaster x : forecasters) {
            if (all.stream().noneMatch(y -> y.name().equals(x.name()))) {
                all.add(x);
            }
        }
        int f = all.size();
        int rc = Resource.COUNT;
        int hz = c.horizon();
        double[][] abs = new double[f][rc], sq = new double[f][rc], cov = new double[f][rc];
        double[][][] covStep = new double[f][rc][hz];
        long[] n = new long[rc];
        long[][] nStep = new long[rc][hz];
        for (UserSeries s : users) {
            for (int o : origins(s, c)) {
                Forecast[] fc = new Forecast[f];
                for (int k = 0; k < f; k++) {
                    fc[k] = all.get(k).forecast(s, o, c.horizon());
                }
                for (Resource r : Resource.values()) {
                    int ri = r.ordinal();
                    for (int h = 0; h < c.horizon(); h++) {
                        double y = s.usage(r, o + h);
                        boolean ok = !Double.isNaN(y);
                        for (int k = 0; k < f && ok; k++) {
                            ok = !Double.isNaN(fc[k].point(r, h));
                        }
                        if (!ok) {
                            continue;
                        }
                        n[ri]++;
                        nStep[ri][h]++;
                        for (int k = 0; k < f; k++) {
                            double e = y - fc[k].point(r, h);
                            abs[k][ri] += Math.abs(e);
                            sq[k][ri] += e * e;
                            int in = y <= fc[k].upper(r, h) ? 1 : 0;
                            cov[k][ri] += in;
                            covStep[k][ri][h] += in;
                        }
                    }
                }
            }
        }
        Map<String, Score> out = new LinkedHashMap<>();
        for (int k = 0; k < f; k++) {
            String name = all.get(k).name();
            double maseSum = 0, relSum = 0, covSum = 0;
            int maseN = 0, relN = 0, covN = 0;
            long total = 0;
            double[] allStep = new double[hz];
            int[] allStepN = new int[hz];
            for (Resource r : Resource.values()) {
                int ri = r.ordinal();
                long m = n[ri];
                double[] byStep = new double[hz];
                for (int h = 0; h < hz; h++) {
                    byStep[h] = nStep[ri][h] == 0 ? Double.NaN : covStep[k][ri][h] / nStep[ri][h];
                    if (!Double.isNaN(byStep[h])) {
                        allStep[h] += byStep[h];
                        allStepN[h]++;
                    }
                }
                double mae = m == 0 ? Double.NaN : abs[k][ri] / m;
                double mase = m == 0 || abs[0][ri] == 0 ? Double.NaN : abs[k][ri] / abs[0][ri];
                double rel = m == 0 || abs[1][ri] == 0 ? Double.NaN : abs[k][ri] / abs[1][ri];
                double coverage = m == 0 ? Double.NaN : cov[k][ri] / m;
                out.put(key(name, r), new Score(name, resourceKey(r), m, mae,
                        m == 0 ? Double.NaN : Math.sqrt(sq[k][ri] / m), mase, rel, coverage, byStep));
                total += m;
                if (!Double.isNaN(mase)) {
                    maseSum += mase;
                    maseN++;
                }
                if (!Double.isNaN(rel)) {
                    relSum += rel;
                    relN++;
                }
                if (!Double.isNaN(coverage)) {
                    covSum += coverage;
                    covN++;
                }
            }
            for (int h = 0; h < hz; h++) {
                allStep[h] = allStepN[h] == 0 ? Double.NaN : allStep[h] / allStepN[h];
            }
            out.put(name + "/" + ALL, new Score(name, ALL, total, Double.NaN, Double.NaN,
                    maseN == 0 ? Double.NaN : maseSum / maseN, relN == 0 ? Double.NaN : relSum / relN,
                    covN == 0 ? Double.NaN : covSum / covN, allStep));
        }
        return out;
    }

    /** The origins (indices) the backtest forecasts {@code s} from: the points {@link BacktestPoints} exports. */
    public static int[] origins(UserSeries s, Config c) {
        int first = Math.max(c.minHistory(), firstIndexAtOrAfter(s, c.evalFrom()));
        return java.util.stream.IntStream.iterate(first, o -> o + c.horizon() <= s.size(), o -> o + c.stride()).toArray();
    }

    public static String key(String forecaster, Resource r) {
        return forecaster + "/" + resourceKey(r);
    }

    static String resourceKey(Resource r) {
        return r.name().toLowerCase(Locale.ROOT);
    }

    /**
     * One forecaster's scores as flat metrics ({@code <prefix><resource>_mae}, {@code _rmse}, {@code _mase},
     * {@code _rel_mae}, {@code _coverage}, {@code _coverage_worst_step_gap} (from {@link ModelFamilies#QUANTILE}); for {@value #ALL} all but MAE and RMSE): what MLflow runs, model
     * manifests and the gate record. Empty if the forecaster was not scored.
     */
    public static Map<String, Double> metrics(Map<String, Score> scores, String forecaster, String prefix) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (Score s : scores.values()) {
            if (!s.forecaster().equals(forecaster)) {
                continue;
            }
            String p = prefix + s.resource() + "_";
            if (!ALL.equals(s.resource())) {
                m.put(p + "mae", s.mae());
                m.put(p + "rmse", s.rmse());
            }
            m.put(p + "mase", s.mase());
            m.put(p + "rel_mae", s.relMae());
            m.put(p + "coverage", s.coverage());
            m.put(p + "coverage_worst_step_gap", s.worstStepGap(ModelFamilies.QUANTILE));
        }
        return m;
    }

    static int firstIndexAtOrAfter(UserSeries s, long ts) {
        if (s.size() == 0) {
            return 0;
        }
        long d = ts - s.timestamp(0);
        if (d <= 0) {
            return 0;
        }
        return (int) Math.min(s.size(), (d + s.stepSeconds() - 1) / s.stepSeconds());
    }

    /**
     * Coverage of each forecaster's upper bound per resource and horizon step (percent), with the worst
     * step's distance from {@code nominal} in points: the calibration table of the backtest output.
     */
    public static String formatCoverage(Map<String, Score> scores, double nominal) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "upper-bound coverage (%%) per resource and horizon step h (nominal %.0f %%; worst = largest |gap| in points)%n",
                nominal * 100));
        int hz = scores.values().stream().mapToInt(s -> s.coverageByStep().length).max().orElse(0);
        b.append(String.format("%-40s %-8s", "forecaster", "resource"));
        for (int h = 0; h < hz; h++) {
            b.append(String.format(" %5s", "h" + (h + 1)));
        }
        b.append(String.format(" %6s%n", "worst"));
        for (Score s : scores.values()) {
            String name = s.forecaster().length() > 40 ? s.forecaster().substring(0, 40) : s.forecaster();
            b.append(String.format("%-40s %-8s", name, s.resource()));
            for (double c : s.coverageByStep()) {
                b.append(String.format(Locale.ROOT, " %5.1f", c * 100));
            }
            b.append(String.format(Locale.ROOT, " %6.1f%n", s.worstStepGap(nominal) * 100));
        }
        return b.toString();
    }

    /** A fixed-width table of scores for the console. */
    public static String format(Map<String, Score> scores) {
        StringBuilder b = new StringBuilder(String.format("%-70s %-8s %10s %12s %12s %8s %8s %9s%n",
                "forecaster", "resource", "points", "MAE", "RMSE", "MASE", "relMAE", "coverage"));
        b.append(String.format("%-70s%n", "(MASE: MAE / MAE of " + SEASONAL_NAIVE + "; relMAE: MAE / MAE of "
                + LAST_VALUE + ", below 1 beats it; coverage of the upper bound)"));
        for (Score s : scores.values()) {
            b.append(String.format(Locale.ROOT, "%-70s %-8s %10d %12.5f %12.5f %8.4f %8.4f %9.4f%n", s.forecaster(),
                    s.resource(), s.points(), s.mae(), s.rmse(), s.mase(), s.relMae(), s.coverage()));
        }
        return b.toString();
    }
}
