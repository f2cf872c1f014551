package io.foresight.core.actuate;

import io.foresight.core.model.ResourceVector;
import java.util.Objects;

/**
 * What one user should hold (or holds): an allocation and whether it runs on spot capacity. A resource
 * may be NaN: no value is known for it (a trace without network capacity, say), and the actuator leaves
 * it unmanaged.
 */
public record UserAllocation(String user, ResourceVector allocation, boolean spot) {
    public UserAllocation {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(allocation, "allocation");
        for (double v : allocation.toArray()) {
            if (v < 0 || Double.isInfinite(v)) {
                throw new IllegalArgumentException("allocation of " + user + " must be >= 0 and finite (or NaN: "
                        + "unknown, left unmanaged), got " + allocation);
            }
        }
    }
}
