package io.foresight.app;

import io.foresight.workflows.controlloop.ControlLoopWorkflowImpl;
import io.foresight.workflows.retrain.RetrainingWorkflowImpl;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code foresight replay HISTORY.json...}: replays workflow histories (downloaded from the Temporal UI, or
 * {@code temporal workflow show -o json}) against this build's workflow code. What an operator runs before
 * deploying new worker code: a history that no longer replays would fail the running loop's next workflow task.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Replay Temporal histories (JSON) against this build's ControlLoopWorkflow and RetrainingWorkflow; "
                + "exit 0 if all replay, 1 on non-determinism.")
public final class ReplayCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "HISTORY.json", description = "History files.")
    List<Path> histories;

    @Override
    public Integer call() {
        int failed = 0;
        for (Path p : histories) {
            String result = replay(p);
            System.out.println(p + ": " + result);
            if (!result.startsWith("OK")) {
                failed++;
            }
        }
        return failed == 0 ? 0 : 1;
    }

    /** "OK (N events)" or the non-determinism, one line. Unreadable files are bad input (one-line error). */
    static String replay(Path p) {
        String json;
        try {
            json = Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new IllegalArgumentException(p + ": cannot read (" + e.getMessage() + "). Fix: pass a history JSON file "
                    + "(Temporal UI: workflow > History > Download, or temporal workflow show -w ID -o json)");
        }
        WorkflowExecutionHistory h;
        try {
            h = WorkflowExecutionHistory.fromJson(json);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(p + ": not a Temporal history (" + LoopCommand.firstLine(e)
                    + "). Fix: download the history as JSON from the Temporal UI or with temporal workflow show -o json");
        }
        try {
            replayOn(h);
            return "OK (" + h.getEvents().size() + " events replay on this build)";
        } catch (Exception e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            return "NON-DETERMINISTIC: " + LoopCommand.firstLine(root) + " (do not deploy this worker build while such "
                    + "runs are open; guard the change with Workflow.getVersion)";
        }
    }

    /**
     * Replays {@code h} on a worker of this build. The deadlock detector waits 30 s, not the default 1 s: a replay of a
     * long history on a loaded machine (the operator's laptop, CI) is slow, not deadlocked, and a false "deadlock"
     * here would read as a build that must not be deployed.
     */
    private static void replayOn(WorkflowExecutionHistory h) throws Exception {
        try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
            Worker w = env.newWorker(h.getEvents().get(0).getWorkflowExecutionStartedEventAttributes().getTaskQueue().getName(),
                    WorkerOptions.newBuilder().setDefaultDeadlockDetectionTimeout(30_000).build());
            w.registerWorkflowImplementationTypes(ControlLoopWorkflowImpl.class, RetrainingWorkflowImpl.class);
            WorkflowReplayer.replayWorkflowExecution(h, w);
        }
    }
}
