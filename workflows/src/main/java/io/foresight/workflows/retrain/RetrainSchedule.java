package io.foresight.workflows.retrain;

import io.foresight.workflows.TaskQueues;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleAlreadyRunningException;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleHandle;
import io.temporal.client.schedules.ScheduleIntervalSpec;
import io.temporal.client.schedules.ScheduleOptions;
import io.temporal.client.schedules.SchedulePolicy;
import io.temporal.client.schedules.ScheduleSpec;
import io.temporal.client.schedules.ScheduleUpdate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Creates or updates the Temporal Schedule that retrains a model family periodically. Overlapping runs are
 * skipped (a slow retraining is never doubled up); each run's workflow id is the schedule id plus the
 * scheduled time, which makes the activities' idempotency keys unique per run.
 */
public final class RetrainSchedule {
    private RetrainSchedule() {}

    /** Workflow id prefix for retrainings of one registered model (schedule and on-demand runs). */
    public static String workflowIdPrefix(RetrainRequest request) {
        return "retrain-" + request.registeredModel();
    }

    public static String scheduleId(RetrainRequest request) {
        return workflowIdPrefix(request) + "-schedule";
    }

    static Schedule schedule(RetrainRequest request, Duration every) {
        Objects.requireNonNull(request, "request");
        if (every.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new IllegalArgumentException("retraining interval must be at least 1 minute, got " + every);
        }
        return Schedule.newBuilder()
                .setAction(ScheduleActionStartWorkflow.newBuilder()
                        .setWorkflowType(RetrainingWorkflow.class)
                        .setArguments(request)
                        .setOptions(WorkflowOptions.newBuilder()
                                .setWorkflowId(workflowIdPrefix(request))
                                .setTaskQueue(TaskQueues.TRAINING)
                                .setWorkflowExecutionTimeout(Duration.ofHours(12))
                                .build())
                        .build())
                .setSpec(ScheduleSpec.newBuilder()
                        .setIntervals(List.of(new ScheduleIntervalSpec(every)))
                        .build())
                .setPolicy(SchedulePolicy.newBuilder()
                        .setOverlap(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP)
                        .setCatchupWindow(Duration.ofHours(1))
                        .build())
                .build();
    }

    /** Creates the schedule, or replaces its action and interval if it exists. Returns its handle. */
    public static ScheduleHandle upsert(ScheduleClient client, RetrainRequest request, Duration every) {
        Schedule s = schedule(request, every);
        String id = scheduleId(request);
        try {
            return client.createSchedule(id, s, ScheduleOptions.newBuilder().build());
        } catch (ScheduleAlreadyRunningException exists) {
            ScheduleHandle h = client.getHandle(id);
            h.update(input -> new ScheduleUpdate(s));
            return h;
        }
    }
}
