package io.foresight.core.feedback;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.util.Arrays;
import java.util.Collection;
import java.util.Objects;

/**
 * Keeps anomalous intervals out of training data: returns a copy of the series with the usage of each
 * anomalous (resource, interval) set to NaN, which every consumer reads as "not observed". The original
 * series is not modified. Anomalies of other users, or at timestamps the series does not hold, are ignored.
 */
public final class TrainingFilter {
    private TrainingFilter() {}

    public static UserSeries mask(UserSeries s, Collection<Anomaly> anomalies) {
        Objects.requireNonNull(s, "series");
        Objects.requireNonNull(anomalies, "anomalies");
        double[][] u = new double[Resource.COUNT][];
        double[][] c = new double[Resource.COUNT][];
        for (Resource r : Resource.values()) {
            u[r.ordinal()] = s.usageColumn(r).clone();
            c[r.ordinal()] = s.capacityColumn(r).clone();
        }
        long[] ts = s.timestamps().clone();
        for (Anomaly a : anomalies) {
            if (!a.user().equals(s.user())) {
                continue;
            }
            int i = a.index() >= 0 && a.index() < ts.length && ts[a.index()] == a.at()
                    ? a.index() : Arrays.binarySearch(ts, a.at());
            if (i >= 0) {
                u[a.resource().ordinal()][i] = Double.NaN;
            }
        }
        return new UserSeries(s.user(), s.stepSeconds(), ts, u, c);
    }
}
