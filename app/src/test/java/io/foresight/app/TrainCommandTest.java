package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.workflows.TaskQueues;
import io.foresight.workflows.retrain.Backtest;
import io.foresight.workflows.retrain.FeatureSet;
import io.foresight.workflows.retrain.GateResult;
import io.foresight.workflows.retrain.RegisteredVersion;
import io.foresight.workflows.retrain.RetrainRequest;
import io.foresight.workflows.retrain.RetrainingWorkflowImpl;
import io.foresight.workflows.retrain.TrainedModel;
import io.foresight.workflows.retrain.TrainingActivities;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class TrainCommandTest {
    /** Answers every step at once and remembers the request it was given. */
    static final class Scripted implements TrainingActivities {
        final List<RetrainRequest> requests = new ArrayList<>();

        @Override
        public FeatureSet extractFeatures(RetrainRequest r, String key) {
            requests.add(r);
            return new FeatureSet("/tmp/f", "sha256:x", 10, "bt-1", 1_000_000L, 1_172_800L);
        }

        @Override
        public TrainedModel train(RetrainRequest r, FeatureSet f, String key) {
            return new TrainedModel("run-9", "mlflow-artifacts:/1/run-9/artifacts/model");
        }

        @Override
        public Backtest evaluate(RetrainRequest r, FeatureSet f, TrainedModel m) {
            return new Backtest("bt-1", "all_mase", 0.5, "", 0.6, 0.9, true, "passed: mean MASE 0.5 vs champion blend baseline 0.6");
        }

        @Override
        public RegisteredVersion register(RetrainRequest r, FeatureSet f, TrainedModel m, Backtest b, String key) {
            return new RegisteredVersion(r.registeredModel(), "1");
        }

        @Override
        public GateResult gate(RetrainRequest r, RegisteredVersion v, String key) {
            return new GateResult("FIRST_CHAMPION", "1", "1", "no champion yet");
        }
    }

    @Test
    void startsTheWorkflowAndWaitsForItsResult() {
        Scripted activities = new Scripted();
        try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
            Worker w = env.newWorker(TaskQueues.TRAINING);
            w.registerWorkflowImplementationTypes(RetrainingWorkflowImpl.class);
            w.registerActivitiesImplementations(activities);
            env.start();
            TrainCommand cmd = new TrainCommand();
            cmd.client = env.getWorkflowClient();
            StringWriter out = new StringWriter();
            int code = new CommandLine(cmd).setOut(new PrintWriter(out))
                    .execute("--data", "/data/a.csv.gz,/data/b.csv.gz", "--max-users", "5", "--gate", "manual", "--wait",
                            "--family", "seasonal-ar", "--end-time", "1373000000");
            assertEquals(0, code, out.toString());
            assertEquals(List.of("/data/a.csv.gz", "/data/b.csv.gz"), activities.requests.get(0).dataPaths());
            assertEquals("manual", activities.requests.get(0).gateMode());
            assertEquals(5, activities.requests.get(0).maxUsers());
            assertEquals("seasonal-ar", activities.requests.get(0).family());
            assertEquals(1_373_000_000L, activities.requests.get(0).endTime());
            assertTrue(out.toString().contains("registered foresight-forecaster v1: FIRST_CHAMPION"), out.toString());
            assertTrue(out.toString().contains("run run-9: all_mase 0.500000 (champion blend baseline 0.600000, last value 0.900000)"),
                    out.toString());
            assertTrue(out.toString().contains("gate: passed"), out.toString());
        }
    }

    @Test
    void missingDataNamesTheFix() {
        TrainCommand cmd = new TrainCommand();
        new CommandLine(cmd).parseArgs();
        cmd.data = null; // independent of the FORESIGHT_TRAIN_DATA of whoever runs the test
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, cmd::request);
        assertTrue(e.getMessage().contains("--data"));
    }

    @Test
    void readsShortAndIsoDurations() {
        assertEquals(Duration.ofHours(24), TrainCommand.parseDuration("24h"));
        assertEquals(Duration.ofMinutes(30), TrainCommand.parseDuration("30m"));
        assertEquals(Duration.ofHours(6), TrainCommand.parseDuration("PT6H"));
        assertThrows(IllegalArgumentException.class, () -> TrainCommand.parseDuration("soon"));
    }

    @Test
    void theTemporalAddressFollowsTheConfiguredPort() {
        TrainCommand c = new TrainCommand();
        c.config = io.foresight.app.stack.FsConfig.load(java.util.Map.of("FORESIGHT_TEMPORAL_PORT", "17333"));
        assertEquals("127.0.0.1:17333", c.target());
        c.config = io.foresight.app.stack.FsConfig.load(java.util.Map.of("FORESIGHT_TEMPORAL_PORT", "17333",
                "FORESIGHT_TEMPORAL_ADDRESS", "temporal.example:7233"));
        assertEquals("temporal.example:7233", c.target(), "an explicit address wins over the port");
        new CommandLine(c).parseArgs("--temporal", "10.0.0.5:7233");
        assertEquals("10.0.0.5:7233", c.target(), "the flag wins over both");
    }
}
