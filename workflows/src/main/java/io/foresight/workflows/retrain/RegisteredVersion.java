package io.foresight.workflows.retrain;

/** A registered model version. */
public record RegisteredVersion(String registeredModel, String version) {}
