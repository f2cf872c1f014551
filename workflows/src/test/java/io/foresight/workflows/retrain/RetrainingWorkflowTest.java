package io.foresight.workflows.retrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.workflows.TaskQueues;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The workflow alone, in the in-process test server, with scripted activities. */
class RetrainingWorkflowTest {
    private TestWorkflowEnvironment env;
    private final RecordingTrainingActivities activities = new RecordingTrainingActivities();

    @BeforeEach
    void setUp() {
        env = TestWorkflowEnvironment.newInstance();
        Worker worker = env.newWorker(TaskQueues.TRAINING);
        worker.registerWorkflowImplementationTypes(RetrainingWorkflowImpl.class);
        worker.registerActivitiesImplementations(activities);
        env.start();
    }

    @AfterEach
    void tearDown() {
        env.close();
    }

    private RetrainResult run(String workflowId, RetrainRequest request) {
        RetrainingWorkflow wf = env.getWorkflowClient().newWorkflowStub(RetrainingWorkflow.class,
                WorkflowOptions.newBuilder().setTaskQueue(TaskQueues.TRAINING).setWorkflowId(workflowId).build());
        return wf.retrain(request);
    }

    private static RetrainRequest request(String gate) {
        return new RetrainRequest(List.of("/data/2013-08.csv.gz"), 10, "gbt", RetrainRequest.REGISTERED_MODEL, gate, 0.05, 2, 0);
    }

    @Test
    void runsStepsInOrderWithKeysDerivedFromTheWorkflowId() {
        RetrainResult r = run("retrain-1", request("auto"));
        assertEquals(List.of("extract", "train", "evaluate", "register", "gate"), activities.steps());
        assertEquals(List.of(
                new RecordingTrainingActivities.Call("extract", "retrain-1/features"),
                new RecordingTrainingActivities.Call("train", "retrain-1/train"),
                new RecordingTrainingActivities.Call("evaluate", null),
                new RecordingTrainingActivities.Call("register", "retrain-1/register"),
                new RecordingTrainingActivities.Call("gate", "retrain-1/gate")), activities.calls);
        assertEquals("4", r.version().version());
        assertEquals("run-1", r.model().runId());
        assertEquals("PROMOTED", r.gate().outcome(), "0.8 beats 1.0 by more than 5% under the auto gate");
    }

    @Test
    void manualGateStopsAtChallenger() {
        RetrainResult r = run("retrain-2", request("manual"));
        assertEquals("CHALLENGER", r.gate().outcome());
        assertEquals("3", r.gate().champion());
    }

    @Test
    void worseCandidateIsRegisteredButRejected() {
        activities.candidateMae = 1.1;
        RetrainResult r = run("retrain-3", request("auto"));
        assertEquals("REJECTED", r.gate().outcome());
        assertTrue(activities.steps().contains("register"), "every trained candidate is registered for lineage");
    }

    @Test
    void retriedRegistryWriteReusesItsIdempotencyKey() {
        activities.registerFailures = 2;
        RetrainResult r = run("retrain-4", request("auto"));
        List<String> keys = activities.calls.stream().filter(c -> c.step().equals("register"))
                .map(RecordingTrainingActivities.Call::idempotencyKey).toList();
        assertEquals(List.of("retrain-4/register", "retrain-4/register", "retrain-4/register"), keys);
        assertEquals("4", r.version().version());
        assertEquals(1, activities.steps().stream().filter("train"::equals).count(), "a registry hiccup does not retrain");
    }

    @Test
    void emptyFeatureTableFailsWithoutTraining() {
        activities.rows = 0;
        WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> run("retrain-5", request("auto")));
        ApplicationFailure cause = assertInstanceOf(ApplicationFailure.class, e.getCause());
        assertEquals("NoData", cause.getType());
        assertEquals(List.of("extract"), activities.steps());
    }

    @Test
    void nonFiniteBacktestIsNeverRegistered() {
        activities.candidateMae = Double.NaN;
        assertThrows(WorkflowFailedException.class, () -> run("retrain-6", request("auto")));
        assertEquals(List.of("extract", "train", "evaluate"), activities.steps());
    }

    @Test
    void startsAsynchronouslyFromAClient() {
        RetrainingWorkflow wf = env.getWorkflowClient().newWorkflowStub(RetrainingWorkflow.class,
                WorkflowOptions.newBuilder().setTaskQueue(TaskQueues.TRAINING).setWorkflowId("retrain-7").build());
        WorkflowClient.start(wf::retrain, request("auto"));
        RetrainResult r = env.getWorkflowClient().newUntypedWorkflowStub("retrain-7").getResult(RetrainResult.class);
        assertEquals("4", r.version().version());
    }
}
