package io.foresight.core.engine;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What each team of a pool has spent so far today (USD, UTC day), for daily budgets. Both drivers add
 * every interval's cost of the allocations in force, so the policy facts see the same spend. A plain
 * value (day + totals) so the loop can persist it with its state.
 *
 * @param day    the UTC day (epoch day) the totals are for
 * @param spent  USD per team spent on that day
 */
public record TeamLedger(long day, Map<String, Double> spent) {
    public static final TeamLedger EMPTY = new TeamLedger(Long.MIN_VALUE, Map.of());

    public TeamLedger {
        spent = Map.copyOf(Objects.requireNonNull(spent, "spent"));
    }

    /** The totals that apply at {@code at} (Unix s): none if a new day began. */
    public Map<String, Double> today(long at) {
        return Math.floorDiv(at, 86400L) == day ? spent : Map.of();
    }

    /**
     * Adds the interval starting at {@code at}: each team's cost per hour times the interval's length.
     * A new UTC day starts from zero.
     */
    public TeamLedger add(long at, int stepSeconds, Map<String, Double> teamCostPerHour) {
        long d = Math.floorDiv(at, 86400L);
        Map<String, Double> next = new TreeMap<>(d == day ? spent : Map.of());
        double hours = stepSeconds / 3600.0;
        teamCostPerHour.forEach((team, perHour) -> next.merge(team, perHour * hours, Double::sum));
        return new TeamLedger(d, next);
    }
}
