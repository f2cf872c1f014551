package io.foresight.core.eval;

import io.foresight.core.model.Resource;

/**
 * Accuracy of a forecasting policy's one-step forecasts on the scored intervals, per resource: MAE,
 * RMSE, MASE (MAE over the MAE of the seasonal-naive forecast, same time yesterday, on the same
 * intervals) and coverage of the upper bound. Also a histogram of the bounded relative error
 * (usage - point) / max(usage, point) in [-1, 1] for the report.
 */
public final class ForecastMetrics {
    public static final int BINS = 40;
    final long[] n = new long[Resource.COUNT];
    final double[] abs = new double[Resource.COUNT];
    final double[] sq = new double[Resource.COUNT];
    final long[] naiveN = new long[Resource.COUNT];
    final double[] naiveAbs = new double[Resource.COUNT];
    final double[] modelAbsOnNaive = new double[Resource.COUNT];
    final long[] covered = new long[Resource.COUNT];
    final long[][] errorHistogram = new long[Resource.COUNT][BINS];

    void add(int r, double usage, double point, double upper, double naive) {
        if (Double.isNaN(usage) || Double.isNaN(point)) {
            return;
        }
        double e = usage - point;
        n[r]++;
        abs[r] += Math.abs(e);
        sq[r] += e * e;
        if (!Double.isNaN(upper) && usage <= upper) {
            covered[r]++;
        }
        if (!Double.isNaN(naive)) {
            naiveN[r]++;
            naiveAbs[r] += Math.abs(usage - naive);
            modelAbsOnNaive[r] += Math.abs(e);
        }
        double denom = Math.max(Math.abs(usage), Math.abs(point));
        double rel = denom == 0 ? 0 : e / denom;
        int bin = (int) Math.floor((rel + 1) / 2 * BINS);
        errorHistogram[r][Math.min(Math.max(bin, 0), BINS - 1)]++;
    }

    void merge(ForecastMetrics o) {
        for (int r = 0; r < Resource.COUNT; r++) {
            n[r] += o.n[r];
            abs[r] += o.abs[r];
            sq[r] += o.sq[r];
            naiveN[r] += o.naiveN[r];
            naiveAbs[r] += o.naiveAbs[r];
            modelAbsOnNaive[r] += o.modelAbsOnNaive[r];
            covered[r] += o.covered[r];
            for (int b = 0; b < BINS; b++) {
                errorHistogram[r][b] += o.errorHistogram[r][b];
            }
        }
    }

    public long count(Resource r) { return n[r.ordinal()]; }
    public double mae(Resource r) { return n[r.ordinal()] == 0 ? Double.NaN : abs[r.ordinal()] / n[r.ordinal()]; }
    public double rmse(Resource r) { return n[r.ordinal()] == 0 ? Double.NaN : Math.sqrt(sq[r.ordinal()] / n[r.ordinal()]); }

    public double mase(Resource r) {
        int i = r.ordinal();
        return naiveN[i] == 0 || naiveAbs[i] == 0 ? Double.NaN : modelAbsOnNaive[i] / naiveAbs[i];
    }

    public double coverage(Resource r) { return n[r.ordinal()] == 0 ? Double.NaN : covered[r.ordinal()] / (double) n[r.ordinal()]; }

    public long[] errorHistogram(Resource r) { return errorHistogram[r.ordinal()].clone(); }
}
