package io.foresight.core.engine;

import io.foresight.core.cost.PriceBook;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.model.UserProfile;
import io.foresight.core.policy.PolicyContext;
import io.foresight.core.policy.PolicyFacts;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Everything pool-wide a policy check of one cycle knows, computed the same way by the loop and by
 * {@code evaluate}: the decision time, what each team of the whole pool runs at now (from every user's
 * allocation in force, not one shard's) and has spent today, the operator's freeze, users whose usage
 * was flagged anomalous in the previous interval, and users whose source stopped reporting (held).
 */
public record PoolFacts(String pool, long at, Map<String, Double> teamCostPerHour, Map<String, Double> teamCostToday,
                        boolean operatorFreeze, Set<String> anomalousUsers, Set<String> staleUsers) {
    public PoolFacts {
        Objects.requireNonNull(pool, "pool");
        teamCostPerHour = Map.copyOf(teamCostPerHour);
        teamCostToday = Map.copyOf(teamCostToday);
        anomalousUsers = Set.copyOf(anomalousUsers);
        staleUsers = Set.copyOf(staleUsers);
    }

    /**
     * @param inForce  every user of the pool with the allocation in force (NaN entries cost nothing)
     * @param profiles who each user is (team)
     * @param ledger   spend so far today
     */
    public static PoolFacts compute(String pool, long at, Map<String, ResourceVector> inForce,
                                    Function<String, UserProfile> profiles, PriceBook prices, TeamLedger ledger,
                                    boolean operatorFreeze, Set<String> anomalousUsers, Set<String> staleUsers) {
        return new PoolFacts(pool, at, teamCostPerHour(inForce, profiles, prices), ledger.today(at), operatorFreeze,
                anomalousUsers, staleUsers);
    }

    /** Cost per hour of the allocations in force, summed per team (on-demand prices). */
    public static Map<String, Double> teamCostPerHour(Map<String, ResourceVector> inForce,
                                                      Function<String, UserProfile> profiles, PriceBook prices) {
        Map<String, Double> out = new TreeMap<>();
        inForce.forEach((user, a) -> out.merge(profiles.apply(user).team(), CycleEngine.costPerHour(prices, a, false),
                Double::sum));
        return out;
    }

    public PolicyContext context() {
        return new PolicyContext(pool, at, teamCostPerHour, operatorFreeze);
    }

    public PolicyFacts policyFacts() {
        return new PolicyFacts(anomalousUsers, teamCostToday);
    }
}
