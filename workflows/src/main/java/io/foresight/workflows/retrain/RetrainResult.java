package io.foresight.workflows.retrain;

/** The outcome of one retraining, as the workflow returns it. */
public record RetrainResult(FeatureSet features, TrainedModel model, Backtest backtest, RegisteredVersion version,
                            GateResult gate) {}
