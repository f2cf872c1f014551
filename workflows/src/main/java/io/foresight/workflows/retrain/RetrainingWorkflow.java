package io.foresight.workflows.retrain;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/** Extract features, train, backtest, register, gate: one retraining of one model family. */
@WorkflowInterface
public interface RetrainingWorkflow {
    @WorkflowMethod
    RetrainResult retrain(RetrainRequest request);
}
