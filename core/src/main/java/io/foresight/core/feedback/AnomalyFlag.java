package io.foresight.core.feedback;

import io.foresight.core.model.Resource;
import java.util.Objects;
import java.util.Optional;

/**
 * The fact handed to the policy rules when a user's usage spiked: the rules may then allow a safety
 * scale-up beyond their usual step limit. Carries the score and reason so the decision can cite them.
 */
public record AnomalyFlag(String user, Resource resource, double score, long at, String reason) {
    public AnomalyFlag {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(resource, "resource");
        Objects.requireNonNull(reason, "reason");
    }

    /** The flag for an anomaly that warrants a scale-up; empty for drops and downward misses. */
    public static Optional<AnomalyFlag> of(Anomaly a) {
        return a.warrantsScaleUp()
                ? Optional.of(new AnomalyFlag(a.user(), a.resource(), a.score(), a.at(), a.explanation()))
                : Optional.empty();
    }
}
