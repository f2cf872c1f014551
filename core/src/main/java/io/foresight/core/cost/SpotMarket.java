package io.foresight.core.cost;

import java.util.SplittableRandom;

/**
 * Spot capacity as {@code evaluate} simulates it: each interval a user holds spot capacity it is reclaimed with a
 * fixed probability (a seeded process, the same for every run and thread: the draw depends only on the seed, the
 * user and the interval's time). An interrupted user has no capacity until the on-demand fallback arrives,
 * {@code fallbackSteps} intervals later (the provisioning lead time, at least one interval), and stays on-demand
 * until a later decision moves it back to spot.
 *
 * <p>Default rate: 10% of instances interrupted per month, the upper edge of the "5-10%" bucket of the AWS Spot
 * Instance Advisor's "frequency of interruption" (share of instances reclaimed over the trailing month; the
 * lowest bucket is "&lt;5%", the highest "&gt;20%").
 *
 * @param interruptionsPerMonth probability that one instance held for a 30-day month is reclaimed in it
 */
public record SpotMarket(double interruptionsPerMonth, int fallbackSteps, long seed) {
    public static final double AWS_ADVISOR_5_TO_10_PERCENT = 0.10;

    public SpotMarket {
        if (!(interruptionsPerMonth >= 0 && interruptionsPerMonth <= 1) || fallbackSteps < 1) {
            throw new IllegalArgumentException("interruptionsPerMonth must be in [0,1] and fallbackSteps >= 1, got "
                    + interruptionsPerMonth + ", " + fallbackSteps);
        }
    }

    public static SpotMarket defaults(int fallbackSteps) {
        return new SpotMarket(AWS_ADVISOR_5_TO_10_PERCENT, Math.max(1, fallbackSteps), 20130801L);
    }

    /** Probability that spot capacity held for one interval of {@code stepSeconds} is reclaimed in it. */
    public double perInterval(int stepSeconds) {
        double month = 30 * 86400.0;
        // survival over a month = (1 - p)^(month/step) = 1 - rate
        return 1 - Math.pow(1 - interruptionsPerMonth, stepSeconds / month);
    }

    /** Whether the spot instance {@code instance} is reclaimed in the interval starting at {@code at}. */
    public boolean interrupted(String instance, long at, int stepSeconds) {
        long mix = seed * 0x9E3779B97F4A7C15L ^ (long) instance.hashCode() * 0xC2B2AE3D27D4EB4FL ^ at;
        return new SplittableRandom(mix).nextDouble() < perInterval(stepSeconds);
    }

    /**
     * The spot nodes of {@code nodes} reclaimed in the interval starting at {@code at}: each spot node (an instance,
     * the unit the documented rate counts) is drawn once. Every user placed on a reclaimed node loses its capacity.
     */
    public java.util.List<io.foresight.core.plan.CapacityPlanner.Node> reclaimed(
            io.foresight.core.plan.CapacityPlanner.Plan nodes, long at, int stepSeconds) {
        return nodes.nodes().stream().filter(n -> n.spot() && interrupted(n.id(), at, stepSeconds)).toList();
    }
}
