package io.foresight.core.policy;

import io.foresight.core.model.ResourceVector;
import java.util.List;
import java.util.Objects;

/**
 * The verdict on one proposed change: the allocation that may be applied, the outcome, the names
 * of the rules that fired (the audit trail), their messages, and the cost change per hour.
 */
public record PolicyDecision(String user, DecisionOutcome outcome, ResourceVector allowed, boolean spot,
                             List<String> firedRules, List<String> messages, double costDeltaPerHour) {
    public PolicyDecision {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(allowed, "allowed");
        firedRules = List.copyOf(firedRules);
        messages = List.copyOf(messages);
    }

    public boolean applies() {
        return outcome == DecisionOutcome.APPROVED || outcome == DecisionOutcome.ADJUSTED;
    }
}
