package io.foresight.core.forecast;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.util.Arrays;
import java.util.Random;
import java.util.function.IntToDoubleFunction;

/** Test series: every resource follows the same shape, scaled per resource, plus seeded noise. */
final class Series {
    static final long START = 1_372_636_800L; // Monday 2013-07-01 00:00 UTC

    private Series() {}

    static UserSeries of(String user, int n, IntToDoubleFunction shape, double noise, long seed) {
        Random rnd = new Random(seed);
        long[] ts = new long[n];
        double[][] u = new double[Resource.COUNT][n];
        double[][] c = new double[Resource.COUNT][n];
        for (double[] row : c) {
            Arrays.fill(row, Double.NaN);
        }
        for (int i = 0; i < n; i++) {
            ts[i] = START + 300L * i;
            for (int r = 0; r < Resource.COUNT; r++) {
                u[r][i] = Math.max(0, (r + 1) * shape.applyAsDouble(i) + noise * rnd.nextGaussian());
            }
        }
        return new UserSeries(user, 300, ts, u, c);
    }

    static double daily(int i) {
        return 2 + Math.sin(2 * Math.PI * i / 288.0);
    }
}
