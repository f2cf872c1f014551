package io.foresight.workflows.retrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.workflows.TaskQueues;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The retraining workflow's pattern step (in the in-process test server, scripted activities standing in for Spark
 * and the MLflow registry): after the forecaster, the pattern models are trained and registered; a refusal by the
 * gate is visible in the result; a failed pattern training does not undo the forecaster's outcome; a worker
 * without pattern training reports that nothing was trained.
 */
class PatternRetrainingWorkflowTest {
    private TestWorkflowEnvironment env;

    /** Scripted pattern steps on top of the recorded forecaster steps. */
    static class WithPatterns extends RecordingTrainingActivities {
        double accuracy = 0.87;
        double persistence = 0.85;
        boolean fail;

        @Override
        public PatternTraining trainPatterns(RetrainRequest request, FeatureSet features, String key) {
            calls.add(new Call("patterns", key));
            if (fail) {
                throw new IllegalArgumentException("pattern training needs at least 5 observed user-days");
            }
            boolean passed = accuracy > persistence;
            return new PatternTraining("run-p", "mlflow-artifacts:/2/run-p/artifacts/model", "random_forest", accuracy,
                    persistence, "", Double.NaN, passed, passed ? "beats persistence" : "refused: persistence "
                    + persistence + " >= random_forest " + accuracy);
        }

        @Override
        public GateResult registerPatterns(RetrainRequest request, PatternTraining p, String key) {
            calls.add(new Call("patterns-register", key));
            return p.passed() ? new GateResult("FIRST_CHAMPION", "1", "1", p.verdict())
                    : new GateResult("REJECTED", "1", "", p.verdict());
        }
    }

    private RetrainResult run(RecordingTrainingActivities a, String id) {
        env = TestWorkflowEnvironment.newInstance();
        Worker w = env.newWorker(TaskQueues.TRAINING);
        w.registerWorkflowImplementationTypes(RetrainingWorkflowImpl.class);
        w.registerActivitiesImplementations(a);
        env.start();
        return env.getWorkflowClient().newWorkflowStub(RetrainingWorkflow.class,
                WorkflowOptions.newBuilder().setTaskQueue(TaskQueues.TRAINING).setWorkflowId(id).build())
                .retrain(new RetrainRequest(List.of("/data/2013-08.csv.gz"), 10, "gbt", RetrainRequest.REGISTERED_MODEL,
                        "auto", 0.05, 2, 0));
    }

    @AfterEach
    void tearDown() {
        env.close();
    }

    @Test
    void patternModelsAreTrainedAndRegisteredAfterTheForecaster() {
        WithPatterns a = new WithPatterns();
        RetrainResult r = run(a, "retrain-p1");
        assertEquals(List.of("extract", "train", "evaluate", "register", "gate", "patterns", "patterns-register"), a.steps());
        assertEquals("retrain-p1/patterns", a.calls.get(5).idempotencyKey());
        assertEquals("retrain-p1/patterns-register", a.calls.get(6).idempotencyKey());
        assertEquals("PROMOTED", r.gate().outcome());
        assertTrue(r.patterns().passed());
        assertEquals("FIRST_CHAMPION", r.patternGate().outcome());
    }

    @Test
    void aClassifierNotBeatingPersistenceIsRegisteredButRefusedVisibly() {
        WithPatterns a = new WithPatterns();
        a.accuracy = 0.80;
        RetrainResult r = run(a, "retrain-p2");
        assertFalse(r.patterns().passed());
        assertEquals("REJECTED", r.patternGate().outcome());
        assertTrue(r.patternGate().reason().contains("persistence 0.85"), r.patternGate().reason());
        assertEquals("PROMOTED", r.gate().outcome(), "the forecaster's gate is judged on its own");
    }

    @Test
    void failedPatternTrainingIsReportedAndTheForecasterOutcomeStands() {
        WithPatterns a = new WithPatterns();
        a.fail = true;
        RetrainResult r = run(a, "retrain-p3");
        assertEquals("PROMOTED", r.gate().outcome());
        assertFalse(r.patterns().trained());
        assertTrue(r.patterns().verdict().contains("at least 5 observed user-days"), r.patterns().verdict());
        assertNull(r.patternGate());
        assertEquals(1, a.steps().stream().filter("patterns"::equals).count(), "a bad-input failure is not retried");
    }

    @Test
    void aWorkerWithoutPatternTrainingSaysSo() {
        RetrainResult r = run(new RecordingTrainingActivities(), "retrain-p4");
        assertFalse(r.patterns().trained());
        assertEquals("this training worker does not train pattern models", r.patterns().verdict());
        assertNull(r.patternGate());
    }
}
