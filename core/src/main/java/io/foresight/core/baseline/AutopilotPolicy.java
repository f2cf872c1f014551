package io.foresight.core.baseline;

import io.foresight.core.eval.AllocationPolicy;
import io.foresight.core.eval.UserAllocator;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Google Autopilot's moving-window recommender (Rzadca et al., "Autopilot: workload autoscaling at
 * Google", EuroSys 2020, section 3.2). Usage is summarised per 5-minute window into decaying
 * histograms (exponential buckets, ratio 1.05, as in the VPA, its open-source descendant); the
 * weight of a window halves every 12 h for CPU and 48 h for memory. The raw recommendation is the
 * CPU p95 and the memory p98 of the decayed histograms, plus a safety margin (10% CPU, 15% memory).
 * To damp downscaling, the applied limit is the maximum raw recommendation of the last hour.
 * Each 5-minute trace sample is one window. Network and disk get the static allocation.
 */
public final class AutopilotPolicy implements AllocationPolicy {
    static final double CPU_HALF_LIFE_S = 12 * 3600;
    static final double MEM_HALF_LIFE_S = 48 * 3600;
    static final double CPU_PERCENTILE = 0.95;
    static final double MEM_PERCENTILE = 0.98;
    static final double CPU_MARGIN = 0.10;
    static final double MEM_MARGIN = 0.15;
    static final long WINDOW_S = 3600;

    private final StaticPolicy fallback;
    private final double cpuPercentile;
    private final double cpuMargin;

    public AutopilotPolicy(StaticPolicy fallback) {
        this(fallback, CPU_PERCENTILE, CPU_MARGIN);
    }

    /**
     * Autopilot with its CPU risk knob set: the percentile of the decayed histogram and the safety margin. Memory
     * keeps its own (p98 + 15%): the paper sizes memory separately and more conservatively, since running out of
     * it kills the task.
     */
    public AutopilotPolicy(StaticPolicy fallback, double cpuPercentile, double cpuMargin) {
        this.fallback = Objects.requireNonNull(fallback, "fallback");
        if (!(cpuPercentile > 0 && cpuPercentile <= 1) || !(cpuMargin >= 0)) {
            throw new IllegalArgumentException("Autopilot CPU percentile must be in (0,1] and margin >= 0, got "
                    + cpuPercentile + " and " + cpuMargin);
        }
        this.cpuPercentile = cpuPercentile;
        this.cpuMargin = cpuMargin;
    }

    @Override
    public String name() {
        return "autopilot";
    }

    @Override
    public Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("cpu_percentile", cpuPercentile);
        p.put("memory_percentile", MEM_PERCENTILE);
        p.put("cpu_half_life_hours", CPU_HALF_LIFE_S / 3600);
        p.put("memory_half_life_hours", MEM_HALF_LIFE_S / 3600);
        p.put("cpu_safety_margin", cpuMargin);
        p.put("memory_safety_margin", MEM_MARGIN);
        p.put("max_over_seconds", WINDOW_S);
        p.put("network_disk", "static");
        return p;
    }

    @Override
    public UserAllocator start(UserSeries test) {
        return new Allocator(test, fallback.start(test), cpuPercentile, cpuMargin);
    }

    static final class Allocator implements UserAllocator {
        private final UserSeries s;
        private final UserAllocator staticPart;
        private final DecayingHistogram cpu = new DecayingHistogram(
                VpaPolicy.CPU_MAX, VpaPolicy.CPU_FIRST_BUCKET, VpaPolicy.RATIO, CPU_HALF_LIFE_S);
        private final DecayingHistogram mem = new DecayingHistogram(
                VpaPolicy.MEM_MAX_GIB, VpaPolicy.MEM_FIRST_BUCKET_GIB, VpaPolicy.RATIO, MEM_HALF_LIFE_S);
        private final ArrayDeque<double[]> recent = new ArrayDeque<>(); // {timestamp, cpu, memory}
        private final double cpuPercentile;
        private final double cpuMargin;

        Allocator(UserSeries s, UserAllocator staticPart, double cpuPercentile, double cpuMargin) {
            this.s = s;
            this.staticPart = staticPart;
            this.cpuPercentile = cpuPercentile;
            this.cpuMargin = cpuMargin;
        }

        @Override
        public double[] allocate(int i) {
            double[] out = staticPart.allocate(i);
            if (cpu.isEmpty() && mem.isEmpty()) {
                return out; // nothing observed yet: the job runs at its initial (provisioned) limits
            }
            long now = s.timestamp(i);
            double[] raw = {now,
                    cpu.isEmpty() ? Double.NaN : cpu.percentile(cpuPercentile) * (1 + cpuMargin),
                    mem.isEmpty() ? Double.NaN : mem.percentile(MEM_PERCENTILE) * (1 + MEM_MARGIN)};
            recent.addLast(raw);
            while (recent.peekFirst()[0] <= now - WINDOW_S) {
                recent.pollFirst();
            }
            double c = Double.NaN;
            double m = Double.NaN;
            for (double[] r : recent) {
                c = maxIgnoringNaN(c, r[1]);
                m = maxIgnoringNaN(m, r[2]);
            }
            if (!Double.isNaN(c)) {
                out[Resource.CPU.ordinal()] = c;
            }
            if (!Double.isNaN(m)) {
                out[Resource.MEMORY.ordinal()] = m;
            }
            return out;
        }

        private static double maxIgnoringNaN(double a, double b) {
            if (Double.isNaN(a)) {
                return b;
            }
            return Double.isNaN(b) ? a : Math.max(a, b);
        }

        @Override
        public void observe(int i, double[] usage) {
            staticPart.observe(i, usage);
            long t = s.timestamp(i);
            double c = usage[Resource.CPU.ordinal()];
            if (!Double.isNaN(c)) {
                cpu.add(c, 1.0, t);
            }
            double m = usage[Resource.MEMORY.ordinal()];
            if (!Double.isNaN(m)) {
                mem.add(m, 1.0, t);
            }
        }
    }
}
