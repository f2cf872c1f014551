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
    final double[] shortfallUnits = new double[Resource.COUNT];
    /** Allocated and unused resource-hours over the intervals where usage fit the allocation (relative slack). */
    final double[] fitAllocatedHours = new double[Resource.COUNT];
    final double[] fitUnusedHours = new double[Resource.COUNT];
    final double[] slackUnits = new double[Resource.COUNT];
    /** Allocated resource-hours held on spot capacity (priced at spot in {@link #cost}); 0 for the baselines. */
    final double[] spotHours = new double[Resource.COUNT];
    /** Daily-peak intervals scored and covered, and the sum over users of each user's covered share (see {@link #scorePeaks}). */
    final long[] peakIntervals = new long[Resource.COUNT];
    final long[] peakCovered = new long[Resource.COUNT];
    final double[] peakShareSum = new double[Resource.COUNT];
    final long[] peakUsers = new long[Resource.COUNT];
    /** A user-day's peak intervals: its top 1% by usage (at least one). */
    public static final double PEAK_SHARE_OF_DAY = 0.01;
    long changes;
    double userDays;
    long userIntervals;
    long underUserIntervals;

    /**
     * Scores one user-interval on every resource whose usage and allocation are known; the one outcome
     * scorer of the loop's monitor, {@code evaluate} and the demo summary.
     *
     * @return whether the user was under-provisioned on any resource
     */
    public boolean scoreInterval(double[] allocation, double[] usage, double hours) {
        boolean any = false;
        boolean scoredAny = false;
        for (int r = 0; r < Resource.COUNT; r++) {
            if (!Double.isNaN(usage[r]) && !Double.isNaN(allocation[r])) {
                scoredAny = true;
                any |= score(r, allocation[r], usage[r], hours);
            }
        }
        if (scoredAny) {
            userIntervals++;
            if (any) {
                underUserIntervals++;
            }
        }
        return any;
    }

    boolean score(int r, double allocation, double usage, double hours) {
        scored[r]++;
        shortfallUnits[r] += Math.max(0, usage - allocation);
        slackUnits[r] += Math.max(0, allocation - usage);
        allocatedHours[r] += allocation * hours;
        usedHours[r] += usage * hours;
        if (!exceeds(usage, allocation)) {
            fitAllocatedHours[r] += allocation * hours;
            fitUnusedHours[r] += (allocation - Math.max(0, usage)) * hours;
        }
        if (exceeds(usage, allocation)) {
            under[r]++;
            shortfall[r] += usage > 0 ? (usage - allocation) / usage : 0;
            return true;
        }
        return false;
    }

    /** Usage above the allocation, beyond rounding: the one definition of an under-provisioned interval. */
    static boolean exceeds(double usage, double allocation) {
        return usage > allocation * (1 + 1e-9) + 1e-12;
    }

    /**
     * Scores whether one user's daily peaks were covered: for each UTC day of {@code [from, to)}, the intervals
     * with the top {@link #PEAK_SHARE_OF_DAY} of the day's observed usage of {@code r} (at least one; ties to the
     * earlier interval) count as peaks, covered when the allocation in force was at least the usage. Reading the
     * whole day is scoring after the fact, not a decision. Call once per user and resource.
     *
     * @param timestamps the series' interval starts (Unix seconds)
     * @param usage      the series' usage of {@code r} (NaN: not observed)
     * @param allocation the allocation of {@code r} in force at each index (same indexing)
     */
    public void scorePeaks(Resource r, long[] timestamps, double[] usage, double[] allocation, int from, int to) {
        int k = r.ordinal();
        long peaks = 0;
        long covered = 0;
        int i = from;
        while (i < to) {
            long day = Math.floorDiv(timestamps[i], 86_400L);
            int end = i;
            while (end < to && Math.floorDiv(timestamps[end], 86_400L) == day) {
                end++;
            }
            java.util.List<Integer> seen = new java.util.ArrayList<>();
            for (int j = i; j < end; j++) {
                if (!Double.isNaN(usage[j]) && !Double.isNaN(allocation[j])) {
                    seen.add(j);
                }
            }
            if (!seen.isEmpty()) {
                seen.sort((a, b) -> Double.compare(usage[b], usage[a]) != 0 ? Double.compare(usage[b], usage[a])
                        : Integer.compare(a, b));
                int top = Math.max(1, (int) Math.ceil(PEAK_SHARE_OF_DAY * seen.size() - 1e-9));
                for (int q = 0; q < top; q++) {
                    int j = seen.get(q);
                    peaks++;
                    if (!exceeds(usage[j], allocation[j])) {
                        covered++;
                    }
                }
            }
            i = end;
        }
        if (peaks > 0) {
            peakIntervals[k] += peaks;
            peakCovered[k] += covered;
            peakShareSum[k] += covered / (double) peaks;
            peakUsers[k]++;
        }
    }

    /** Mean over users of the share of their daily-peak intervals of {@code r} that were covered (NaN: none scored). */
    public double peakCoverage(Resource r) {
        int k = r.ordinal();
        return peakUsers[k] == 0 ? Double.NaN : peakShareSum[k] / peakUsers[k];
    }

    /** Daily-peak intervals of {@code r} scored over all users. */
    public long peakIntervals(Resource r) {
        return peakIntervals[r.ordinal()];
    }

    /** Counts one change of allocation. */
    public void changed() {
        changes++;
    }

    /** User-intervals with at least one resource scored, and those under-provisioned on any resource. */
    public long userIntervals() { return userIntervals; }
    public long underUserIntervals() { return underUserIntervals; }

    /** Sum of (usage - allocation) where positive, in the resource's units (cores, GiB, MB/s). */
    public double shortfallUnits(Resource r) { return shortfallUnits[r.ordinal()]; }
    /** Sum of (allocation - usage) where positive, in the resource's units. */
    public double slackUnits(Resource r) { return slackUnits[r.ordinal()]; }

    public void merge(PolicyMetrics o) {
        for (int r = 0; r < Resource.COUNT; r++) {
            scored[r] += o.scored[r];
            under[r] += o.under[r];
            shortfall[r] += o.shortfall[r];
            allocatedHours[r] += o.allocatedHours[r];
            usedHours[r] += o.usedHours[r];
            shortfallUnits[r] += o.shortfallUnits[r];
            slackUnits[r] += o.slackUnits[r];
            fitAllocatedHours[r] += o.fitAllocatedHours[r];
            fitUnusedHours[r] += o.fitUnusedHours[r];
            spotHours[r] += o.spotHours[r];
            peakIntervals[r] += o.peakIntervals[r];
            peakCovered[r] += o.peakCovered[r];
            peakShareSum[r] += o.peakShareSum[r];
            peakUsers[r] += o.peakUsers[r];
        }
        userIntervals += o.userIntervals;
        underUserIntervals += o.underUserIntervals;
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

    /**
     * Relative slack as Autopilot defines it (Rzadca et al., EuroSys 2020): the allocation not used, as a share of
     * the allocation, sum(allocation - usage) / sum(allocation). Under Borg's limits usage never exceeds the
     * allocation, so the paper's slack is never negative; in a replayed trace it can, and an interval above its
     * allocation is a shortage (counted by {@link #underprovisionedFraction}), not negative waste: those intervals
     * are left out here, so slack stays in [0, 1].
     */
    public double slack(Resource r) {
        double a = fitAllocatedHours[r.ordinal()];
        return a == 0 ? Double.NaN : fitUnusedHours[r.ordinal()] / a;
    }

    /** Scored intervals of {@code r} with usage above the allocation. */
    public long underprovisioned(Resource r) {
        return under[r.ordinal()];
    }

    public double allocatedHours(Resource r) { return allocatedHours[r.ordinal()]; }
    public double usedHours(Resource r) { return usedHours[r.ordinal()]; }

    /** Records that an interval's allocation was held on spot capacity (scored with {@link #scoreInterval} too). */
    public void onSpot(double[] allocation, double hours) {
        for (int r = 0; r < Resource.COUNT; r++) {
            if (!Double.isNaN(allocation[r])) {
                spotHours[r] += allocation[r] * hours;
            }
        }
    }

    public double spotHours(Resource r) { return spotHours[r.ordinal()]; }

    /** Cost of the allocated resource-hours of {@code r}: on-demand, the hours held on spot at the spot price. */
    public double cost(Resource r, PriceBook prices) {
        int i = r.ordinal();
        return (allocatedHours[i] - spotHours[i]) * prices.onDemandPerHour().get(r) + spotHours[i] * prices.spotPerHour().get(r);
    }

    /** What the same allocations would have cost all on-demand. */
    public double onDemandCost(PriceBook prices) {
        double c = 0;
        for (Resource r : Resource.values()) {
            c += allocatedHours[r.ordinal()] * prices.onDemandPerHour().get(r);
        }
        return c;
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
