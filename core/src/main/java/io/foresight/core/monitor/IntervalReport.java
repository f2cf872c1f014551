package io.foresight.core.monitor;

import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Pool aggregates of one interval, the unit exported to Prometheus: counts, means and a bounded top-k,
 * never one value per user (per-user detail is in {@link #outcomes()}, for the outcome log).
 *
 * @param observed          per resource: users whose usage was observed
 * @param underProvisioned  per resource: users whose usage exceeded their allocation
 * @param meanShortfall     per resource: mean relative shortfall over the under-provisioned users (0 if none)
 * @param meanSlack         per resource: mean slack ratio over the observed users with an allocation
 * @param costDollars       allocation cost of the interval, summed over the pool
 * @param forecastAbsError  per model, per resource: mean absolute error of the point forecast
 * @param forecastCoverage  per model, per resource: share of users whose usage stayed under the upper bound
 * @param top               up to k users with the deepest shortfall, rank 1 first
 */
public record IntervalReport(String pool, long at, int users, Map<Pattern, Integer> usersByPattern,
                             Map<Resource, Integer> observed, Map<Resource, Integer> underProvisioned,
                             Map<Resource, Double> meanShortfall, Map<Resource, Double> meanSlack,
                             double costDollars, Map<String, Map<Resource, Double>> forecastAbsError,
                             Map<String, Map<Resource, Double>> forecastCoverage, List<TopShortfall> top,
                             List<UserOutcome> outcomes) {
    public IntervalReport {
        Objects.requireNonNull(pool, "pool");
        usersByPattern = Map.copyOf(usersByPattern);
        observed = Map.copyOf(observed);
        underProvisioned = Map.copyOf(underProvisioned);
        meanShortfall = Map.copyOf(meanShortfall);
        meanSlack = Map.copyOf(meanSlack);
        forecastAbsError = Map.copyOf(forecastAbsError);
        forecastCoverage = Map.copyOf(forecastCoverage);
        top = List.copyOf(top);
        outcomes = List.copyOf(outcomes);
    }

    /** Users under-provisioned on at least one resource. */
    public long underProvisionedUsers() {
        return outcomes.stream().filter(UserOutcome::underProvisioned).count();
    }
}
