package io.foresight.core.monitor;

import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import java.util.Objects;

/**
 * The scored outcome of one user-interval, per resource (NaN where usage was not observed):
 * {@code shortfall} = (used - allocated) / used when usage exceeded the allocation (an SLO violation),
 * else 0; {@code slack} = max(0, allocated - used) / allocated, the share of the allocation that was
 * paid for and idle; {@code absError} = |used - forecast point| (NaN without a forecast);
 * {@code covered} = 1 when usage stayed at or under the forecast's upper bound, 0 when not, NaN without
 * one. {@code cost} is what the allocation cost over the interval (dollars, from the PriceBook).
 */
public record UserOutcome(String user, Pattern pattern, long at, ResourceVector usage, ResourceVector allocation,
                          ResourceVector shortfall, ResourceVector slack, ResourceVector absError,
                          ResourceVector covered, double cost, String model) {
    public UserOutcome {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(pattern, "pattern");
        Objects.requireNonNull(usage, "usage");
        Objects.requireNonNull(allocation, "allocation");
        Objects.requireNonNull(shortfall, "shortfall");
        Objects.requireNonNull(slack, "slack");
        Objects.requireNonNull(absError, "absError");
        Objects.requireNonNull(covered, "covered");
    }

    public boolean underProvisioned(Resource r) {
        return shortfall.get(r) > 0;
    }

    /** Under-provisioned on any observed resource. */
    public boolean underProvisioned() {
        for (Resource r : Resource.values()) {
            if (underProvisioned(r)) {
                return true;
            }
        }
        return false;
    }

    /** The deepest relative shortfall over the resources (0 when none). */
    public double maxShortfall() {
        double m = 0;
        for (Resource r : Resource.values()) {
            double s = shortfall.get(r);
            if (s > m) {
                m = s;
            }
        }
        return m;
    }
}
