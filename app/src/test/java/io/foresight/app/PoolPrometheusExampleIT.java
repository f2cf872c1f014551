package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.foresight.app.loop.LiveSourceCheck;
import io.foresight.app.loop.PoolFile;
import io.foresight.app.stack.FsConfig;
import io.foresight.core.actuate.SimulatedCluster;
import io.foresight.core.alloc.AllocationMode;
import io.foresight.workflows.controlloop.ControlLoopWorkflow;
import io.foresight.workflows.controlloop.LoopState;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12's fresh-clone path, as an operator runs it: {@code ./foresight stack up} has loaded the bundled real slice
 * into the stack's Prometheus ({@code PrometheusBackfill}), and {@code ./foresight loop start --pool
 * examples/pool-prometheus.yaml} runs a loop whose usage comes from that Prometheus, in dry-run; {@code loop status},
 * {@code freeze}, {@code reset --to-cycle} and {@code stop} work on it. The example file is used as shipped; the
 * Temporal server is the test's own (so a loop an operator left running on the stack's is not touched), the worker
 * has the control worker's wiring of live sources.
 */
class PoolPrometheusExampleIT {
    static final Path EXAMPLE = Path.of("..", "examples", "pool-prometheus.yaml").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    static boolean ready(URI prometheus) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(prometheus.resolve("/-/ready")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void theExamplePoolRunsOnTheStacksBackfilledPrometheusAndIsOperatedFromTheCli() throws Exception {
        PoolFile pool = PoolFile.read(EXAMPLE);
        URI prometheus = URI.create(pool.source().substring("prometheus:".length()));
        assumeTrue(ready(prometheus), "needs the stack's Prometheus at " + prometheus + " (./foresight stack up)");

        // stack up moved the slice's blocks into Prometheus's data directory; a Prometheus that was already running
        // loads them at its next block reload (about a minute)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
        String ref = null;
        while (ref == null) {
            try {
                ref = LiveSourceCheck.prometheus(pool, System.currentTimeMillis() / 1000);
            } catch (IllegalArgumentException noSeriesYet) {
                assertTrue(System.nanoTime() < deadline, "the stack's Prometheus has no backfilled slice: " + noSeriesYet.getMessage());
                Thread.sleep(2000);
            }
        }

        java.util.function.Supplier<FsConfig> before = LoopCommand.config;
        try (DevServer temporal = DevServer.start(dir)) {
            // the `worker` command's wiring: live sources, and each pool's settings built from its pool file
            SimulatedCluster cluster = temporal.workerOfTheWorkerCommand(dir, Map.of());

            String started = LoopCliIT.cli("loop", "start", "--pool", EXAMPLE.toString());
            assertTrue(started.contains("started control-loop-prometheus-demo"), started);
            assertTrue(started.contains("dry-run (decisions recorded, nothing applied)"), started);
            ControlLoopWorkflow loop = temporal.client.newWorkflowStub(ControlLoopWorkflow.class,
                    ControlLoopWorkflow.workflowId(pool.pool()));
            LoopState s = LoopCliIT.await(loop, st -> st.cycle() >= 3);
            assertEquals(AllocationMode.DRY_RUN, s.mode());
            assertEquals(0, s.failedCycles(), LoopCommand.describe(s));
            assertEquals(20, s.lastOutcome().users(), "the slice's 20 VMs were read from Prometheus: " + s.lastOutcome());

            String status = LoopCliIT.cli("loop", "status", "--pool", EXAMPLE.toString());
            assertTrue(status.startsWith("pool prometheus-demo: cycle "), status);
            assertTrue(status.contains("mode dry-run"), status);

            LoopCliIT.cli("loop", "freeze", "--pool", "prometheus-demo", "--by", "it");
            assertTrue(LoopCliIT.await(loop, LoopState::frozen).frozen());
            assertTrue(LoopCliIT.cli("loop", "status", "--pool", "prometheus-demo").contains("FROZEN"));
            LoopCliIT.cli("loop", "freeze", "--pool", "prometheus-demo", "--off");
            LoopCliIT.await(loop, st -> !st.frozen());

            long at = loop.state().cycle();
            String reset = LoopCliIT.cli("loop", "reset", "--pool", "prometheus-demo", "--to-cycle", "1");
            assertTrue(reset.contains("reset to the start of cycle 1 (was at cycle "), reset);
            LoopState afterReset = LoopCliIT.await(loop, st -> st.cycle() >= 1);
            assertTrue(afterReset.cycle() <= at + 1, "reset went back: " + afterReset.cycle() + " vs " + at);
            LoopCliIT.await(loop, st -> st.cycle() >= 3);

            assertTrue(LoopCliIT.cli("loop", "stop", "--pool", "prometheus-demo").contains("pool prometheus-demo cancelled"));
            long stopDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            WorkflowExecutionStatus st;
            do {
                Thread.sleep(200);
                st = temporal.stubs.blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
                        .setNamespace("default").setExecution(WorkflowExecution.newBuilder()
                                .setWorkflowId(ControlLoopWorkflow.workflowId(pool.pool()))).build())
                        .getWorkflowExecutionInfo().getStatus();
            } while (st == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING && System.nanoTime() < stopDeadline);
            assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED, st);
            assertTrue(cluster.entries(pool.pool()).isEmpty(), "dry-run applies nothing");
        } finally {
            LoopCommand.config = before;
        }
    }
}
