package io.foresight.workflows.controlloop;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/** Stand-in for the training worker's workflow: same type name and queue, records its inputs. */
@WorkflowInterface
public interface RetrainingWorkflow {
    @WorkflowMethod
    void retrain(RetrainingRequest request);
}
