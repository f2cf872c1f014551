package io.foresight.core.baseline;

import io.foresight.core.eval.AllocationPolicy;
import io.foresight.core.eval.UserAllocator;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The Kubernetes Vertical Pod Autoscaler (kubernetes/autoscaler, vertical-pod-autoscaler), recommender
 * plus updater, one container per user.
 *
 * <p>Recommender (pkg/recommender/logic and model): CPU samples go into a decaying histogram
 * (first bucket 0.01 cores, ratio 1.05, max 1000 cores, half-life 24 h) weighted by
 * max(current CPU request, 0.1 core); memory goes in as the peak of each 24 h aggregation window
 * (a larger peak replaces the window's earlier peak: subtract, then add), first bucket 1e7 bytes,
 * ratio 1.05, max 1e12 bytes, half-life 24 h. Target = p90 x 1.15; lower bound = p50 x 1.15 x
 * (1 + 0.001/confidence)^-2; upper bound = p95 x 1.15 x (1 + 1/confidence); all at least
 * 25 millicores and 250 MiB. Confidence = min(history span in days, samples / 1440); each 5-minute
 * trace sample counts as 5 of the recommender's 1-minute samples.
 *
 * <p>Updater (pkg/updater/priority): the pod is recreated with the target when a request is outside
 * [lower, upper], or when it has lived 12 h and the summed relative request/target difference is
 * at least 10%. Network and disk are not managed by VPA: they get the static allocation.
 */
public final class VpaPolicy implements AllocationPolicy {
    static final double CPU_FIRST_BUCKET = 0.01;
    static final double CPU_MAX = 1000;
    static final double BYTES_PER_GIB = 1024.0 * 1024 * 1024;
    static final double MEM_FIRST_BUCKET_GIB = 1e7 / BYTES_PER_GIB;
    static final double MEM_MAX_GIB = 1e12 / BYTES_PER_GIB;
    static final double RATIO = 1.05;
    static final double HALF_LIFE_S = 24 * 3600;
    static final double MIN_CPU_SAMPLE_WEIGHT = 0.1;
    static final double TARGET_P = 0.9;
    static final double LOWER_P = 0.5;
    static final double UPPER_P = 0.95;
    static final double MARGIN = 0.15;
    static final double MIN_CPU = 0.025;
    static final double MIN_MEMORY_GIB = 250.0 / 1024;
    static final long MEMORY_AGGREGATION_S = 24 * 3600;
    static final double UPDATE_THRESHOLD = 0.10;
    static final long POD_LIFETIME_UPDATE_S = 12 * 3600;
    static final double RECOMMENDER_SAMPLE_SECONDS = 60;

    private final StaticPolicy fallback;
    private final double targetPercentile;
    private final double margin;

    /** @param fallback supplies network and disk, which VPA does not manage */
    public VpaPolicy(StaticPolicy fallback) {
        this(fallback, TARGET_P, MARGIN);
    }

    /**
     * VPA with its risk knob set: the target percentile and the safety margin (upstream flags
     * {@code --target-cpu-percentile} and {@code --recommendation-margin-fraction}), for CPU and memory alike. The
     * updater's bounds stay around the target: lower = min(p50, target), upper = max(p95, target).
     */
    public VpaPolicy(StaticPolicy fallback, double targetPercentile, double margin) {
        this.fallback = Objects.requireNonNull(fallback, "fallback");
        if (!(targetPercentile > 0 && targetPercentile <= 1) || !(margin >= 0)) {
            throw new IllegalArgumentException("VPA target percentile must be in (0,1] and margin >= 0, got "
                    + targetPercentile + " and " + margin);
        }
        this.targetPercentile = targetPercentile;
        this.margin = margin;
    }

    @Override
    public String name() {
        return "vpa";
    }

    @Override
    public Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("target_percentile", targetPercentile);
        p.put("lower_bound_percentile", Math.min(LOWER_P, targetPercentile));
        p.put("upper_bound_percentile", Math.max(UPPER_P, targetPercentile));
        p.put("safety_margin", margin);
        p.put("half_life_hours", HALF_LIFE_S / 3600);
        p.put("cpu_histogram", "first 0.01 cores, ratio 1.05, max 1000 cores");
        p.put("memory_histogram", "first 1e7 B, ratio 1.05, max 1e12 B, 24h peaks");
        p.put("min_cpu_cores", MIN_CPU);
        p.put("min_memory_gib", MIN_MEMORY_GIB);
        p.put("updater", "evict if request outside [lower,upper], or pod age >= 12h and diff >= 10%");
        p.put("network_disk", "static");
        return p;
    }

    @Override
    public UserAllocator start(UserSeries test) {
        return new Allocator(test, fallback.start(test), targetPercentile, margin);
    }

    /** The recommender's estimate for one user at one moment. */
    record Recommendation(double[] target, double[] lower, double[] upper) {}

    static final class Allocator implements UserAllocator {
        private final UserSeries series;
        private final UserAllocator staticPart;
        private final DecayingHistogram cpu = new DecayingHistogram(CPU_MAX, CPU_FIRST_BUCKET, RATIO, HALF_LIFE_S);
        private final DecayingHistogram mem = new DecayingHistogram(MEM_MAX_GIB, MEM_FIRST_BUCKET_GIB, RATIO, HALF_LIFE_S);
        private long firstSample = Long.MIN_VALUE;
        private long lastSample;
        private long samples;
        private long windowStart = Long.MIN_VALUE;
        private double windowPeak = Double.NaN;
        private double[] request; // current pod requests (cpu, memory); null until the pod starts
        private long podStart;
        private final double targetP;
        private final double margin;

        Allocator(UserSeries series, UserAllocator staticPart, double targetP, double margin) {
            this.series = series;
            this.staticPart = staticPart;
            this.targetP = targetP;
            this.margin = margin;
        }

        @Override
        public double[] allocate(int i) {
            double[] out = staticPart.allocate(i);
            long now = series.timestamp(i);
            if (request == null) {
                if (!cpu.isEmpty() || !mem.isEmpty()) {
                    request = recommend().target();
                    podStart = now;
                }
            } else {
                Recommendation rec = recommend();
                if (shouldUpdate(rec, now)) {
                    request = rec.target();
                    podStart = now;
                }
            }
            if (request != null) {
                out[Resource.CPU.ordinal()] = request[0];
                out[Resource.MEMORY.ordinal()] = request[1];
            } else {
                // No data yet: VPA leaves the pod as deployed, i.e. the provisioned size.
                out[Resource.CPU.ordinal()] = Math.max(out[Resource.CPU.ordinal()], MIN_CPU);
                out[Resource.MEMORY.ordinal()] = Math.max(out[Resource.MEMORY.ordinal()], MIN_MEMORY_GIB);
            }
            return out;
        }

        boolean shouldUpdate(Recommendation rec, long now) {
            boolean outside = false;
            double diff = 0;
            for (int k = 0; k < 2; k++) {
                if (request[k] < rec.lower()[k] || request[k] > rec.upper()[k]) {
                    outside = true;
                }
                double req = Math.max(request[k], 1e-9);
                diff += Math.abs(req - rec.target()[k]) / req;
            }
            if (outside) {
                return diff > 0;
            }
            return now - podStart >= POD_LIFETIME_UPDATE_S && diff >= UPDATE_THRESHOLD;
        }

        Recommendation recommend() {
            double conf = confidence();
            double[] t = new double[2];
            double[] lo = new double[2];
            double[] hi = new double[2];
            DecayingHistogram[] h = {cpu, mem};
            double[] min = {MIN_CPU, MIN_MEMORY_GIB};
            for (int k = 0; k < 2; k++) {
                t[k] = Math.max(min[k], h[k].percentile(targetP) * (1 + margin));
                lo[k] = Math.max(min[k], h[k].percentile(Math.min(LOWER_P, targetP)) * (1 + margin) * Math.pow(1 + 0.001 / conf, -2));
                hi[k] = Math.max(min[k], h[k].percentile(Math.max(UPPER_P, targetP)) * (1 + margin) * (1 + 1.0 / conf));
            }
            return new Recommendation(t, lo, hi);
        }

        double confidence() {
            if (samples == 0) {
                return 1e-9;
            }
            double lifespanDays = (lastSample - firstSample) / 86400.0;
            double samplesDays = samples * (series.stepSeconds() / RECOMMENDER_SAMPLE_SECONDS) / (60 * 24);
            return Math.max(1e-9, Math.min(lifespanDays, samplesDays));
        }

        @Override
        public void observe(int i, double[] usage) {
            staticPart.observe(i, usage);
            long t = series.timestamp(i);
            double c = usage[Resource.CPU.ordinal()];
            if (!Double.isNaN(c)) {
                double req = request == null ? 0 : request[0];
                cpu.add(c, Math.max(req, MIN_CPU_SAMPLE_WEIGHT), t);
                if (firstSample == Long.MIN_VALUE) {
                    firstSample = t;
                }
                lastSample = t;
                samples++;
            }
            double m = usage[Resource.MEMORY.ordinal()];
            if (!Double.isNaN(m)) {
                long w = Math.floorDiv(t, MEMORY_AGGREGATION_S) * MEMORY_AGGREGATION_S;
                if (w != windowStart) {
                    windowStart = w;
                    windowPeak = Double.NaN;
                }
                if (Double.isNaN(windowPeak) || m > windowPeak) {
                    if (!Double.isNaN(windowPeak)) {
                        mem.subtract(windowPeak, 1.0, windowStart);
                    }
                    mem.add(m, 1.0, windowStart);
                    windowPeak = m;
                }
            }
        }
    }
}
