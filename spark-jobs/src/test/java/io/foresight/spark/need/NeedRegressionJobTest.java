package io.foresight.spark.need;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.spark.SharedSpark;
import io.foresight.spark.TestTraces;
import io.foresight.spark.TraceDatasets;
import io.foresight.spark.features.FeatureJob;
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
class NeedRegressionJobTest {
    @TempDir
    Path dir;

    @Test
    void predictsNextHourPeakAndModelsRoundTrip() {
        Dataset<Row> f = new FeatureJob(300, List.of())
                .pointFeatures(TraceDatasets.usage(SharedSpark.session(), TestTraces.small(4, 2, 9))).cache();
        NeedRegressionJob job = new NeedRegressionJob(300, new NeedRegressionJob.Config(8, 0.25, 1.0, 1));
        Dataset<Row> ex = job.examples(f);
        Row first = ex.orderBy("user", "resource", "ts").first();
        assertEquals(0, first.getLong(first.fieldIndex("ts")) % 3600, "decision points at full hours");
        NeedRegressionJob.Result r = job.run(f, dir);
        Map<String, Double> m = r.metrics();
        for (String model : List.of("lr", "gbt", "last_hour_peak")) {
            for (String res : List.of("cpu", "memory")) {
                assertTrue(m.get("need_" + model + "_" + res + "_mae") >= 0, model + res);
                assertTrue(m.get("need_" + model + "_" + res + "_rmse") >= m.get("need_" + model + "_" + res + "_mae"));
            }
        }
        // The steady user's memory is flat: a learned model must beat a large error by far.
        assertTrue(m.get("need_gbt_memory_mae") < 2.0, m.toString());
        Dataset<Row> in = ex.limit(50);
        PipelineModel lr = PipelineModel.load(r.linearModel().toString());
        PipelineModel gbt = PipelineModel.load(r.gbtModel().toString());
        assertEquals(50, lr.transform(in).count());
        assertEquals(r.gbt().transform(in).select("prediction").collectAsList(),
                gbt.transform(in).select("prediction").collectAsList(), "saved GBT predicts as the fitted one");
        assertEquals(r.linear().transform(in).select("prediction").collectAsList(),
                lr.transform(in).select("prediction").collectAsList(), "saved LR predicts as the fitted one");
    }
}
