package io.foresight.core.eval;

import io.foresight.core.cost.PriceBook;
import io.foresight.core.model.Resource;

/**
 * Running totals of one policy over many users: per resource, scored user-intervals,
 * under-provisioned ones and their relative shortfall, allocated and used resource-hours (for
 * cost and slack), plus allocation changes and user-days. Not thread-safe: one per user, merged.
 */
public final class PolicyMetrics {
    final long[] scored = new long[Resource.COUNT];
    final long[] under = new long[Resource.COUNT];
    final double[] shortfall = new double[Resource.COUNT];
    final double[] allocatedHours = new double[Resource.COUNT];
    final double[] usedHours = new double[Resource.COUNT];
    long changes;
    double userDays;

    void score(int r, double allocation, double usage, double hours) {
        scored[r]++;
        allocatedHours[r] += allocation * hours;
        usedHours[r] += usage * hours;
        if (usage > allocation * (1 + 1e-9) + 1e-12) {
            under[r]++;
            shortfall[r] += usage > 0 ? (usage - allocation) / usage : 0;
        }
    }

    void merge(PolicyMetrics o) {
        for (int r = 0; r < Resource.COUNT; r++) {
            scored[r] += o.scored[r];
            under[r] += o.under[r];
            shortfall[r] += o.shortfall[r];
            allocatedHours[r] += o.allocatedHours[r];
            usedHours[r] += o.usedHours[r];
        }
        changes += o.changes;
        userDays += o.userDays;
    }

    public long scored(Resource r) { return scored[r.ordinal()]; }

    /** Fraction of scored user-intervals where usage exceeded the allocation. */
    public double underprovisionedFraction(Resource r) {
        return scored[r.ordinal()] == 0 ? Double.NaN : under[r.ordinal()] / (double) scored[r.ordinal()];
    }

    /** Mean of (usage - allocation) / usage over the under-provisioned intervals. */
    public double meanShortfall(Resource r) {
        return under[r.ordinal()] == 0 ? 0 : shortfall[r.ordinal()] / under[r.ordinal()];
    }

    /** Relative slack as Autopilot defines it: sum(allocated - used) / sum(allocated). */
    public double slack(Resource r) {
        double a = allocatedHours[r.ordinal()];
        return a == 0 ? Double.NaN : (a - usedHours[r.ordinal()]) / a;
    }

    public double allocatedHours(Resource r) { return allocatedHours[r.ordinal()]; }
    public double usedHours(Resource r) { return usedHours[r.ordinal()]; }

    /** On-demand cost of the allocated resource-hours of {@code r}. */
    public double cost(Resource r, PriceBook prices) {
        return allocatedHours[r.ordinal()] * prices.onDemandPerHour().get(r);
    }

    public double cost(PriceBook prices) {
        double c = 0;
        for (Resource r : Resource.values()) {
            c += cost(r, prices);
        }
        return c;
    }

    public double changesPerUserDay() {
        return userDays == 0 ? 0 : changes / userDays;
    }
}
