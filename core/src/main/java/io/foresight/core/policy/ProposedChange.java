package io.foresight.core.policy;

import io.foresight.core.model.Pattern;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.model.Tier;
import java.util.Objects;

/** A change the planner wants to make, as the policy engine sees it. */
public record ProposedChange(String user, String team, Tier tier, Pattern pattern,
                             ResourceVector current, ResourceVector proposed, ResourceVector forecastPeak,
                             String model, boolean spotRequested, double costDeltaPerHour) {
    public ProposedChange {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(team, "team");
        Objects.requireNonNull(tier, "tier");
        Objects.requireNonNull(pattern, "pattern");
        Objects.requireNonNull(current, "current");
        Objects.requireNonNull(proposed, "proposed");
        Objects.requireNonNull(forecastPeak, "forecastPeak");
        Objects.requireNonNull(model, "model");
    }
}
