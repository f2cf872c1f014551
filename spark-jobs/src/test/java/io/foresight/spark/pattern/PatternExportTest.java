package io.foresight.spark.pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.features.FeatureVector;
import io.foresight.core.features.PatternClassifier;
import io.foresight.core.model.Pattern;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import io.foresight.spark.SharedSpark;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pattern classifiers on the repo's real slice (20 Bitbrains VMs, 14 days): trained on the first 9 days to name the
 * next day's pattern from this day's features, scored on the last 5; the exported classifiers the profiler serves
 * predict what Spark's pipelines predict, and both round-trip through their files.
 */
@ExtendWith(SharedSpark.class)
class PatternExportTest {
    @TempDir
    Path dir;

    static Trace[] split(int days) {
        Trace t = BitbrainsReader.read(Path.of("..", "data", "bitbrains-slice", "bitbrains-rnd-2013-07-01_14d_20vms.csv.gz"));
        Map<String, UserSeries> a = new LinkedHashMap<>();
        Map<String, UserSeries> b = new LinkedHashMap<>();
        for (UserSeries s : t.users().values()) {
            int cut = Math.min(s.size(), days * 288);
            a.put(s.user(), s.slice(0, cut));
            if (cut < s.size()) {
                b.put(s.user(), s.slice(cut, s.size()));
            }
        }
        return new Trace[] {new Trace(t.stepSeconds(), a, t.report()), new Trace(t.stepSeconds(), b, t.report())};
    }

    @Test
    void forestAndSvmTrainedOnRealDaysAreServedWithoutSparkAsSparkPredicts() throws Exception {
        Trace[] tt = split(9);
        Map<String, Double> m = new PatternJob(new PatternJob.Config(5, 20, 30, 7))
                .trainNextWindow(SharedSpark.session(), tt[0], tt[1], 1, dir, "test");
        System.out.println("next-day pattern on the slice: " + m);
        assertTrue(m.get("train_pairs") >= 100 && m.get("test_pairs") >= 40, m.toString());
        for (String k : List.of("rf_accuracy", "svm_accuracy", "rf_weightedPrecision", "rf_weightedRecall",
                "svm_weightedPrecision", "svm_weightedRecall", "persistence_accuracy")) {
            assertTrue(m.get(k) > 0 && m.get(k) <= 1, k + " " + m);
        }
        PatternJob.NextWindowPairs test = PatternJob.nextWindowPairs(tt[1].users().values(), 1);
        for (String kind : List.of("random-forest", "svm-ovr")) {
            PipelineModel spark = PipelineModel.load(dir.resolve("spark").resolve(kind).toString());
            PatternClassifier served = PatternClassifier.load(dir.resolve(kind.equals("svm-ovr") ? "svm.json" : "random-forest.json"));
            assertEquals(kind.equals("svm-ovr") ? PatternClassifier.SVM : PatternClassifier.FOREST, served.kind());
            assertEquals(m.get(kind.equals("svm-ovr") ? "svm_accuracy" : "rf_accuracy"), served.metrics().get("accuracy"));
            List<Row> rows = spark.transform(PatternJob.toDataset(SharedSpark.session(), test.features(), test.next()))
                    .select("user", "window", "prediction").collectAsList();
            int same = 0;
            for (int i = 0; i < rows.size(); i++) {
                FeatureVector v = test.features().get(i);
                assertEquals(v.user(), rows.get(i).getString(0));
                Pattern p = served.predict(v);
                same += p.ordinal() == (int) rows.get(i).getDouble(2) ? 1 : 0;
            }
            // SVM: the same margins; forest: votes of the leaves' classes vs Spark's averaged leaf probabilities
            double agree = (double) same / rows.size();
            System.out.println(kind + ": served agrees with Spark on " + same + " of " + rows.size());
            assertTrue(kind.equals("svm-ovr") ? same == rows.size() : agree >= 0.95, kind + " agreement " + agree);
        }
    }
}
