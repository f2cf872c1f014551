package io.foresight.core.monitor;

import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.plan.PlannedAllocation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Detects metric sources that stopped reporting and keeps the loop from reading silence as "no demand":
 * a user any of whose sources is older than {@code maxAgeIntervals} steps (or never reported) is held,
 * meaning the controller may scale up but never down until fresh data arrives.
 */
public final class StalenessGuard {
    /** One source of one user that is overdue. {@code lastSeen} is -1 when it never reported. */
    public record StaleSource(String user, String source, long lastSeen, double ageIntervals) {}

    /**
     * @param held  users whose allocations must not shrink this cycle
     * @param stale every overdue source, oldest first
     */
    public record Report(long now, int usersChecked, Set<String> held, List<StaleSource> stale) {
        public Report {
            held = Set.copyOf(held);
            stale = List.copyOf(stale);
        }

        public boolean mustHold(String user) {
            return held.contains(user);
        }

        /** One line for logs and the CLI. */
        public String summary() {
            return held.isEmpty() ? "all " + usersChecked + " users fresh"
                    : held.size() + " of " + usersChecked + " users held (stale metrics): " + stale.size() + " stale sources";
        }
    }

    private final int stepSeconds;
    private final int maxAgeIntervals;

    /** @param maxAgeIntervals a source is stale once its last sample is more than this many steps old */
    public StalenessGuard(int stepSeconds, int maxAgeIntervals) {
        if (stepSeconds <= 0 || maxAgeIntervals <= 0) {
            throw new IllegalArgumentException("stepSeconds and maxAgeIntervals must be positive, got "
                    + stepSeconds + ", " + maxAgeIntervals);
        }
        this.stepSeconds = stepSeconds;
        this.maxAgeIntervals = maxAgeIntervals;
    }

    /**
     * @param now      decision time, Unix seconds
     * @param lastSeen per user, per source (e.g. "cpu", "memory", "collector-node-3"): the start of the last
     *                 interval received, Unix seconds; a source missing from a user's map never reported
     * @param expected sources every user must have (may be empty)
     */
    public Report check(long now, Map<String, Map<String, Long>> lastSeen, Set<String> expected) {
        Objects.requireNonNull(lastSeen, "lastSeen");
        Objects.requireNonNull(expected, "expected");
        Set<String> held = new TreeSet<>();
        List<StaleSource> stale = new ArrayList<>();
        for (var u : lastSeen.entrySet()) {
            Map<String, Long> sources = u.getValue() == null ? Map.of() : u.getValue();
            Set<String> names = new TreeSet<>(expected);
            names.addAll(sources.keySet());
            for (String s : names) {
                Long t = sources.get(s);
                if (t == null) {
                    stale.add(new StaleSource(u.getKey(), s, -1, Double.POSITIVE_INFINITY));
                    held.add(u.getKey());
                    continue;
                }
                double age = (now - t) / (double) stepSeconds;
                if (age > maxAgeIntervals) {
                    stale.add(new StaleSource(u.getKey(), s, t, age));
                    held.add(u.getKey());
                }
            }
        }
        stale.sort(Comparator.comparingDouble(StaleSource::ageIntervals).reversed()
                .thenComparing(StaleSource::user).thenComparing(StaleSource::source));
        return new Report(now, lastSeen.size(), held, stale);
    }

    /**
     * Applies the hold to a planned allocation: where the user is held, no resource goes below its current
     * allocation (scale-ups still pass). Returns the plan unchanged for a fresh user.
     */
    public static PlannedAllocation hold(PlannedAllocation plan, Report report) {
        Objects.requireNonNull(plan, "plan");
        if (!report.mustHold(plan.user())) {
            return plan;
        }
        double[] t = new double[Resource.COUNT];
        boolean changed = false;
        for (Resource r : Resource.values()) {
            double cur = plan.current().get(r);
            double want = plan.target().get(r);
            t[r.ordinal()] = !Double.isNaN(cur) && (Double.isNaN(want) || want < cur) ? cur : want;
            changed |= Double.compare(t[r.ordinal()], want) != 0;
        }
        if (!changed) {
            return plan;
        }
        return new PlannedAllocation(plan.user(), plan.effectiveAt(), plan.current(), ResourceVector.of(t),
                plan.forecastPeak(), plan.model(), plan.reason() + "; held: stale metrics, no scale-down");
    }
}
