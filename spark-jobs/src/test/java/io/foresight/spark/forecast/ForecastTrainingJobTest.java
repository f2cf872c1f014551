package io.foresight.spark.forecast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.features.UserFeatures;
import io.foresight.core.forecast.TreeEnsemble;
import io.foresight.core.forecast.TreeEnsembleForecaster;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import io.foresight.spark.SharedSpark;
import io.foresight.spark.TestTraces;
import io.foresight.spark.TraceDatasets;
import io.foresight.spark.features.FeatureJob;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(SharedSpark.class)
class ForecastTrainingJobTest {
    @TempDir
    static Path dir;
    static Trace trace;
    static Dataset<Row> features;
    static ForecastTrainingJob.Result result;

    @BeforeAll
    static void train() {
        trace = TestTraces.small(8, 2, 11);
        features = new FeatureJob(300, List.of()).pointFeatures(TraceDatasets.usage(SharedSpark.session(), trace)).cache();
        result = new ForecastTrainingJob(new ForecastTrainingJob.Config(12, 4, 0.3, 1.0, 0.2, 5)).run(features, dir);
    }

    @Test
    void coreScorerReproducesSparkPredictions() {
        PipelineModel model = PipelineModel.load(result.pipelineDir().toString());
        TreeEnsemble trees = TreeEnsemble.load(result.treesJson());
        assertEquals(12, trees.size());
        List<Row> rows = model.transform(ForecastTrainingJob.modelInput(features)).sample(false, 0.1, 3)
                .select("features", "prediction", "base").collectAsList();
        assertTrue(rows.size() > 500, "enough rows compared: " + rows.size());
        int nonTrivial = 0;
        for (Row row : rows) {
            double[] x = ((Vector) row.get(0)).toArray();
            double expected = row.getDouble(1);
            assertEquals(expected, trees.predict(x), 1e-9);
            nonTrivial += Math.abs(expected) > 1e-6 ? 1 : 0;
        }
        assertTrue(nonTrivial > rows.size() / 2, "the model predicts something");
    }

    @Test
    void coreForecasterStepMatchesSparkOnRawHistory() {
        PipelineModel model = PipelineModel.load(result.pipelineDir().toString());
        TreeEnsembleForecaster f = new TreeEnsembleForecaster(TreeEnsemble.load(result.treesJson()),
                UserFeatures.NO_HOLIDAYS, "test");
        List<Row> rows = model.transform(ForecastTrainingJob.modelInput(features))
                .where("user = 'u1' and resource = 0").orderBy("ts").limit(3000)
                .select("ts", "prediction", "base").collectAsList();
        UserSeries s = trace.user("u1");
        double[] x = new double[TreeEnsembleForecaster.FEATURES.size()];
        for (Row row : rows) {
            int t = (int) ((row.getLong(0) - s.timestamp(0)) / 300);
            double spark = Math.max(0, row.getDouble(1) + row.getDouble(2));
            double core = f.predictStep(s.usageColumn(Resource.CPU), t, row.getLong(0), 300, Resource.CPU, x);
            assertEquals(spark, core, 1e-9, "step " + t);
        }
    }

    @Test
    void savedPipelineRoundTripsWithIdenticalPredictions() throws Exception {
        PipelineModel model = PipelineModel.load(result.pipelineDir().toString());
        Path copy = dir.resolve("copy");
        model.write().overwrite().save(copy.toString());
        PipelineModel again = PipelineModel.load(copy.toString());
        Dataset<Row> in = ForecastTrainingJob.modelInput(features).limit(500);
        List<Row> a = model.transform(in).select("prediction").collectAsList();
        List<Row> b = again.transform(in).select("prediction").collectAsList();
        assertEquals(a, b);
        assertEquals(TreeEnsemble.load(result.treesJson()).toJson(), ForecastTrainingJob.export(again).toJson());
    }

    @Test
    void validationMetricsAreReportedOnHeldBackTime() {
        assertTrue(result.metrics().get("gbt_valid_rows") > 0);
        assertTrue(result.metrics().get("gbt_valid_mae") >= 0);
        assertTrue(result.trainRows() > result.metrics().get("gbt_valid_rows"), "80/20 time split");
    }
}
