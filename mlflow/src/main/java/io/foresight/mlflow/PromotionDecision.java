package io.foresight.mlflow;

/**
 * What {@link ModelRegistry#applyVerdict} did with a candidate version. {@code champion}/{@code previousChampion}
 * are version numbers (empty when there was none); {@code reason} is for humans and the workflow history.
 */
public record PromotionDecision(Outcome outcome, String candidate, String champion, String previousChampion, String reason) {
    public enum Outcome {
        /** There was no champion: the candidate became champion. */
        FIRST_CHAMPION,
        /** Passed the gate under the auto mode: now champion. */
        PROMOTED,
        /** Passed the gate but the gate is manual: now challenger. */
        CHALLENGER,
        /** Did not pass the gate (champion or last value not beaten): no alias moved. */
        REJECTED
    }
}
