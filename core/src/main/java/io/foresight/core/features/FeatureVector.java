package io.foresight.core.features;

import io.foresight.core.model.Resource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The behaviour profile of one user over one window [{@code from}, {@code to}) (Unix seconds):
 * {@link #STATS} for every resource, in the order of {@link #NAMES}. Produced identically by
 * {@link UserFeatures#profile} (online) and the Spark FeatureJob (batch); see docs/features.md.
 */
public record FeatureVector(String user, long from, long to, double[] values) {
    /** Per-resource statistics, in vector order. */
    public static final List<String> STATS = List.of(
            "mean", "peak", "p50", "p95", "p99", "trend", "daily", "weekly", "burstiness", "active");
    /** Feature names: {@code <resource>_<stat>}, resource-major. */
    public static final List<String> NAMES;

    static {
        List<String> n = new ArrayList<>();
        for (Resource r : Resource.values()) {
            for (String s : STATS) {
                n.add(r.name().toLowerCase(Locale.ROOT) + "_" + s);
            }
        }
        NAMES = Collections.unmodifiableList(n);
    }

    public FeatureVector {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(values, "values");
        if (values.length != NAMES.size()) {
            throw new IllegalArgumentException("feature vector needs " + NAMES.size() + " values, got " + values.length);
        }
    }

    public double get(Resource r, String stat) {
        int s = STATS.indexOf(stat);
        if (s < 0) {
            throw new IllegalArgumentException("unknown feature '" + stat + "': use one of " + STATS);
        }
        return values[r.ordinal() * STATS.size() + s];
    }

    public static int index(Resource r, String stat) {
        return r.ordinal() * STATS.size() + STATS.indexOf(stat);
    }
}
