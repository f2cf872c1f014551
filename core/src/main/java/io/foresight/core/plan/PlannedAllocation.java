package io.foresight.core.plan;

import io.foresight.core.model.ResourceVector;
import java.util.Objects;

/** The planner's proposal for one user: target allocation, what it replaces, and why. */
public record PlannedAllocation(String user, long effectiveAt, ResourceVector current, ResourceVector target,
                                ResourceVector forecastPeak, String model, String reason) {
    public PlannedAllocation {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(current, "current");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(forecastPeak, "forecastPeak");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(reason, "reason");
    }

    public boolean changes() {
        return !current.equals(target);
    }

    /** Some resource goes up (or is set for the first time). */
    public boolean scalesUp() {
        for (io.foresight.core.model.Resource r : io.foresight.core.model.Resource.values()) {
            double c = current.get(r);
            double t = target.get(r);
            if (!Double.isNaN(t) && (Double.isNaN(c) || t > c)) {
                return true;
            }
        }
        return false;
    }

    /** Some resource goes down. */
    public boolean scalesDown() {
        for (io.foresight.core.model.Resource r : io.foresight.core.model.Resource.values()) {
            if (target.get(r) < current.get(r)) {
                return true;
            }
        }
        return false;
    }
}
