package io.foresight.rules.bench;

import java.util.Objects;

/**
 * What a durable workflow passes between steps instead of a cycle's full plan: an id to load the
 * records from a {@link PlanStore}, counts to decide on, and a digest to detect a changed file.
 * Its size does not grow with the number of users.
 */
public record PlanReference(String pool, long cycle, String planId, int users, int changes, int waitingApproval,
                            int denied, String sha256) {
    public PlanReference {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(planId, "planId");
        Objects.requireNonNull(sha256, "sha256");
    }
}
