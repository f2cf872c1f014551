package io.foresight.workflows.retrain;

/**
 * The pattern models one retraining trained (classifier naming tomorrow's pattern + the population profile cold
 * users start from) and the gate's verdict on them: the winner of RandomForest and LinearSVC must beat persistence
 * ("tomorrow's pattern is today's") and the current champion classifier, on the same holdout pairs.
 *
 * @param runId               the MLflow run, "" when nothing was trained
 * @param modelUri            the run's model directory
 * @param winner              random_forest or linear_svc
 * @param accuracy            the winner's holdout accuracy
 * @param persistenceAccuracy persistence's accuracy on the same pairs
 * @param championVersion     the champion classifier's version compared ("" when there is none)
 * @param championAccuracy    its accuracy on the same pairs (NaN without one)
 * @param passed              whether the winner may become champion
 * @param verdict             one line: the numbers compared and the outcome (or why nothing was trained)
 */
public record PatternTraining(String runId, String modelUri, String winner, double accuracy, double persistenceAccuracy,
                              String championVersion, double championAccuracy, boolean passed, String verdict) {
    /** Nothing trained (e.g. a training worker without pattern training, or too little data): the reason says why. */
    public static PatternTraining notTrained(String reason) {
        return new PatternTraining("", "", "", Double.NaN, Double.NaN, "", Double.NaN, false, reason);
    }

    public boolean trained() {
        return !runId.isEmpty();
    }
}
