package io.foresight.core.audit;

import io.foresight.core.alloc.AllocationMode;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.policy.DecisionOutcome;
import java.util.List;
import java.util.Objects;

/**
 * The audit record of one user's decision in one cycle: what the forecast said (peak, model version),
 * what the planner proposed, what policy decided and why (rules fired, messages), the cost change,
 * the mode and whether the change was applied. One JSON line each in the {@link DecisionLog}.
 */
public record DecisionRecord(String pool, long cycle, long at, String user, ResourceVector forecastPeak, String model,
                             ResourceVector current, ResourceVector proposed, DecisionOutcome outcome,
                             ResourceVector allowed, boolean spot, List<String> firedRules, List<String> messages,
                             double costDeltaPerHour, AllocationMode mode, boolean applied) {
    public DecisionRecord {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(forecastPeak, "forecastPeak");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(current, "current");
        Objects.requireNonNull(proposed, "proposed");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(allowed, "allowed");
        Objects.requireNonNull(mode, "mode");
        firedRules = List.copyOf(firedRules);
        messages = List.copyOf(messages);
    }

    public DecisionRecord withApplied(boolean a) {
        return new DecisionRecord(pool, cycle, at, user, forecastPeak, model, current, proposed, outcome, allowed, spot,
                firedRules, messages, costDeltaPerHour, mode, a);
    }
}
