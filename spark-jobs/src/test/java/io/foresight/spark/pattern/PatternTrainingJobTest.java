package io.foresight.spark.pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.features.PatternClassifier;
import io.foresight.core.forecast.ModelArtifacts;
import io.foresight.core.model.Pattern;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.spark.SharedSpark;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The workflow's pattern training on the repo's real slice (20 Bitbrains VMs, 14 days, the last 3 held out): KMeans
 * named by the rules labels the days, RandomForest and LinearSVC learn tomorrow's pattern, persistence is scored on
 * the same holdout pairs; every saved model round-trips (the three Spark pipelines predict after loading what they
 * predicted before, and the exported winner served by core predicts what its Spark pipeline predicts).
 */
@ExtendWith(SharedSpark.class)
class PatternTrainingJobTest {
    static Trace trace;
    static long evalFrom;
    static PatternTrainingJob.Result result;
    @TempDir
    static Path dir;

    @BeforeAll
    static void train() {
        trace = BitbrainsReader.read(List.of(Path.of("..", "data", "bitbrains-slice", "bitbrains-rnd-2013-07-01_14d_20vms.csv.gz")));
        evalFrom = io.foresight.core.eval.TrainingWindow.end(trace) - 3 * 86_400L;
        result = new PatternTrainingJob(new PatternJob.Config(5, 20, 30, 7)).run(SharedSpark.session(), trace, evalFrom,
                dir, "test", Map.of("data", "slice"));
        System.out.println("pattern training on the slice: " + result.metrics());
    }

    @Test
    void scoresEachModelAndPersistenceOnTheSameHoldoutPairs() {
        Map<String, Double> m = result.metrics();
        assertTrue(m.get("pairs.train") >= 100 && m.get("pairs.test") >= 20, m.toString());
        for (String model : List.of("random_forest", "linear_svc", "persistence")) {
            for (String k : List.of("accuracy", "weighted_precision", "weighted_recall")) {
                double v = m.get(model + "." + k);
                assertTrue(v >= 0 && v <= 1, model + "." + k + " " + m);
            }
        }
        // persistence recomputed by hand on the holdout pairs: the share whose tomorrow equals today
        PatternTrainingJob.Pairs t = result.test();
        long same = java.util.stream.IntStream.range(0, t.features().size())
                .filter(i -> t.today().get(i) == t.tomorrow().get(i)).count();
        assertEquals((double) same / t.features().size(), m.get("persistence.accuracy"), 1e-12);
        // every pair's next day is in the holdout, every training pair's before it
        assertTrue(t.features().stream().allMatch(v -> v.to() >= evalFrom));
        assertTrue(result.train().features().stream().allMatch(v -> v.to() + 86_400L <= evalFrom));
        String winner = result.winner();
        String loser = winner.equals("random_forest") ? "linear_svc" : "random_forest";
        assertTrue(m.get(winner + ".accuracy") >= m.get(loser + ".accuracy"), "the more accurate model is exported");
        assertFalse(t.tomorrow().contains(Pattern.UNKNOWN), "labels are named clusters");
    }

    @Test
    void everySavedModelRoundTrips() {
        Dataset<Row> test = PatternJob.toDataset(SharedSpark.session(), result.test().features(), result.test().tomorrow());
        for (String kind : List.of("kmeans", "random-forest", "svm-ovr")) {
            String col = kind.equals("kmeans") ? "cluster" : "prediction";
            PipelineModel back = PipelineModel.load(dir.resolve("spark").resolve(kind).toString());
            List<Row> again = back.transform(test).select(col).collectAsList();
            assertEquals(result.pipelines().get(kind).transform(test).select(col).collectAsList(), again, kind);
        }
        ModelArtifacts.LoadedPatterns served = ModelArtifacts.loadPatternsForBacktest(dir);
        assertEquals(ModelArtifacts.PATTERN_FAMILY, served.manifest().family());
        assertFalse(served.manifest().gate().passed(), "the job leaves the verdict to the gate");
        PipelineModel spark = PipelineModel.load(dir.resolve("spark")
                .resolve(result.winner().equals("random_forest") ? "random-forest" : "svm-ovr").toString());
        List<Row> sp = spark.transform(test).select("prediction").collectAsList();
        PatternClassifier c = served.classifier();
        for (int i = 0; i < sp.size(); i++) {
            assertEquals((int) sp.get(i).getDouble(0), c.predict(result.test().features().get(i)).ordinal(), "pair " + i);
        }
        assertEquals(result.metrics().get(result.winner() + ".accuracy"), PatternTrainingJob.accuracy(c, result.test()), 1e-12);
        assertEquals(result.population().majority(), served.population().majority());
    }
}
