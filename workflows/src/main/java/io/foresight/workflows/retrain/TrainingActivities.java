package io.foresight.workflows.retrain;

import io.temporal.activity.ActivityInterface;

/**
 * The steps of a retraining, implemented on the training worker (the only process that loads Spark).
 * Every step that changes the world takes an idempotency key: a retried activity must find and return what
 * its earlier attempt made (the feature table, the MLflow run, the model version) instead of making another.
 */
@ActivityInterface
public interface TrainingActivities {
    /** Reads the traces and writes the feature table. */
    FeatureSet extractFeatures(RetrainRequest request, String idempotencyKey);

    /** Fits a model on the training part of the features and logs it as an MLflow run. */
    TrainedModel train(RetrainRequest request, FeatureSet features, String idempotencyKey);

    /** Backtests the candidate, the current champion and the seasonal naive baseline on the holdout. Read-only. */
    Backtest evaluate(RetrainRequest request, FeatureSet features, TrainedModel model);

    /** Registers the candidate as a model version and records the backtest on it (and the champion's, re-measured). */
    RegisteredVersion register(RetrainRequest request, FeatureSet features, TrainedModel model, Backtest backtest,
                               String idempotencyKey);

    /** Moves the challenger/champion aliases according to the request's gate. */
    GateResult gate(RetrainRequest request, RegisteredVersion version, String idempotencyKey);
}
