package io.foresight.core.engine;

import io.foresight.core.model.Pattern;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.model.Tier;
import io.foresight.core.model.UserProfile;
import java.util.Map;
import java.util.Objects;

/**
 * A user's profile as the loop keeps it between cycles (and {@code evaluate} in memory): the published version
 * (changes only when something material changed, one version per change) and the profiler's working memory
 * (the recent pattern labels behind the confidence). Flat and JSON-friendly: the loop stores it per shard.
 *
 * @param version      published version, 1 for the first profile; 0 means never profiled
 * @param updatedAt    start (Unix s) of the interval after the one that produced this version
 * @param needNextHour predicted need per resource over the next hour (forecast upper bound and the same hour of
 *                     the day before, whichever is higher)
 * @param dayPeak      predicted peak of the coming 24 hours per resource (the last 24 hours' peak)
 * @param models       the model versions that produced this version ("pattern", "need")
 * @param recent       pattern labels of the last evaluations, oldest first, one character per label
 *                     ({@link Pattern#ordinal()} as a digit): the confidence's evidence
 * @param change       why this version was published
 * @param coldStart    the user had less than a day of usage: pattern and need are the population profile's
 *                     prediction ({@link PopulationProfile}), and the engine floors its forecast with that need
 */
public record ProfileState(String user, long version, long updatedAt, String team, Tier tier, Pattern pattern,
                           double confidence, boolean spotEligible, double[] needNextHour, double[] dayPeak,
                           Map<String, String> models, String recent, String change, boolean coldStart) {
    public ProfileState {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(team, "team");
        Objects.requireNonNull(tier, "tier");
        Objects.requireNonNull(pattern, "pattern");
        Objects.requireNonNull(needNextHour, "needNextHour");
        Objects.requireNonNull(dayPeak, "dayPeak");
        models = models == null ? Map.of() : Map.copyOf(models);
        recent = recent == null ? "" : recent;
        change = change == null ? "" : change;
    }

    /** The profile the planner and the policy check act on. */
    public UserProfile profile() {
        return new UserProfile(user, team, tier, pattern, confidence, spotEligible, ResourceVector.of(needNextHour),
                version, updatedAt);
    }

    /** The same published version with the profiler's working memory advanced (no new version). */
    ProfileState withRecent(String labels) {
        return new ProfileState(user, version, updatedAt, team, tier, pattern, confidence, spotEligible, needNextHour,
                dayPeak, models, labels, change, coldStart);
    }
}
