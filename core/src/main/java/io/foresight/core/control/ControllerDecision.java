package io.foresight.core.control;

import io.foresight.core.forecast.Forecast;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.plan.PlannedAllocation;
import io.foresight.core.policy.PolicyDecision;
import java.util.Objects;
import java.util.Optional;

/**
 * One control decision for one user: the allocation to hold from the decision's interval on, the
 * forecast and plan it came from, and the policy verdict (absent when the plan changed nothing, so
 * nothing was proposed).
 */
public record ControllerDecision(ResourceVector allocation, Forecast forecast, PlannedAllocation plan,
                                 Optional<PolicyDecision> policy) {
    public ControllerDecision {
        Objects.requireNonNull(allocation, "allocation");
        Objects.requireNonNull(forecast, "forecast");
        Objects.requireNonNull(plan, "plan");
        Objects.requireNonNull(policy, "policy");
    }

    /** True if a change was proposed and the policy let it (possibly adjusted) through. */
    public boolean changed() {
        return policy.map(PolicyDecision::applies).orElse(false);
    }
}
