package io.foresight.workflows.archfixture;

import io.temporal.workflow.Workflow;

/** Workflow code using Temporal's deterministic clock and randomness: the rules must let it pass. */
public class WorkflowUsingTemporalEquivalents {
    long now() {
        return Workflow.currentTimeMillis();
    }

    int draw() {
        java.util.Random r = Workflow.newRandom();
        return r.nextInt();
    }

    Object id() {
        return Workflow.randomUUID();
    }

    Object date() {
        return new java.util.Date(Workflow.currentTimeMillis());
    }
}
