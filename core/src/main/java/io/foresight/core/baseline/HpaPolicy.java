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
 * The Kubernetes Horizontal Pod Autoscaler (kubernetes/kubernetes pkg/controller/podautoscaler),
 * one deployment per user. A replica is a fixed pod: 1 core (the trace's per-core size) and the
 * user's provisioned memory per core. Metrics are CPU and memory utilisation of the requests;
 * for each, desired = ceil(current x utilisation / target) unless |utilisation/target - 1| is within
 * the tolerance (0.1); the deployment takes the largest desired count over the metrics. Scale-down is
 * stabilised: the applied count is the maximum recommendation of the last 5 minutes (recommendations
 * at or after now - window, as the controller's cutoff does). Scale-up is not limited here because
 * the default scale-up policy (max of +100% and +4 pods per 15 s) allows at least a 2^20-fold
 * increase over one 5-minute step. Minimum 1 replica; the starting count is the provisioned cores.
 * The default target is 80% CPU utilisation (autoscaling/v1 default policy). Network and disk are
 * not scaled by the HPA: they get the static allocation.
 */
public final class HpaPolicy implements AllocationPolicy {
    public static final double DEFAULT_TARGET = 0.8;
    public static final double TOLERANCE = 0.1;
    public static final long STABILIZATION_S = 300;

    private final double target;
    private final StaticPolicy fallback;

    public HpaPolicy(double targetUtilization, StaticPolicy fallback) {
        if (!(targetUtilization > 0 && targetUtilization <= 1)) {
            throw new IllegalArgumentException("HPA target utilisation must be in (0,1], got " + targetUtilization);
        }
        this.target = targetUtilization;
        this.fallback = Objects.requireNonNull(fallback, "fallback");
    }

    @Override
    public String name() {
        return "hpa";
    }

    @Override
    public Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("target_utilization", target);
        p.put("tolerance", TOLERANCE);
        p.put("scale_down_stabilization_seconds", STABILIZATION_S);
        p.put("metrics", "cpu and memory utilisation of requests");
        p.put("replica", "1 core + provisioned memory per core of the user");
        p.put("min_replicas", 1);
        p.put("network_disk", "static");
        return p;
    }

    @Override
    public UserAllocator start(UserSeries test) {
        return new Allocator(test, fallback.start(test), target);
    }

    static final class Allocator implements UserAllocator {
        private final UserSeries s;
        private final UserAllocator staticPart;
        private final double target;
        private final ArrayDeque<long[]> recommendations = new ArrayDeque<>(); // {timestamp, replicas}
        private double podMemory = Double.NaN;
        private int replicas = -1;
        private double lastCpu = Double.NaN;
        private double lastMem = Double.NaN;

        Allocator(UserSeries s, UserAllocator staticPart, double target) {
            this.s = s;
            this.staticPart = staticPart;
            this.target = target;
        }

        int replicas() {
            return replicas;
        }

        @Override
        public double[] allocate(int i) {
            double[] out = staticPart.allocate(i);
            if (replicas < 0) {
                double cores = out[Resource.CPU.ordinal()];
                double mem = out[Resource.MEMORY.ordinal()];
                replicas = Math.max(1, (int) Math.round(cores));
                podMemory = mem / replicas;
            } else {
                int desired = desired();
                long now = s.timestamp(i);
                recommendations.addLast(new long[] {now, desired});
                long cutoff = now - STABILIZATION_S;
                while (!recommendations.isEmpty() && recommendations.peekFirst()[0] < cutoff) {
                    recommendations.pollFirst();
                }
                int stabilized = desired;
                for (long[] r : recommendations) {
                    stabilized = (int) Math.max(stabilized, r[1]);
                }
                replicas = Math.max(1, stabilized);
            }
            out[Resource.CPU.ordinal()] = replicas;
            out[Resource.MEMORY.ordinal()] = replicas * podMemory;
            return out;
        }

        /** The replica count the metrics of the last observed interval ask for. */
        int desired() {
            int d = -1;
            double[] util = {lastCpu / replicas, lastMem / (replicas * podMemory)};
            for (double u : util) {
                if (Double.isNaN(u) || Double.isInfinite(u)) {
                    continue; // missing metric: it does not vote
                }
                double ratio = u / target;
                int want = Math.abs(ratio - 1) <= TOLERANCE ? replicas : (int) Math.ceil(ratio * replicas - 1e-9);
                d = Math.max(d, want);
            }
            return d < 0 ? replicas : Math.max(1, d);
        }

        @Override
        public void observe(int i, double[] usage) {
            staticPart.observe(i, usage);
            lastCpu = usage[Resource.CPU.ordinal()];
            lastMem = usage[Resource.MEMORY.ordinal()];
        }
    }
}
