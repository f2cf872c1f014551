package io.foresight.collect.store;

import io.foresight.core.model.ResourceVector;
import java.util.Objects;

/** Mean and peak usage of one user over a window; NaN for a resource never observed. */
public record UserStats(String user, long samples, ResourceVector mean, ResourceVector peak) {
    public UserStats {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(mean, "mean");
        Objects.requireNonNull(peak, "peak");
    }
}
