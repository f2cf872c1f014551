package io.foresight.core.policy;

import java.util.Map;
import java.util.Objects;

/**
 * Pool-wide facts for one policy check: the pool, the decision time (Unix seconds, UTC), the cost
 * per hour each team is already running at, and whether a freeze is declared by the operator.
 */
public record PolicyContext(String pool, long at, Map<String, Double> teamCostPerHour, boolean operatorFreeze) {
    public PolicyContext {
        Objects.requireNonNull(pool, "pool");
        teamCostPerHour = Map.copyOf(teamCostPerHour);
    }
}
