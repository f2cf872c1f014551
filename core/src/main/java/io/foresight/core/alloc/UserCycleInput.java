package io.foresight.core.alloc;

import io.foresight.core.forecast.Forecast;
import io.foresight.core.model.UserProfile;
import io.foresight.core.plan.Planner;
import java.util.Objects;

/**
 * One user's input to a cycle: profile, the forecast, the planner's per-user state (updated in place)
 * and whether the user asked for real-time service.
 */
public record UserCycleInput(UserProfile profile, Forecast forecast, Planner.State plannerState, boolean realTime) {
    public UserCycleInput {
        Objects.requireNonNull(profile, "profile");
        Objects.requireNonNull(forecast, "forecast");
        Objects.requireNonNull(plannerState, "plannerState");
        if (!profile.user().equals(forecast.user())) {
            throw new IllegalArgumentException("forecast of " + forecast.user() + " given for profile of " + profile.user());
        }
    }
}
