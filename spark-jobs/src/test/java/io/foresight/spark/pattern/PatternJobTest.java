package io.foresight.spark.pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.features.PatternRules;
import io.foresight.core.features.UserFeatures;
import io.foresight.core.model.Pattern;
import io.foresight.core.trace.UserSeries;
import io.foresight.spark.SharedSpark;
import io.foresight.spark.TestTraces;
import io.foresight.spark.TraceDatasets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(SharedSpark.class)
class PatternJobTest {
    @TempDir
    Path dir;

    @Test
    void rulesNameEverySyntheticPatternFromItsProfile() {
        int right = 0;
        List<SyntheticUsers.Labelled> users = SyntheticUsers.generate(6, 7, 99);
        for (SyntheticUsers.Labelled u : users) {
            UserSeries s = u.series();
            Pattern p = PatternRules.name(UserFeatures.profile(s, s.timestamp(0), s.timestamp(s.size() - 1) + 300));
            right += p == u.pattern() ? 1 : 0;
        }
        assertTrue(right >= users.size() - 2, right + " of " + users.size() + " named right");
    }

    @Test
    void classifiersLearnSyntheticPatternsAndModelsRoundTrip() {
        Map<String, Double> m = new PatternJob(new PatternJob.Config(5, 10, 10, 7))
                .runSynthetic(SharedSpark.session(), 10, 7, dir);
        assertTrue(m.get("test_users") >= 8, "test users " + m.get("test_users"));
        assertTrue(m.get("rf_accuracy") >= 0.8, "rf " + m);
        assertTrue(m.get("svm_accuracy") >= 0.8, "svm " + m);
        assertTrue(m.get("kmeans_rules_accuracy") >= 0.6, "kmeans " + m);
        assertTrue(m.get("rf_weightedPrecision") > 0 && m.get("rf_weightedRecall") > 0);

        PipelineModel rf = PipelineModel.load(dir.resolve("random-forest").toString());
        PipelineModel svm = PipelineModel.load(dir.resolve("svm-ovr").toString());
        PipelineModel km = PipelineModel.load(dir.resolve("kmeans").toString());
        List<SyntheticUsers.Labelled> fresh = SyntheticUsers.generate(2, 7, 1234);
        Dataset<Row> d = PatternJob.toDataset(SharedSpark.session(),
                fresh.stream().map(u -> UserFeatures.profile(u.series(), u.series().timestamp(0),
                        u.series().timestamp(u.series().size() - 1) + 300)).toList(),
                fresh.stream().map(SyntheticUsers.Labelled::pattern).toList());
        assertTrue(PatternJob.evaluate(rf, d).get("accuracy") >= 0.8);
        assertTrue(PatternJob.evaluate(svm, d).get("accuracy") >= 0.7);
        assertEquals(fresh.size(), km.transform(d).select("cluster").count());
    }

    @Test
    void weeklyStabilityOnTwoWeeks() {
        Dataset<Row> usage = TraceDatasets.usage(SharedSpark.session(), TestTraces.small(15, 2, 5));
        Map<String, Double> m = new PatternJob(new PatternJob.Config(2, 10, 10, 3)).weeklyStability(usage, 300);
        assertEquals(2.0, m.get("week_pairs"), "two users, weeks 1 and 2");
        assertEquals(1.0, m.get("weekly_stability"), "synthetic users keep their behaviour");
    }

    @Test
    void weeklyStabilityFromCoreProfilesMatchesTheSparkPath() {
        var trace = TestTraces.small(15, 2, 5);
        Map<String, Double> m = new PatternJob(new PatternJob.Config(2, 10, 10, 3))
                .weeklyStability(SharedSpark.session(), trace.users().values());
        assertEquals(2.0, m.get("week_pairs"));
        assertEquals(1.0, m.get("weekly_stability"));
        assertEquals(1.0, m.values().stream().filter(v -> v <= 1).mapToDouble(Double::doubleValue).sum()
                - m.get("weekly_stability"), 1e-9, "pattern shares sum to 1");
    }
}
