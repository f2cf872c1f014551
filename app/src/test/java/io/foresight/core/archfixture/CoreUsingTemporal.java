package io.foresight.core.archfixture;

/** Breaks the core rule on purpose (ArchitectureTest proves the rule catches it): core holding a Temporal type. */
public class CoreUsingTemporal {
    io.temporal.client.WorkflowClient client;
}
