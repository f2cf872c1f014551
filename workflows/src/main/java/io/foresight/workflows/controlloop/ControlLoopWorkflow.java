package io.foresight.workflows.controlloop;

import io.foresight.core.alloc.AllocationMode;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * The control loop of one resource pool: every interval it collects real usage, predicts, plans, checks
 * policy, allocates, monitors and feeds back. Runs until the data ends or {@code maxCycles}, continuing
 * as new every {@code cyclesPerRun} cycles. Workflow id convention: {@code control-loop-<pool>}.
 */
@WorkflowInterface
public interface ControlLoopWorkflow {

    /** Workflow id for a pool's loop, so there is at most one loop per pool. */
    static String workflowId(String pool) {
        return "control-loop-" + pool;
    }

    @WorkflowMethod
    LoopState run(ControlLoopParams params);

    /** Stops before the next cycle; the current cycle finishes. */
    @SignalMethod
    void pause();

    @SignalMethod
    void resume();

    /** Takes effect at the next cycle. */
    @SignalMethod
    void setMode(AllocationMode mode);

    /**
     * Decides a change that waits for approval ({@link LoopState#pendingApprovals()}). Decisions for
     * changes that are not pending are ignored; a change not decided within the approval timeout keeps its
     * current allocation.
     */
    @SignalMethod
    void approve(String changeId, boolean approved, String by);

    /**
     * Freezes the pool: from the next policy check on, the operator-freeze fact is set and the policies deny
     * every change (users keep what they hold) until {@link #unfreeze()}. Carried across continue-as-new.
     */
    @SignalMethod
    void freeze(String by);

    @SignalMethod
    void unfreeze(String by);

    @QueryMethod
    LoopState state();
}
