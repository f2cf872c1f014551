package io.foresight.core.model;

import java.util.Objects;

/**
 * What Foresight believes about one user: behaviour pattern (with confidence), tier, team,
 * whether spot capacity may be used, and predicted needs per resource. Versioned: each update
 * increments {@code version}.
 */
public record UserProfile(
        String user,
        String team,
        Tier tier,
        Pattern pattern,
        double confidence,
        boolean spotAllowed,
        ResourceVector predictedNeed,
        long version,
        long updatedAt) {

    public UserProfile {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(team, "team");
        Objects.requireNonNull(tier, "tier");
        Objects.requireNonNull(pattern, "pattern");
        Objects.requireNonNull(predictedNeed, "predictedNeed");
        if (confidence < 0 || confidence > 1) {
            throw new IllegalArgumentException("confidence must be in [0,1], got " + confidence);
        }
    }

    /**
     * The one spot rule of the domain: policy allows the user spot capacity and the pattern tolerates interruption.
     * The engine proposes spot on it, the capacity planner packs such users on spot nodes.
     */
    public boolean mayRunOnSpot() {
        return spotAllowed && pattern.interruptible();
    }

    /** A profile for a user we know nothing about yet. */
    public static UserProfile newUser(String user) {
        return new UserProfile(user, "default", Tier.STANDARD, Pattern.UNKNOWN, 0.0, false, ResourceVector.ZERO, 0, 0);
    }

    public UserProfile withPattern(Pattern p, double conf, long at) {
        return new UserProfile(user, team, tier, p, conf, spotAllowed, predictedNeed, version + 1, at);
    }

    public UserProfile withPredictedNeed(ResourceVector need, long at) {
        return new UserProfile(user, team, tier, pattern, confidence, spotAllowed, need, version + 1, at);
    }
}
