package io.foresight.workflows.controlloop;

import io.foresight.core.alloc.AllocationMode;
import java.util.List;
import java.util.Map;

/**
 * What {@link ControlLoopWorkflow#state()} reports: the next cycle, pause and mode, the last plan (refs
 * and a one-line summary), the last policy decisions (rules fired, counted), the model version in use,
 * changes waiting for approval, the last outcome, whether an operator froze changes, the last failure (empty when
 * the last cycle ran), counters over the loop's life in this run, and the pool's users per behaviour pattern after
 * the last plan (their profiles), why the registry's champion model is refused (empty when it serves, or when
 * nothing was refused: while it is refused {@code modelVersion} names the last good model, which goes on serving),
 * and why the last cycle's changes were held by the actuator's target (empty if they were not), and which control
 * worker's own queue runs each shard's steps (shard affinity; empty while every shard runs on the shared queue).
 */
public record LoopState(String pool, long cycle, boolean paused, AllocationMode mode, List<String> lastPlanRefs,
                        String lastPlanSummary, String lastDecisionsSummary, Map<String, Integer> lastRulesFired,
                        String modelVersion, List<String> pendingApprovals,
                        ControlLoopActivities.MonitorResult lastOutcome, String lastSummaryRef,
                        int failedCycles, int retrainingRequests, boolean finished, boolean frozen,
                        String lastFailure, Map<String, Integer> usersPerPattern, String modelRefusal, String lastHold,
                        Map<Integer, String> shardWorkers) {
    public LoopState {
        modelRefusal = modelRefusal == null ? "" : modelRefusal; // absent in states of workers built before refusals
        lastHold = lastHold == null ? "" : lastHold;
        // absent in states of workers built before shard affinity; sorted by shard for the operator
        shardWorkers = shardWorkers == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(shardWorkers));
        usersPerPattern = usersPerPattern == null ? Map.of() : Map.copyOf(usersPerPattern);
        lastPlanRefs = List.copyOf(lastPlanRefs);
        lastRulesFired = Map.copyOf(lastRulesFired);
        pendingApprovals = List.copyOf(pendingApprovals);
    }
}
