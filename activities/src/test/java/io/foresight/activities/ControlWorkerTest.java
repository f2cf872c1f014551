package io.foresight.activities;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.actuate.SimulatedCluster;
import io.foresight.core.alloc.AllocationMode;
import io.foresight.workflows.TaskQueues;
import io.foresight.workflows.controlloop.ControlLoopParams;
import io.foresight.workflows.controlloop.ControlLoopWorkflow;
import io.foresight.workflows.controlloop.LoopState;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The worker bootstrap with the real activities on the real slice, in the in-memory Temporal test server. */
class ControlWorkerTest {
    @TempDir
    Path state;

    @Test
    void registeredWorkerRunsTheLoopOnTheRealSlice() throws Exception {
        Path slice = Path.of(getClass().getResource("/bitbrains/rnd-2013-07-6vm-700rows.csv.gz").toURI());
        SimulatedCluster cluster = new SimulatedCluster(state.resolve("cluster"));
        try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
            ControlWorker.register(env.getWorkerFactory(),
                    ControlWorkerConfig.defaults(state).withMetrics(new PrometheusRegistry()).withActuator(cluster));
            env.start();
            ControlLoopWorkflow loop = env.getWorkflowClient().newWorkflowStub(ControlLoopWorkflow.class,
                    WorkflowOptions.newBuilder().setWorkflowId(ControlLoopWorkflow.workflowId("p1"))
                            .setTaskQueue(TaskQueues.CONTROL).build());
            LoopState end = loop.run(ControlLoopParams.of("p1", "trace:" + slice).withShardSize(4).withCycles(3, 5));

            assertEquals(5, end.cycle());
            assertEquals(0, end.failedCycles());
            assertEquals("seasonal-naive/builtin", end.modelVersion());
            assertEquals(6, end.lastOutcome().users());
            assertTrue(end.lastPlanSummary().startsWith("6 users"), end.lastPlanSummary());
            assertEquals(2, end.lastPlanRefs().size(), "6 users in shards of 4");
            assertEquals(AllocationMode.ENFORCE, end.mode());
            assertEquals(10, cluster.entries("p1").size(), "5 cycles x 2 shards applied once each");
            assertTrue(Files.exists(state.resolve(end.lastSummaryRef())));
        }
    }
}
