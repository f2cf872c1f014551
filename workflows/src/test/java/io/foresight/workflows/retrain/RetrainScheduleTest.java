package io.foresight.workflows.retrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.foresight.workflows.TaskQueues;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetrainScheduleTest {
    private final RetrainRequest req = RetrainRequest.defaults(List.of("/data/a.csv.gz"), 5);

    @Test
    void startsTheRetrainingWorkflowOnTheTrainingQueueAndSkipsOverlaps() {
        Schedule s = RetrainSchedule.schedule(req, Duration.ofHours(24));
        ScheduleActionStartWorkflow a = (ScheduleActionStartWorkflow) s.getAction();
        assertEquals("RetrainingWorkflow", a.getWorkflowType());
        assertEquals(TaskQueues.TRAINING, a.getOptions().getTaskQueue());
        assertEquals("retrain-foresight-forecaster", a.getOptions().getWorkflowId());
        assertEquals(Duration.ofHours(24), s.getSpec().getIntervals().get(0).getEvery());
        assertEquals(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP, s.getPolicy().getOverlap());
        assertEquals("retrain-foresight-forecaster-schedule", RetrainSchedule.scheduleId(req));
    }

    @Test
    void rejectsSubMinuteIntervals() {
        assertThrows(IllegalArgumentException.class, () -> RetrainSchedule.schedule(req, Duration.ofSeconds(10)));
    }

    @Test
    void requestValidatesGateAndPaths() {
        assertThrows(IllegalArgumentException.class,
                () -> new RetrainRequest(List.of(), 0, "gbt", "m", "auto", 0.1, 2, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new RetrainRequest(List.of("x"), 0, "gbt", "m", "sometimes", 0.1, 2, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new RetrainRequest(List.of("x"), 0, "gbt", "m", "auto", 1.5, 2, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new RetrainRequest(List.of("x"), 0, "gbt", "m", "auto", 0.1, 2, -5));
        RetrainRequest atLoopTime = req.withEndTime(1_373_000_000L);
        assertEquals(1_373_000_000L, atLoopTime.endTime());
        assertEquals(req.family(), atLoopTime.family());
        assertEquals(RetrainRequest.DEFAULT_HOLDOUT_DAYS, req.withFamily("blend-conformal").holdout());
    }
}
