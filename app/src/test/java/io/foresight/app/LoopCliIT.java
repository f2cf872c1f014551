package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.activities.ControlWorkerConfig;
import io.foresight.app.stack.FsConfig;
import io.foresight.workflows.controlloop.ControlLoopWorkflow;
import io.foresight.workflows.controlloop.LoopState;
import io.foresight.core.alloc.AllocationMode;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The `loop` verbs end to end on a real Temporal server ({@code temporal server start-dev}) with a control worker in
 * the test: start from a pool file (the bundled real slice, accelerated), status, mode, freeze, pause/resume, list,
 * reset and stop.
 */
class LoopCliIT {
    static final Path SLICE = Path.of("..", "data", "bitbrains-slice", "bitbrains-rnd-2013-07-01_14d_20vms.csv.gz").toAbsolutePath();

    @TempDir
    Path dir;

    static String cli(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            code = LoopCommandTest.run(args).code();
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, String.join(" ", args) + ": " + out);
        return out;
    }

    static LoopState await(ControlLoopWorkflow loop, Predicate<LoopState> until) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        LoopState s = loop.state();
        while (!until.test(s)) {
            assertTrue(System.nanoTime() < deadline, "timed out; last state " + LoopCommand.describe(s));
            Thread.sleep(200);
            s = loop.state();
        }
        return s;
    }

    @Test
    void operateALoopFromTheCommandLine() throws Exception {
        java.util.function.Supplier<FsConfig> before = LoopCommand.config;
        try (DevServer temporal = DevServer.start(dir)) {
            int port = temporal.port;
            WorkflowServiceStubs stubs = temporal.stubs;
            LoopCommand.config = () -> FsConfig.load(Map.of("FORESIGHT_TEMPORAL_ADDRESS", "127.0.0.1:" + port,
                    "FORESIGHT_HOME", dir.toString()));
            WorkflowClient client = temporal.client;
            temporal.controlWorker(ControlWorkerConfig.defaults(dir.resolve("state")));

            Path pool = Files.writeString(dir.resolve("pool.properties"), "pool=cli-it\nsource=trace:" + SLICE
                    + "\ninterval=300\nacceleration=600\nshard-size=8\n");
            assertTrue(cli("loop", "start", "--pool", pool.toString()).contains("started control-loop-cli-it"));
            ControlLoopWorkflow loop = client.newWorkflowStub(ControlLoopWorkflow.class, ControlLoopWorkflow.workflowId("cli-it"));
            await(loop, s -> s.cycle() >= 2);

            String status = cli("loop", "status", "--pool", "cli-it");
            assertTrue(status.startsWith("pool cli-it: cycle "), status);
            assertTrue(status.contains("mode enforce"), status);
            assertTrue(cli("loop", "status", "--pool", pool.toString(), "--json").contains("\"pool\" : \"cli-it\""));

            cli("loop", "mode", "--pool", "cli-it", "dry-run");
            assertEquals(AllocationMode.DRY_RUN, await(loop, s -> s.mode() == AllocationMode.DRY_RUN).mode());
            cli("loop", "freeze", "--pool", "cli-it", "--by", "it");
            assertTrue(await(loop, LoopState::frozen).frozen());
            assertTrue(cli("loop", "status", "--pool", "cli-it").contains("FROZEN"));
            cli("loop", "freeze", "--pool", "cli-it", "--off");
            await(loop, s -> !s.frozen());
            cli("loop", "pause", "--pool", "cli-it");
            LoopState paused = await(loop, LoopState::paused);
            cli("loop", "resume", "--pool", "cli-it");
            await(loop, s -> !s.paused() && s.cycle() > paused.cycle());

            String list = cli("loop", "list");
            assertTrue(list.contains("control-loop-cli-it") && list.contains("running"), list);

            long at = loop.state().cycle();
            String reset = cli("loop", "reset", "--pool", "cli-it", "--to-cycle", "1");
            assertTrue(reset.contains("reset to the start of cycle 1 (was at cycle "), reset);
            // the new run starts again from cycle 1 (its state is rebuilt by replaying up to the reset point)
            LoopState afterReset = await(loop, s -> s.cycle() >= 1);
            assertTrue(afterReset.cycle() <= at + 1, "reset went back: " + afterReset.cycle() + " vs " + at);

            assertTrue(cli("loop", "stop", "--pool", "cli-it").contains("pool cli-it cancelled"));
            long stopDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            WorkflowExecutionStatus st;
            do {
                Thread.sleep(200);
                st = stubs.blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder().setNamespace("default")
                        .setExecution(WorkflowExecution.newBuilder().setWorkflowId("control-loop-cli-it")).build())
                        .getWorkflowExecutionInfo().getStatus();
            } while (st == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING && System.nanoTime() < stopDeadline);
            assertTrue(st == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED
                    || st == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED, st.name());
        } finally {
            LoopCommand.config = before;
        }
    }
}
