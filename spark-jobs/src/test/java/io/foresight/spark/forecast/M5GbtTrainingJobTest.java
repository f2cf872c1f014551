package io.foresight.spark.forecast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.eval.ModelFamilies;
import io.foresight.core.forecast.Forecast;
import io.foresight.core.forecast.Forecaster;
import io.foresight.core.forecast.M5Features;
import io.foresight.core.forecast.ModelArtifacts;
import io.foresight.core.forecast.GateVerdict;
import io.foresight.core.forecast.TreeEnsemble;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import io.foresight.spark.SharedSpark;
import io.foresight.spark.TestTraces;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(SharedSpark.class)
class M5GbtTrainingJobTest {
    @TempDir
    static Path dir;
    static Trace trace;
    static M5GbtTrainingJob job;
    static M5GbtTrainingJob.Result result;

    @BeforeAll
    static void train() {
        trace = TestTraces.small(9, 2, 11);
        job = new M5GbtTrainingJob(new M5GbtTrainingJob.Config(8, 4, 0.3, 24, 2, 12, 5));
        result = job.run(SharedSpark.session(), trace, dir);
    }

    @Test
    void theSavedPipelineLoadsAndTheCoreScorerReproducesItsPredictions() {
        PipelineModel model = PipelineModel.load(result.pipelineDir().toString());
        TreeEnsemble trees = TreeEnsemble.load(result.treesJson());
        assertEquals(8, trees.size());
        assertEquals(M5Features.NAMES, trees.features());
        Dataset<Row> rows = job.rows(SharedSpark.session(), trace);
        List<Row> scored = model.transform(rows).select("features", "prediction", "label").collectAsList();
        assertEquals(result.rows(), scored.size(), "seeded: the same rows again");
        int nonTrivial = 0;
        for (Row r : scored) {
            double[] x = ((Vector) r.get(0)).toArray();
            assertEquals(r.getDouble(1), trees.predict(x), 1e-9);
            nonTrivial += Math.abs(r.getDouble(1)) > 1e-6 ? 1 : 0;
        }
        assertTrue(nonTrivial > scored.size() / 2, "the model predicts something");
    }

    @Test
    void theFamilyServesTheTreesWithACalibratedBoundAndSurvivesTheModelFormat() {
        TreeEnsemble trees = TreeEnsemble.load(result.treesJson());
        Forecaster f = ModelFamilies.build(ModelFamilies.GBT_M5, trace, "t1", trees, null);
        UserSeries s = trace.users().values().iterator().next();
        Forecast a = f.forecast(s, 2000, 12);
        ModelArtifacts.save(dir.resolve("model"), ModelFamilies.GBT_M5, "t1", f, 0, 1, Map.of(), Map.of(),
                new GateVerdict(true, "passed: test", Map.of()));
        Forecast b = ModelArtifacts.load(dir.resolve("model")).forecaster().forecast(s, 2000, 12);
        for (Resource r : Resource.values()) {
            for (int h = 0; h < 12; h++) {
                assertEquals(a.point(r, h), b.point(r, h), 1e-12);
                assertEquals(a.upper(r, h), b.upper(r, h), 1e-12);
                assertTrue(a.upper(r, h) >= a.point(r, h));
            }
        }
    }

    /** {@code backtest --calendar off}: both GBT families train on calendar features held at 0 (trees cannot split). */
    @Test
    void withoutTheCalendarTheTrainingRowsHoldItConstant() {
        M5GbtTrainingJob off = new M5GbtTrainingJob(new M5GbtTrainingJob.Config(8, 4, 0.3, 24, 2, 12, 5).withCalendar(false));
        Dataset<Row> onRows = job.rows(SharedSpark.session(), trace);
        Dataset<Row> offRows = off.rows(SharedSpark.session(), trace);
        assertEquals(onRows.count(), offRows.count());
        for (String c : List.of("minute_of_day", "day_of_week")) {
            assertTrue(onRows.select(c).distinct().count() > 1, c + " varies with the calendar on");
            assertEquals(List.of(0.0), offRows.select(c).distinct().collectAsList().stream().map(r -> r.getDouble(0)).toList(), c);
        }
        Dataset<Row> points = new io.foresight.spark.features.FeatureJob(trace.stepSeconds(), List.of())
                .pointFeatures(io.foresight.spark.TraceDatasets.usage(SharedSpark.session(), trace));
        Dataset<Row> blank = ForecastTrainingJob.withoutCalendar(points);
        assertTrue(points.select("hour").distinct().count() > 1);
        for (String c : io.foresight.core.features.UserFeatures.CALENDAR_NAMES) {
            assertEquals(1, blank.select(c).distinct().count(), c);
        }
        assertEquals(points.count(), blank.count());
    }
}
