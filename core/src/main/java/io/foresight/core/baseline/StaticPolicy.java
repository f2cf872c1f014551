package io.foresight.core.baseline;

import io.foresight.core.eval.AllocationPolicy;
import io.foresight.core.eval.UserAllocator;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the trace itself provisioned: the capacity columns (CPU cores, memory) at each interval,
 * known ahead because it is configuration, not usage. Resources without a capacity column
 * (network and disk in Bitbrains) get the user's peak usage in the training data; a user absent
 * from training gets the peak observed so far in the replay (past data only).
 */
public final class StaticPolicy implements AllocationPolicy {
    private final Map<String, double[]> trainPeak;

    private StaticPolicy(Map<String, double[]> trainPeak) {
        this.trainPeak = trainPeak;
    }

    public static StaticPolicy fromTraining(Trace train) {
        Map<String, double[]> peaks = new HashMap<>();
        if (train != null) {
            for (UserSeries s : train.users().values()) {
                double[] p = new double[Resource.COUNT];
                for (Resource r : Resource.values()) {
                    double m = Double.NaN;
                    for (double v : s.usageColumn(r)) {
                        if (!Double.isNaN(v) && (Double.isNaN(m) || v > m)) {
                            m = v;
                        }
                    }
                    p[r.ordinal()] = m;
                }
                peaks.put(s.user(), p);
            }
        }
        return new StaticPolicy(peaks);
    }

    @Override
    public String name() {
        return "static";
    }

    @Override
    public Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("cpu_memory", "trace capacity columns");
        p.put("no_capacity_column", "peak usage of the user in --train (cold start: running peak of observed usage)");
        return p;
    }

    @Override
    public UserAllocator start(UserSeries test) {
        return new Allocator(test, trainPeak.get(test.user()));
    }

    private static final class Allocator implements UserAllocator {
        private final UserSeries s;
        private final double[] peak;
        private final double[] lastCap = new double[Resource.COUNT];
        private final double[] runningPeak = new double[Resource.COUNT];

        Allocator(UserSeries s, double[] peak) {
            this.s = s;
            this.peak = peak;
            java.util.Arrays.fill(lastCap, Double.NaN);
            java.util.Arrays.fill(runningPeak, Double.NaN);
        }

        @Override
        public double[] allocate(int i) {
            double[] out = new double[Resource.COUNT];
            for (int r = 0; r < Resource.COUNT; r++) {
                double cap = s.capacityColumn(Resource.of(r))[i];
                if (!Double.isNaN(cap)) {
                    lastCap[r] = cap;
                }
                if (!Double.isNaN(lastCap[r])) {
                    out[r] = lastCap[r];
                } else if (peak != null && !Double.isNaN(peak[r])) {
                    out[r] = peak[r];
                } else {
                    out[r] = Double.isNaN(runningPeak[r]) ? 0 : runningPeak[r];
                }
            }
            return out;
        }

        @Override
        public void observe(int i, double[] usage) {
            for (int r = 0; r < Resource.COUNT; r++) {
                double u = usage[r];
                if (!Double.isNaN(u) && (Double.isNaN(runningPeak[r]) || u > runningPeak[r])) {
                    runningPeak[r] = u;
                }
            }
        }
    }
}
