package io.foresight.workflows.retrain;

import io.temporal.activity.ActivityInterface;

/**
 * The steps of a retraining, implemented on the training worker (the only process that loads Spark).
 * Every step that changes the world takes an idempotency key: a retried activity must find and return what
 * its earlier attempt made (the feature table, the MLflow run, the model version) instead of making another.
 */
@ActivityInterface
public interface TrainingActivities {
    /** Reads the traces up to the request's end time, fixes the holdout split and writes any Spark feature table. */
    FeatureSet extractFeatures(RetrainRequest request, String idempotencyKey);

    /** Fits the family on the data before the holdout and logs it (in the one model format) as an MLflow run. */
    TrainedModel train(RetrainRequest request, FeatureSet features, String idempotencyKey);

    /**
     * Backtests the candidate, the current champion (the blend baseline when there is none) and last value on the
     * same rolling origins of the holdout, records the comparison and the gate's verdict in the run and the
     * candidate's manifest (the same result on a retry).
     */
    Backtest evaluate(RetrainRequest request, FeatureSet features, TrainedModel model);

    /** Registers the candidate as a model version carrying its backtest and verdict. */
    RegisteredVersion register(RetrainRequest request, FeatureSet features, TrainedModel model, Backtest backtest,
                               String idempotencyKey);

    /** Moves the champion (auto) or challenger (manual) alias to the version only if its verdict passed. */
    GateResult gate(RetrainRequest request, RegisteredVersion version, String idempotencyKey);

    /**
     * Trains the pattern models on the same data window (KMeans named by the rules labels each day; RandomForest and
     * LinearSVC learn tomorrow's pattern; the population profile is fitted on the training days), logs them with
     * accuracy, precision and recall per model as an MLflow run and judges the winner against persistence and the
     * champion classifier on the holdout. A worker that does not train patterns answers {@link PatternTraining#notTrained}.
     */
    default PatternTraining trainPatterns(RetrainRequest request, FeatureSet features, String idempotencyKey) {
        return PatternTraining.notTrained("this training worker does not train pattern models");
    }

    /**
     * Registers the trained pattern models as a version of {@link RetrainRequest#PATTERN_MODEL} carrying their verdict,
     * and moves its champion alias (auto) or challenger alias (manual) only if the verdict passed.
     */
    default GateResult registerPatterns(RetrainRequest request, PatternTraining patterns, String idempotencyKey) {
        return new GateResult("REJECTED", "", "", patterns.verdict());
    }
}
