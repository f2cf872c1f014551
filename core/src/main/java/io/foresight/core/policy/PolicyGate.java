package io.foresight.core.policy;

import java.util.List;

/**
 * Checks proposed changes against policy (limits, budgets, step limits, freeze windows, spot
 * eligibility, approvals). The production implementation runs Drools rules; the evaluation harness
 * uses the same gate so its numbers come from the code the loop runs.
 */
public interface PolicyGate {
    /**
     * @param context pool-wide facts (time, budgets spent, freeze state)
     * @param changes the proposals of one cycle
     * @return one decision per proposal, in the same order
     */
    List<PolicyDecision> check(PolicyContext context, List<ProposedChange> changes);

    /** As {@link #check(PolicyContext, List)} with anomaly flags and spend so far; gates that ignore them may not override. */
    default List<PolicyDecision> check(PolicyContext context, List<ProposedChange> changes, PolicyFacts facts) {
        return check(context, changes);
    }

    /** A gate that approves everything unchanged; for tests and for runs without policies. */
    PolicyGate PERMISSIVE = (ctx, changes) -> changes.stream()
            .map(c -> new PolicyDecision(c.user(), DecisionOutcome.APPROVED, c.proposed(), c.spotRequested(),
                    List.of(), List.of(), c.costDeltaPerHour()))
            .toList();
}
