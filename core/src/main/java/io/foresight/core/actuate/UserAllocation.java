package io.foresight.core.actuate;

import io.foresight.core.model.ResourceVector;
import java.util.Objects;

/** What one user should hold (or holds): an allocation and whether it runs on spot capacity. */
public record UserAllocation(String user, ResourceVector allocation, boolean spot) {
    public UserAllocation {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(allocation, "allocation");
        for (double v : allocation.toArray()) {
            if (!(v >= 0)) {
                throw new IllegalArgumentException("allocation of " + user + " must be known and >= 0 everywhere, got " + allocation);
            }
        }
    }
}
