package io.foresight.core.monitor;

import io.foresight.core.model.Pattern;

/**
 * Rolling outcome summary of one user, in constant memory: lifetime counts plus exponentially weighted
 * means over about {@code window} intervals (weight 2/(window+1), like an EMA of that span).
 *
 * @param intervals        intervals observed in total
 * @param underProvisioned intervals with a shortfall on any resource, in total
 * @param costDollars      allocation cost in total
 * @param underRate        recent share of intervals that were under-provisioned
 * @param shortfall        recent mean of the deepest relative shortfall (0 when none)
 * @param cpuSlack         recent mean CPU slack ratio
 * @param memorySlack      recent mean memory slack ratio
 * @param cpuAbsError      recent mean absolute CPU forecast error (cores; NaN before any forecast)
 */
public record UserSummary(String user, Pattern pattern, long lastAt, long intervals, long underProvisioned,
                          double costDollars, double underRate, double shortfall, double cpuSlack,
                          double memorySlack, double cpuAbsError) {
}
