package io.foresight.spark.training;

import io.foresight.spark.SparkSessions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The MLlib job in local mode on a real slice of the Bitbrains trace (3 VMs, August 2013). */
class LagRegressionJobTest {
    static SparkSession spark;
    @TempDir
    static Path dir;

    static Path slice() throws URISyntaxException {
        return Path.of(LagRegressionJobTest.class.getResource("/bitbrains-2013-08-3vms.csv.gz").toURI());
    }

    @BeforeAll
    static void start() {
        spark = SparkSessions.create(new TrainingConfig("local[2]", null, dir), "test");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void fitsBeatsSeasonalNaiveOnTheHoldoutAndRoundTrips() throws Exception {
        LagRegressionJob.FeatureTable t = LagRegressionJob.writeFeatures(spark, List.of(slice()), 0, dir.resolve("f"));
        assertTrue(t.rows() > 20_000, "3 VMs x ~8,300 steps minus the first day: " + t.rows());
        long train = LagRegressionJob.trainingRows(spark, t).count();
        long hold = LagRegressionJob.holdoutRows(spark, t).count();
        assertEquals(t.rows(), train + hold);
        assertTrue(hold > 0.1 * t.rows() && hold < 0.3 * t.rows(), "the last 20% of the time range is held out");

        LagRegressionJob.Fit fit = LagRegressionJob.fit(spark, t, 50, 0.001);
        assertTrue(fit.objectiveHistory().length > 1, "l-bfgs reports the objective per iteration");
        double mae = LagRegressionJob.holdoutMae(spark, fit.model(), t);
        double naive = LagRegressionJob.baselineMae(spark, t);
        System.out.printf("holdout MAE: linear lags %.5f cores, seasonal naive %.5f cores%n", mae, naive);
        assertTrue(mae < naive, "one-step lags beat yesterday's value: " + mae + " vs " + naive);

        Path m = dir.resolve("model");
        LagRegressionJob.save(fit.model(), m);
        assertTrue(Files.exists(m.resolve("linear.json")));
        PipelineModel back = LagRegressionJob.load(m);
        assertEquals(mae, LagRegressionJob.holdoutMae(spark, back, t), 1e-12);

        LagRegressionJob.FeatureTable again = LagRegressionJob.writeFeatures(spark, List.of(Path.of("/nonexistent")), 0, dir.resolve("f"));
        assertEquals(t, again, "a complete table is reused, not recomputed");
    }
}
