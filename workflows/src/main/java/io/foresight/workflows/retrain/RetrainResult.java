package io.foresight.workflows.retrain;

/**
 * The outcome of one retraining, as the workflow returns it.
 *
 * @param patterns    the pattern models trained alongside and their verdict (null in histories from before them)
 * @param patternGate what the pattern model's gate did (null when nothing was registered)
 */
public record RetrainResult(FeatureSet features, TrainedModel model, Backtest backtest, RegisteredVersion version,
                            GateResult gate, PatternTraining patterns, GateResult patternGate) {
    /** A retraining of the forecaster alone. */
    public RetrainResult(FeatureSet features, TrainedModel model, Backtest backtest, RegisteredVersion version,
                         GateResult gate) {
        this(features, model, backtest, version, gate, null, null);
    }
}
