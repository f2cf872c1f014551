package io.foresight.core.forecast;

import io.foresight.core.features.UserFeatures;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.LongPredicate;

/**
 * The global gradient-boosted forecaster, scored without Spark. Its trees predict the deviation of
 * the next value from the mean of the previous hour ({@link #base}) from the point features of
 * {@link UserFeatures} plus the resource ordinal ({@link #FEATURES}); multi-step forecasts feed
 * predictions back as history (recursive strategy). {@code upper} equals {@code point}: wrap in
 * {@link ConformalForecaster} for a calibrated bound.
 */
public final class TreeEnsembleForecaster implements Forecaster {
    /** Model input order: the point features, then the resource ordinal. */
    public static final List<String> FEATURES;

    static {
        var f = new java.util.ArrayList<>(UserFeatures.POINT_NAMES);
        f.add("resource");
        FEATURES = List.copyOf(f);
    }

    private static final int HISTORY = UserFeatures.STEPS_PER_WEEK + 1;
    private final TreeEnsemble trees;
    private final LongPredicate isHoliday;
    private final String version;

    public TreeEnsembleForecaster(TreeEnsemble trees, LongPredicate isHoliday, String version) {
        this.trees = Objects.requireNonNull(trees, "trees");
        this.isHoliday = Objects.requireNonNull(isHoliday, "isHoliday");
        this.version = Objects.requireNonNull(version, "version");
        if (!trees.features().equals(FEATURES)) {
            throw new IllegalArgumentException("tree model features " + trees.features() + " do not match "
                    + FEATURES + ". Fix: retrain with the ForecastTrainingJob of this version");
        }
    }

    /** Model input for a missing (NaN) feature; usage is never negative, so trees can split it off. */
    public static final double MISSING = -1.0;
    private static final int MEAN_1H = UserFeatures.POINT_NAMES.indexOf("mean1h");
    private static final int MEAN_24H = UserFeatures.POINT_NAMES.indexOf("mean24h");

    /**
     * The value the trees correct, from raw point features: the mean of the previous hour, else
     * of the previous day, else 0. The Spark ForecastTrainingJob builds its label with the same rule.
     */
    public static double base(double[] x) {
        if (!Double.isNaN(x[MEAN_1H])) {
            return x[MEAN_1H];
        }
        return Double.isNaN(x[MEAN_24H]) ? 0 : x[MEAN_24H];
    }

    @Override
    public String name() {
        return "gbt-trees(" + trees.size() + ")@" + version;
    }

    public TreeEnsemble trees() { return trees; }
    public String version() { return version; }
    public LongPredicate holidays() { return isHoliday; }

    /** One-step prediction of {@code y[t]} from {@code y[<t]} of resource r. */
    public double predictStep(double[] y, int t, long timestamp, int stepSeconds, Resource r, double[] x) {
        UserFeatures.pointFeatures(y, t, timestamp, stepSeconds, isHoliday, x);
        double base = base(x);
        for (int i = 0; i < UserFeatures.POINT_COUNT; i++) {
            if (Double.isNaN(x[i])) {
                x[i] = MISSING;
            }
        }
        x[UserFeatures.POINT_COUNT] = r.ordinal();
        return Math.max(0, base + trees.predict(x));
    }

    @Override
    public Forecast forecast(UserSeries history, int now, int horizon) {
        double[][] point = new double[Resource.COUNT][horizon];
        int from = Math.max(0, now - HISTORY);
        int step = history.stepSeconds();
        long t0 = history.timestamp(0) + (long) from * step;
        double[] x = new double[FEATURES.size()];
        double[] buf = new double[now - from + horizon];
        for (Resource r : Resource.values()) {
            double[] y = history.usageColumn(r);
            System.arraycopy(y, from, buf, 0, Math.min(now, y.length) - from);
            Arrays.fill(buf, Math.min(now, y.length) - from, buf.length, Double.NaN);
            for (int h = 0; h < horizon; h++) {
                int t = now - from + h;
                double p = predictStep(buf, t, t0 + (long) t * step, step, r, x);
                buf[t] = p;
                point[r.ordinal()][h] = p;
            }
        }
        double[][] upper = new double[Resource.COUNT][];
        for (int r = 0; r < Resource.COUNT; r++) {
            upper[r] = point[r].clone();
        }
        return new Forecast(history.user(), history.timestamp(0) + (long) now * step, step, 0.5, point, upper, name());
    }
}
