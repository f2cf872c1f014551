package io.foresight.core.features;

import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;

/**
 * Names a behaviour profile (a user's, or a cluster centroid in original units) by documented
 * rules, checked in this order (docs/features.md):
 * <ol>
 *   <li>IDLE: CPU p95 below {@value #IDLE_CPU_P95} cores and memory mean below {@value #IDLE_MEM} GiB;</li>
 *   <li>DATA_ANALYSIS: memory mean at least {@value #BIG_MEMORY} GiB (large footprint);</li>
 *   <li>STEADY_SERVICE: CPU active in at least {@value #STEADY_ACTIVE} of hours and burstiness below
 *       {@value #STEADY_BURSTINESS} (σ well under μ: flat load around the clock);</li>
 *   <li>BATCH: CPU mean at least {@value #BATCH_CPU_MEAN} cores (long heavy runs);</li>
 *   <li>INTERACTIVE_DEV: everything else (short bursts, idle between).</li>
 * </ol>
 */
public final class PatternRules {
    public static final double IDLE_CPU_P95 = 0.2;
    public static final double IDLE_MEM = 0.5;
    public static final double BIG_MEMORY = 16;
    public static final double STEADY_ACTIVE = 0.8;
    public static final double STEADY_BURSTINESS = -0.5;
    public static final double BATCH_CPU_MEAN = 1.0;

    private PatternRules() {}

    public static Pattern name(FeatureVector v) {
        if (v.get(Resource.CPU, "p95") < IDLE_CPU_P95 && v.get(Resource.MEMORY, "mean") < IDLE_MEM) {
            return Pattern.IDLE;
        }
        if (v.get(Resource.MEMORY, "mean") >= BIG_MEMORY) {
            return Pattern.DATA_ANALYSIS;
        }
        if (v.get(Resource.CPU, "active") >= STEADY_ACTIVE && v.get(Resource.CPU, "burstiness") < STEADY_BURSTINESS) {
            return Pattern.STEADY_SERVICE;
        }
        if (v.get(Resource.CPU, "mean") >= BATCH_CPU_MEAN) {
            return Pattern.BATCH;
        }
        return Pattern.INTERACTIVE_DEV;
    }
}
