package io.foresight.core.forecast;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.util.Arrays;
import java.util.Objects;

/**
 * The global gradient-boosted forecaster on {@link M5Features}, scored without Spark: one tree ensemble (fitted on
 * Spark over every user, resource and step, exported by spark-jobs' TreeExport) predicts each step directly, the
 * step being a feature: {@code point = max(0, base + changeScale * trees(x))}
 * ({@link M5Features#point}), base the median of the last 3 values. Its own upper bound equals the point:
 * the family {@code gbt-m5} serves it inside a {@link CalibratedForecaster}.
 */
public final class GlobalGbtForecaster implements Forecaster, PointForecaster {
    private final TreeEnsemble trees;
    private final String version;

    public GlobalGbtForecaster(TreeEnsemble trees, String version) {
        this.trees = Objects.requireNonNull(trees, "trees");
        this.version = Objects.requireNonNull(version, "version");
        if (!trees.features().equals(M5Features.NAMES)) {
            throw new IllegalArgumentException("tree model features " + trees.features() + " are not the M5 features "
                    + M5Features.NAMES + ". Fix: retrain with the M5 GBT training job of this version");
        }
    }

    public TreeEnsemble trees() { return trees; }
    public String version() { return version; }

    @Override
    public String name() {
        return "gbt-m5(" + trees.size() + ")@" + version;
    }

    @Override
    public Forecast forecast(UserSeries history, int now, int horizon) {
        return pointForecast(history, now, horizon);
    }

    @Override
    public double[][][] pointsFrom(UserSeries history, int from, int to, int horizon) {
        double[][][] out = new double[Math.max(0, to - from)][Resource.COUNT][horizon];
        double[] x = new double[M5Features.COUNT];
        int step = history.stepSeconds();
        long t0 = history.size() == 0 ? 0 : history.timestamp(0);
        for (Resource r : Resource.values()) {
            double[] y = history.usageColumn(r);
            for (int o = from; o < to; o++) {
                double[] row = out[o - from][r.ordinal()];
                double[] ls = M5Features.origin(y, o, r.ordinal(), x);
                if (ls == null) {
                    Arrays.fill(row, Double.NaN);
                    continue;
                }
                for (int h = 0; h < horizon; h++) {
                    M5Features.step(y, o, h, t0 + (long) (o + h) * step, ls, x);
                    row[h] = M5Features.point(trees.predict(x), ls);
                }
            }
        }
        return out;
    }
}
