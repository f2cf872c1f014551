package io.foresight.core.baseline;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.util.Arrays;

/** Tiny synthetic series for the baseline tests. */
final class Series {
    private Series() {}

    /** 300-second steps from t=0; cpu and memory usage given, capacity 4 cores / 8 GiB, no net/disk. */
    static UserSeries of(double[] cpu, double[] mem) {
        int n = cpu.length;
        long[] ts = new long[n];
        for (int i = 0; i < n; i++) {
            ts[i] = 300L * i;
        }
        double[][] u = new double[Resource.COUNT][n];
        double[][] c = new double[Resource.COUNT][n];
        u[0] = cpu.clone();
        u[1] = mem.clone();
        Arrays.fill(u[2], 1.0);
        Arrays.fill(u[3], 2.0);
        Arrays.fill(c[0], 4);
        Arrays.fill(c[1], 8);
        Arrays.fill(c[2], Double.NaN);
        Arrays.fill(c[3], Double.NaN);
        return new UserSeries("u", 300, ts, u, c);
    }

    static double[] usage(UserSeries s, int i) {
        double[] v = new double[Resource.COUNT];
        for (int r = 0; r < Resource.COUNT; r++) {
            v[r] = s.usageColumn(Resource.of(r))[i];
        }
        return v;
    }
}
