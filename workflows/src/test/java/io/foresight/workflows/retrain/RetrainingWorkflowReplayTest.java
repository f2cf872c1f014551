package io.foresight.workflows.retrain;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.workflows.TaskQueues;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerOptions;
import io.temporal.workflow.Workflow;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Replays a recorded history of a successful retraining against the current workflow code: a change that
 * breaks determinism for running workflows fails here. Re-record (after an intentional, versioned change)
 * with {@code -Dforesight.recordHistory=true}; the history is written to src/test/resources/histories/.
 */
class RetrainingWorkflowReplayTest {
    static final String HISTORY = "histories/retrain-promoted.json";
    static final String REAL_SERVER_HISTORY = "histories/retrain-first-champion-real-server.json";

    @Test
    void recordedHistoryReplays() throws Exception {
        if (Boolean.getBoolean("foresight.recordHistory")) {
            record();
        }
        replay(load(), RetrainingWorkflowImpl.class);
    }

    /**
     * A history from a real Temporal server (temporal server start-dev, CLI 1.9.1 / server 1.32.0): `foresight train`
     * on 20 Bitbrains VMs with the Spark training worker and a real MLflow server, exported with
     * {@code temporal workflow show -o json}.
     */
    @Test
    void realServerHistoryReplays() throws Exception {
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(REAL_SERVER_HISTORY)) {
            assertNotNull(in, REAL_SERVER_HISTORY);
            replay(WorkflowExecutionHistory.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8)),
                    RetrainingWorkflowImpl.class);
        }
    }

    @Test
    void replayCatchesANonDeterministicChange() throws Exception {
        // the same history against code that calls the activities in another order must fail
        RuntimeException e = assertThrows(RuntimeException.class, () -> replay(load(), ReorderedWorkflow.class));
        StringBuilder chain = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            chain.append(t).append('\n');
        }
        assertTrue(chain.toString().contains("NonDeterministic"), chain.toString());
    }

    /**
     * Replays with a generous deadlock-detection timeout: on a loaded 2-core machine the first replay's class
     * loading can hold the workflow thread past the default 1 s, which is not a determinism problem.
     */
    private static void replay(WorkflowExecutionHistory history, Class<?> workflowImpl) throws Exception {
        try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
            Worker w = env.newWorker("replay", WorkerOptions.newBuilder().setDefaultDeadlockDetectionTimeout(30_000).build());
            w.registerWorkflowImplementationTypes(workflowImpl);
            WorkflowReplayer.replayWorkflowExecution(history, w);
        }
    }

    private static WorkflowExecutionHistory load() throws Exception {
        Path recorded = Path.of("src/test/resources").resolve(HISTORY);
        if (Boolean.getBoolean("foresight.recordHistory") && Files.exists(recorded)) {
            // just re-recorded: the copy on the test classpath is stale
            return WorkflowExecutionHistory.fromJson(Files.readString(recorded));
        }
        try (InputStream in = RetrainingWorkflowReplayTest.class.getClassLoader().getResourceAsStream(HISTORY)) {
            assertNotNull(in, HISTORY + " is missing: run with -Dforesight.recordHistory=true");
            return WorkflowExecutionHistory.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static void record() throws Exception {
        try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
            Worker w = env.newWorker(TaskQueues.TRAINING);
            w.registerWorkflowImplementationTypes(RetrainingWorkflowImpl.class);
            w.registerActivitiesImplementations(new RecordingTrainingActivities());
            env.start();
            RetrainingWorkflow wf = env.getWorkflowClient().newWorkflowStub(RetrainingWorkflow.class,
                    WorkflowOptions.newBuilder().setTaskQueue(TaskQueues.TRAINING).setWorkflowId("retrain-recorded").build());
            wf.retrain(new RetrainRequest(List.of("/data/2013-08.csv.gz"), 10, "gbt", RetrainRequest.REGISTERED_MODEL,
                    "auto", 0.05, 2, 0));
            String json = env.getWorkflowClient().fetchHistory("retrain-recorded").toJson(true);
            Path out = Path.of("src/test/resources").resolve(HISTORY);
            Files.createDirectories(out.getParent());
            Files.writeString(out, json, StandardCharsets.UTF_8);
        }
    }

    /** Registers before training: incompatible with any recorded history. */
    public static class ReorderedWorkflow implements RetrainingWorkflow {
        private final TrainingActivities a = Workflow.newActivityStub(TrainingActivities.class, RetrainingWorkflowImpl.REGISTRY);

        @Override
        public RetrainResult retrain(RetrainRequest request) {
            String id = Workflow.getInfo().getWorkflowId();
            FeatureSet f = a.extractFeatures(request, id + "/features");
            RegisteredVersion v = a.register(request, f, new TrainedModel("x", "y"), null, id + "/register");
            return new RetrainResult(f, null, null, v, null);
        }
    }
}
