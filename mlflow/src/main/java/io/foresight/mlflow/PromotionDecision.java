package io.foresight.mlflow;

/**
 * What {@link ModelRegistry#promoteIfBetter} did with a candidate version. {@code champion}/{@code previousChampion}
 * are version numbers (empty when there was none); {@code reason} is for humans and the workflow history.
 */
public record PromotionDecision(Outcome outcome, String candidate, String champion, String previousChampion,
                                double candidateMetric, double championMetric, String reason) {
    public enum Outcome {
        /** There was no champion: the candidate became champion. */
        FIRST_CHAMPION,
        /** Beat the champion by the margin under the auto gate: now champion. */
        PROMOTED,
        /** Beat the champion but the gate is manual (or the margin was not reached): now challenger. */
        CHALLENGER,
        /** Did not beat the champion: no alias moved. */
        REJECTED
    }
}
