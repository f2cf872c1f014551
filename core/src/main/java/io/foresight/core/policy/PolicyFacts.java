package io.foresight.core.policy;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Facts for a policy check beyond {@link PolicyContext}: users whose usage was flagged anomalous (a
 * safety scale-up may exceed the step limit) and what each team has already spent today (USD), for
 * daily budgets.
 */
public record PolicyFacts(Set<String> anomalousUsers, Map<String, Double> teamCostToday) {
    public static final PolicyFacts NONE = new PolicyFacts(Set.of(), Map.of());

    public PolicyFacts {
        anomalousUsers = Set.copyOf(Objects.requireNonNull(anomalousUsers, "anomalousUsers"));
        teamCostToday = Map.copyOf(Objects.requireNonNull(teamCostToday, "teamCostToday"));
    }
}
