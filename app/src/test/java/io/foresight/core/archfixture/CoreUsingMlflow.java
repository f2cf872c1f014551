package io.foresight.core.archfixture;

/** Breaks the core rule on purpose (ArchitectureTest proves the rule catches it): core holding an MLflow type. */
public class CoreUsingMlflow {
    org.mlflow.tracking.MlflowClient client;
}
