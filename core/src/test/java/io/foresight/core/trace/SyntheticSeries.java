package io.foresight.core.trace;

import io.foresight.core.model.Resource;

/** Labelled synthetic series for tests: 5-minute steps, nothing provisioned, a value per step and resource. */
public final class SyntheticSeries {
    private SyntheticSeries() {}

    /** The value of step {@code i} of resource {@code r}; called in step order, resources inner. */
    @FunctionalInterface
    public interface Value {
        double at(int i, int r);
    }

    public static UserSeries of(String user, int n, Value v) {
        long[] ts = new long[n];
        double[][] u = new double[Resource.COUNT][n];
        double[][] c = new double[Resource.COUNT][n];
        for (int i = 0; i < n; i++) {
            ts[i] = 1_000_000_200L + 300L * i;
            for (int r = 0; r < Resource.COUNT; r++) {
                u[r][i] = v.at(i, r);
                c[r][i] = Double.NaN;
            }
        }
        return new UserSeries(user, 300, ts, u, c);
    }
}
