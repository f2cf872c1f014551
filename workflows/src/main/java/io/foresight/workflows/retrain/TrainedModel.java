package io.foresight.workflows.retrain;

/** A fitted model logged to MLflow: the run and the URI of its model artifact. */
public record TrainedModel(String runId, String modelUri) {}
