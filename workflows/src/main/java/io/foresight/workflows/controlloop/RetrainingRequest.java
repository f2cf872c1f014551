package io.foresight.workflows.controlloop;

import java.util.Objects;

/**
 * Input the loop passes to the retraining workflow ({@link ControlLoopWorkflowImpl#RETRAINING_WORKFLOW_TYPE}
 * on {@link io.foresight.workflows.TaskQueues#TRAINING}) when feedback detects drift.
 */
public record RetrainingRequest(String pool, String dataSource, long cycle, String reason) {
    public RetrainingRequest {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(dataSource, "dataSource");
        Objects.requireNonNull(reason, "reason");
    }
}
