package io.foresight.core.policy;

/** What the policy engine did with a proposed change. */
public enum DecisionOutcome {
    APPROVED,
    ADJUSTED,
    DENIED,
    WAITING_APPROVAL
}
