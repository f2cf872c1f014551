package io.foresight.core.monitor;

import io.foresight.core.model.Pattern;
import io.foresight.core.model.ResourceVector;
import java.util.Objects;

/**
 * What happened to one user in one interval: the usage observed, the allocation that was in force, and
 * (when there was one) the forecast that allocation was planned from. {@code forecastPoint},
 * {@code forecastUpper} and {@code model} are null when no forecast covered the interval (e.g. a new user).
 * NaN usage means "not observed" and is skipped.
 */
public record UserInterval(String user, Pattern pattern, ResourceVector usage, ResourceVector allocation,
                           ResourceVector forecastPoint, ResourceVector forecastUpper, String model, boolean spot) {
    public UserInterval {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(pattern, "pattern (use Pattern.UNKNOWN when not classified)");
        Objects.requireNonNull(usage, "usage");
        Objects.requireNonNull(allocation, "allocation");
        if ((forecastPoint == null) != (model == null)) {
            throw new IllegalArgumentException("user " + user + ": a forecast needs its model name and vice versa");
        }
    }

    /** An interval without a forecast (nothing to score the model on). */
    public static UserInterval withoutForecast(String user, Pattern pattern, ResourceVector usage, ResourceVector allocation) {
        return new UserInterval(user, pattern, usage, allocation, null, null, null, false);
    }
}
