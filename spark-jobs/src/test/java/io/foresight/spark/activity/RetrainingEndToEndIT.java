package io.foresight.spark.activity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.forecast.Forecast;
import io.foresight.core.forecast.LinearLagForecaster;
import io.foresight.core.forecast.SeasonalNaiveForecaster;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import io.foresight.mlflow.ArtifactStore;
import io.foresight.mlflow.ChampionModelSource;
import io.foresight.mlflow.ModelStore;
import io.foresight.spark.training.LagRegressionJob;
import org.apache.spark.sql.Row;
import io.foresight.mlflow.MlflowConnection;
import io.foresight.mlflow.ModelRegistry;
import io.foresight.mlflow.ModelVersionRef;
import io.foresight.mlflow.testing.MlflowServerExtension;
import io.foresight.spark.training.LagFeatures;
import io.foresight.spark.training.SparkSessions;
import io.foresight.spark.training.TrainingConfig;
import io.foresight.workflows.TaskQueues;
import io.foresight.workflows.retrain.Backtest;
import io.foresight.workflows.retrain.FeatureSet;
import io.foresight.workflows.retrain.GateResult;
import io.foresight.workflows.retrain.RegisteredVersion;
import io.foresight.workflows.retrain.RetrainRequest;
import io.foresight.workflows.retrain.RetrainResult;
import io.foresight.workflows.retrain.RetrainingWorkflow;
import io.foresight.workflows.retrain.RetrainingWorkflowImpl;
import io.foresight.workflows.retrain.TrainedModel;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training activities against a real MLflow server and local Spark: first alone, step by step, then
 * driven by the retraining workflow in the in-process Temporal test server.
 */
@ExtendWith(MlflowServerExtension.class)
class RetrainingEndToEndIT {
    @TempDir
    static Path work;
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkSessions.create(new TrainingConfig("local[2]", null, work), "it");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static RetrainRequest request(String model) throws Exception {
        Path slice = Path.of(RetrainingEndToEndIT.class.getResource("/bitbrains-2013-08-3vms.csv.gz").toURI());
        return new RetrainRequest(List.of(slice.toString()), 0, "it-cpu-" + model, model, "mae", "auto", 0.02);
    }

    @Test
    void activitiesAloneAreIdempotentAndLogEverything(MlflowConnection mlflow) throws Exception {
        String model = "it-act-" + UUID.randomUUID();
        SparkTrainingActivities a = new SparkTrainingActivities(() -> spark, work.resolve("a"), mlflow, Map.of("git.commit", "test"));
        RetrainRequest req = request(model);

        FeatureSet f = a.extractFeatures(req, "k/features");
        assertEquals(LagFeatures.schemaHash(), f.schemaHash());
        assertEquals(f, a.extractFeatures(req, "k/features"), "a retried extraction returns the same table");

        TrainedModel m = a.train(req, f, "k/train");
        assertEquals(m, a.train(req, f, "k/train"), "a retried training finds its finished run");
        Set<String> logged = new ArtifactStore(mlflow).list(m.modelUri()).stream().map(ArtifactStore.Entry::path)
                .collect(Collectors.toSet());
        assertTrue(logged.containsAll(Set.of("stages", "metadata", "linear.json")), "the whole PipelineModel is logged: " + logged);

        Backtest b = a.evaluate(req, f, m);
        assertEquals("", b.championVersion());
        assertTrue(b.candidateValue() < b.baselineValue(), b.toString());

        RegisteredVersion v = a.register(req, f, m, b, "k/register");
        assertEquals(v, a.register(req, f, m, b, "k/register"), "a retried registration returns the same version");
        GateResult g = a.gate(req, v, "k/gate");
        assertEquals("FIRST_CHAMPION", g.outcome());
        ModelVersionRef champ = new ModelRegistry(mlflow).getAlias(model, ModelRegistry.CHAMPION).orElseThrow();
        assertEquals(v.version(), champ.version());
        assertEquals(f.schemaHash(), champ.tags().get(ModelRegistry.TAG_FEATURE_SCHEMA_HASH));
        assertEquals(Double.toString(b.candidateValue()), champ.tags().get(ModelRegistry.TAG_BACKTEST_PREFIX + "mae"));
        GateResult retried = a.gate(req, v, "k/gate");
        assertEquals("PROMOTED", retried.outcome(), "a retried gate finds the candidate already champion");
        assertEquals("already champion", retried.reason());
        assertEquals(v.version(), new ModelRegistry(mlflow).getAlias(model, ModelRegistry.CHAMPION).orElseThrow().version());
    }

    @Test
    void workflowRetrainsEndToEndAndGatesTheSecondCandidate(MlflowConnection mlflow) throws Exception {
        String model = "it-wf-" + UUID.randomUUID();
        try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
            Worker w = env.newWorker(TaskQueues.TRAINING);
            w.registerWorkflowImplementationTypes(RetrainingWorkflowImpl.class);
            w.registerActivitiesImplementations(
                    new SparkTrainingActivities(() -> spark, work.resolve("wf"), mlflow, Map.of("git.commit", "test")));
            env.start();
            RetrainResult first = run(env, "retrain-" + model + "-1", request(model));
            assertEquals("FIRST_CHAMPION", first.gate().outcome());
            servesTheChampionWithoutSpark(mlflow, model, first);

            // same data, same deterministic fit: the candidate ties the champion, so nothing moves
            RetrainResult second = run(env, "retrain-" + model + "-2", request(model));
            assertEquals(first.version().version(), second.backtest().championVersion());
            assertEquals(second.backtest().candidateValue(), second.backtest().championValue(), 1e-9,
                    "champion and candidate measured on the same backtest");
            assertEquals("REJECTED", second.gate().outcome());
            ModelRegistry registry = new ModelRegistry(mlflow);
            assertEquals(first.version().version(), registry.getAlias(model, ModelRegistry.CHAMPION).orElseThrow().version());
            assertTrue(registry.getAlias(model, ModelRegistry.CHALLENGER).isEmpty());
        }
    }

    /** The control loop's view: the champion loads from MLflow as a Spark-free forecaster that agrees with Spark. */
    private static void servesTheChampionWithoutSpark(MlflowConnection mlflow, String model, RetrainResult trained) throws Exception {
        ChampionModelSource source = ChampionModelSource.builder().store(ModelStore.of(mlflow)).model(model)
                .cacheDir(work.resolve("serving-cache")).fallback(SeasonalNaiveForecaster.daily())
                .expectedFeatureSchemaHash(LagFeatures.schemaHash())
                .loader((dir, v) -> LinearLagForecaster.load(dir, Resource.CPU, SeasonalNaiveForecaster.daily(), v.label()))
                .build();
        assertEquals(ChampionModelSource.Refresh.LOADED, source.refresh());
        assertEquals(trained.version().version(), source.activeVersion().orElseThrow().version());

        Path slice = Path.of(RetrainingEndToEndIT.class.getResource("/bitbrains-2013-08-3vms.csv.gz").toURI());
        Trace trace = BitbrainsReader.read(List.of(slice));
        LagRegressionJob.FeatureTable table = LagRegressionJob.readTable(Path.of(trained.features().path()));
        Row row = LagRegressionJob.holdoutRows(spark, table).orderBy("user", "ts").first();
        UserSeries user = trace.user(row.getString(0));
        int now = java.util.Arrays.binarySearch(user.timestamps(), row.getLong(1));
        Forecast f = source.forecast(user, now, 1);
        assertTrue(f.model().startsWith(model + "/v" + trained.version().version()), f.model());

        Path dir = work.resolve("spark-copy-" + UUID.randomUUID());
        new ArtifactStore(mlflow).download(trained.model().modelUri(), dir);
        double sparkPrediction = LagRegressionJob.load(dir)
                .transform(LagRegressionJob.holdoutRows(spark, table).filter(
                        org.apache.spark.sql.functions.col("user").equalTo(row.getString(0))
                                .and(org.apache.spark.sql.functions.col("ts").equalTo(row.getLong(1)))))
                .select("prediction").first().getDouble(0);
        assertEquals(Math.max(0, sparkPrediction), f.point(Resource.CPU, 0), 1e-9,
                "the served model predicts what Spark predicts for the same step");
    }

    private static RetrainResult run(TestWorkflowEnvironment env, String id, RetrainRequest req) {
        return env.getWorkflowClient().newWorkflowStub(RetrainingWorkflow.class,
                WorkflowOptions.newBuilder().setTaskQueue(TaskQueues.TRAINING).setWorkflowId(id).build()).retrain(req);
    }
}
