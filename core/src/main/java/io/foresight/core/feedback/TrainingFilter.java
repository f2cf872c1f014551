package io.foresight.core.feedback;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    /** A trace with its anomalous intervals masked, and how many (resource, interval) values were masked. */
    public record Cleaned(Trace trace, long masked) {}

    /**
     * Every user of {@code t} with the anomalies the detector finds (each user judged against its own seasonal
     * history) masked where they start before {@code before} (Unix s; later intervals, e.g. a holdout the model
     * is judged on, stay as observed). What the retraining workflow trains on.
     */
    public static Cleaned clean(Trace t, long before, AnomalyDetector detector) {
        Objects.requireNonNull(t, "trace");
        Objects.requireNonNull(detector, "detector");
        Map<String, UserSeries> out = new LinkedHashMap<>();
        long masked = 0;
        for (UserSeries s : t.users().values()) {
            List<Anomaly> found = new ArrayList<>();
            for (Anomaly a : detector.detect(s)) {
                if (a.at() < before) {
                    found.add(a);
                }
            }
            out.put(s.user(), found.isEmpty() ? s : mask(s, found));
            masked += found.size();
        }
        return new Cleaned(new Trace(t.stepSeconds(), out, t.report()), masked);
    }

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
