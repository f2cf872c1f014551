package io.foresight.core.eval;

import io.foresight.core.forecast.Forecast;
import io.foresight.core.forecast.Forecaster;
import io.foresight.core.forecast.SeasonalNaiveForecaster;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Rolling-origin backtest split by time: at each origin a forecaster sees only the intervals
 * before it (the {@link Forecaster} contract) and is scored on the next {@code horizon} observed
 * values. Per forecaster and resource: MAE, RMSE, MASE (MAE divided by the MAE of the daily
 * seasonal-naive forecaster on exactly the same points) and the share of actuals at or below the
 * upper bound (coverage).
 */
public final class Backtest {
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
    }

    /** Scores of one forecaster on one resource (or "all": the mean over resources of MASE and coverage). */
    public record Score(String forecaster, String resource, long points, double mae, double rmse,
                        double mase, double coverage) {}

    private Backtest() {}

    /** Keys of the result: {@code <forecaster name>/<resource>}, in forecaster then resource order. */
    public static Map<String, Score> run(Collection<UserSeries> users, List<Forecaster> forecasters, Config c) {
        Objects.requireNonNull(users, "users");
        if (forecasters.isEmpty()) {
            throw new IllegalArgumentException("no forecaster to backtest");
        }
        Forecaster naive = SeasonalNaiveForecaster.daily();
        int f = forecasters.size();
        int rc = Resource.COUNT;
        double[][] abs = new double[f][rc], sq = new double[f][rc], cov = new double[f][rc];
        double[] naiveAbs = new double[rc];
        long[] n = new long[rc];
        for (UserSeries s : users) {
            int first = Math.max(c.minHistory(), firstIndexAtOrAfter(s, c.evalFrom()));
            for (int o = first; o + c.horizon() <= s.size(); o += c.stride()) {
                Forecast base = naive.forecast(s, o, c.horizon());
                Forecast[] fc = new Forecast[f];
                for (int k = 0; k < f; k++) {
                    fc[k] = forecasters.get(k).forecast(s, o, c.horizon());
                }
                for (Resource r : Resource.values()) {
                    int ri = r.ordinal();
                    for (int h = 0; h < c.horizon(); h++) {
                        double y = s.usage(r, o + h);
                        double b = base.point(r, h);
                        if (Double.isNaN(y) || Double.isNaN(b)) {
                            continue;
                        }
                        boolean ok = true;
                        for (int k = 0; k < f && ok; k++) {
                            ok = !Double.isNaN(fc[k].point(r, h));
                        }
                        if (!ok) {
                            continue;
                        }
                        n[ri]++;
                        naiveAbs[ri] += Math.abs(y - b);
                        for (int k = 0; k < f; k++) {
                            double e = y - fc[k].point(r, h);
                            abs[k][ri] += Math.abs(e);
                            sq[k][ri] += e * e;
                            cov[k][ri] += y <= fc[k].upper(r, h) ? 1 : 0;
                        }
                    }
                }
            }
        }
        Map<String, Score> out = new LinkedHashMap<>();
        for (int k = 0; k < f; k++) {
            String name = forecasters.get(k).name();
            double maseSum = 0, covSum = 0;
            int rs = 0;
            long total = 0;
            for (Resource r : Resource.values()) {
                int ri = r.ordinal();
                long m = n[ri];
                double mae = m == 0 ? Double.NaN : abs[k][ri] / m;
                double mase = m == 0 || naiveAbs[ri] == 0 ? Double.NaN : abs[k][ri] / naiveAbs[ri];
                double coverage = m == 0 ? Double.NaN : cov[k][ri] / m;
                out.put(name + "/" + r.name().toLowerCase(), new Score(name, r.name().toLowerCase(), m, mae,
                        m == 0 ? Double.NaN : Math.sqrt(sq[k][ri] / m), mase, coverage));
                if (m > 0 && !Double.isNaN(mase)) {
                    maseSum += mase;
                    covSum += coverage;
                    rs++;
                    total += m;
                }
            }
            out.put(name + "/all", new Score(name, "all", total, Double.NaN, Double.NaN,
                    rs == 0 ? Double.NaN : maseSum / rs, rs == 0 ? Double.NaN : covSum / rs));
        }
        return out;
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

    /** A fixed-width table of scores for the console. */
    public static String format(Map<String, Score> scores) {
        StringBuilder b = new StringBuilder(String.format("%-70s %-8s %10s %12s %12s %8s %9s%n",
                "forecaster", "resource", "points", "MAE", "RMSE", "MASE", "coverage"));
        List<Score> all = new ArrayList<>(scores.values());
        for (Score s : all) {
            b.append(String.format("%-70s %-8s %10d %12.5f %12.5f %8.4f %9.4f%n", s.forecaster(), s.resource(),
                    s.points(), s.mae(), s.rmse(), s.mase(), s.coverage()));
        }
        return b.toString();
    }
}
