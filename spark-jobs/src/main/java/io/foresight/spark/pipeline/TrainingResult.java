package io.foresight.spark.pipeline;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a training run produced, for MLflow: metrics to log, the model directory to log as artifact
 * (Spark PipelineModel + exported trees), the feature schema (JSON list of model inputs) and a
 * forecast-vs-actual plot; {@code backtestReport} is the hold-out backtest as a console table.
 */
public record TrainingResult(Map<String, Double> metrics, Path modelDir, Path exportedModelJson,
                             Path featureSchema, Path forecastVsActualPng, List<String> featureNames,
                             String backtestReport) {
    public TrainingResult {
        metrics = Map.copyOf(metrics);
        featureNames = List.copyOf(featureNames);
    }
}
