package io.foresight.core.plan;

import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;

/**
 * Planner settings. {@code leadSteps}: provisioning lead time per resource, in steps, so a change
 * is decided that far ahead of the peak it serves. {@code headroom}: fraction added above the
 * forecast's upper bound. {@code scaleDownHoldSteps}: how long demand must stay low before
 * scaling down (hysteresis). {@code deadband}: relative change below which nothing changes.
 * {@code minimum}: floor per resource. {@code levelRatio}: allocations are set on a geometric ladder of levels
 * {@code levelRatio^k} (k integer) per resource, the target rounded up to the next level, so a bound that wanders
 * within one level changes nothing (fewer changes, each a step of at least that ratio); 1 = no ladder.
 * {@code peakHoldSteps}: per resource, the planner does not plan below the user's highest usage of the last that many
 * steps ({@link io.foresight.core.forecast.Forecast#floor}, attached by the engine), so an allocation is released
 * only once the peak that needed it is that old; 0 = off.
 */
public record PlannerConfig(int[] leadSteps, double headroom, int scaleDownHoldSteps, double deadband,
                            ResourceVector minimum, double levelRatio, int[] peakHoldSteps) {
    /** Without a ladder of levels (every target as computed). */
    public PlannerConfig(int[] leadSteps, double headroom, int scaleDownHoldSteps, double deadband, ResourceVector minimum) {
        this(leadSteps, headroom, scaleDownHoldSteps, deadband, minimum, 1.0);
    }

    /** Without a peak hold on any resource. */
    public PlannerConfig(int[] leadSteps, double headroom, int scaleDownHoldSteps, double deadband, ResourceVector minimum,
                         double levelRatio) {
        this(leadSteps, headroom, scaleDownHoldSteps, deadband, minimum, levelRatio, new int[Resource.COUNT]);
    }

    public PlannerConfig {
        if (peakHoldSteps == null || peakHoldSteps.length != Resource.COUNT) {
            throw new IllegalArgumentException("peakHoldSteps needs one value per resource");
        }
        for (int k : peakHoldSteps) {
            if (k < 0) {
                throw new IllegalArgumentException("peakHoldSteps must be >= 0, got " + k);
            }
        }
        peakHoldSteps = peakHoldSteps.clone();
        if (!(levelRatio >= 1 && levelRatio <= 4)) {
            throw new IllegalArgumentException("levelRatio must be in [1, 4] (1 = no ladder), got " + levelRatio);
        }
        if (leadSteps == null || leadSteps.length != Resource.COUNT) {
            throw new IllegalArgumentException("leadSteps needs one value per resource");
        }
        for (int l : leadSteps) {
            if (l < 0) {
                throw new IllegalArgumentException("leadSteps must be >= 0");
            }
        }
        if (headroom < 0 || deadband < 0 || scaleDownHoldSteps < 0) {
            throw new IllegalArgumentException("headroom, deadband and scaleDownHoldSteps must be >= 0");
        }
    }

    public static PlannerConfig defaults() {
        return new PlannerConfig(new int[] {1, 1, 1, 1}, 0.05, 3, 0.05, ResourceVector.of(0.05, 0.0625, 0.01, 0.01));
    }

    /**
     * A config whose lead steps come from provisioning lead times: lead(r) = ceil(leadSeconds[r] / stepSeconds),
     * so capacity is always requested at least the lead time before the step it serves.
     */
    public static PlannerConfig fromLeadTimes(long[] leadSeconds, int stepSeconds, double headroom, int scaleDownHoldSteps,
                                              double deadband, ResourceVector minimum) {
        if (leadSeconds == null || leadSeconds.length != Resource.COUNT) {
            throw new IllegalArgumentException("leadSeconds needs one value per resource");
        }
        if (stepSeconds <= 0) {
            throw new IllegalArgumentException("stepSeconds must be positive, got " + stepSeconds);
        }
        int[] steps = new int[Resource.COUNT];
        for (int i = 0; i < steps.length; i++) {
            if (leadSeconds[i] < 0) {
                throw new IllegalArgumentException("lead time must be >= 0 s, got " + leadSeconds[i]);
            }
            steps[i] = (int) ((leadSeconds[i] + stepSeconds - 1) / stepSeconds);
        }
        return new PlannerConfig(steps, headroom, scaleDownHoldSteps, deadband, minimum);
    }

    /** These settings with another ladder of levels (see {@link #levelRatio()}). */
    public PlannerConfig withLevelRatio(double ratio) {
        return new PlannerConfig(leadSteps, headroom, scaleDownHoldSteps, deadband, minimum, ratio, peakHoldSteps);
    }

    /** These settings with another peak hold per resource (see {@link #peakHoldSteps()}). */
    public PlannerConfig withPeakHold(int[] steps) {
        return new PlannerConfig(leadSteps, headroom, scaleDownHoldSteps, deadband, minimum, levelRatio, steps);
    }

    /** These settings with other lead steps and headroom, everything else kept. */
    public PlannerConfig withLeadAndHeadroom(int[] lead, double headroom) {
        return new PlannerConfig(lead, headroom, scaleDownHoldSteps, deadband, minimum, levelRatio, peakHoldSteps);
    }

    /** Steps of usage whose peak the target of {@code r} is not planned below (0: no hold). */
    public int peakHold(Resource r) {
        return peakHoldSteps[r.ordinal()];
    }

    /**
     * The lowest level of the ladder at or above {@code x} (x itself without a ladder or when not positive): with
     * ratio 1.25, 0.3 becomes 1.25^-5 = 0.328.
     */
    public double level(double x) {
        if (levelRatio == 1.0 || !(x > 0) || Double.isInfinite(x)) {
            return x;
        }
        double k = Math.ceil(Math.log(x) / Math.log(levelRatio) - 1e-9);
        return Math.pow(levelRatio, k);
    }

    public int lead(Resource r) {
        return leadSteps[r.ordinal()];
    }
}
