package io.foresight.spark.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.forecast.TreeEnsemble;
import io.foresight.spark.SharedSpark;
import io.foresight.spark.TestTraces;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(SharedSpark.class)
class TrainingPipelineTest {
    @TempDir
    Path dir;

    @Test
    void producesModelMetricsSchemaAndPlot() throws Exception {
        TrainingRequest req = new TrainingRequest(List.of(Path.of("synthetic")), dir.resolve("model"), 3, 0, 1.0, 1, 12, 8, TrainingRequest.BACKTEST_STRIDE);
        TrainingResult r = TrainingPipeline.run(SharedSpark.session(), TestTraces.small(8, 2, 21), req);
        assertTrue(Files.isDirectory(r.modelDir().resolve("gbt-pipeline")));
        assertEquals(8, TreeEnsemble.load(r.exportedModelJson()).size());
        assertTrue(Files.readString(r.featureSchema()).contains("lag2016"));
        BufferedImage png = ImageIO.read(r.forecastVsActualPng().toFile());
        assertEquals(1000, png.getWidth());
        assertTrue(Files.exists(r.modelDir().resolve(TrainingPipeline.METRICS_FILE)));
        for (String k : List.of("seasonal_naive", "last_value", "blend_conformal", "seasonal_ar", "decomposable", "gbt",
                "per_user_selection")) {
            double cov = r.metrics().get(k + "_cpu_coverage");
            assertTrue(cov >= 0 && cov <= 1, k + " coverage " + cov);
            assertTrue(r.metrics().get(k + "_cpu_mae") >= 0, k);
            assertTrue(r.metrics().get(k + "_all_mase") > 0, k);
        }
        assertEquals(1.0, r.metrics().get("seasonal_naive_cpu_mase"), 1e-12, "naive is its own MASE scale");
        assertEquals(1.0, r.metrics().get("last_value_cpu_rel_mae"), 1e-12, "last value is its own relative-MAE scale");
        assertTrue(r.metrics().get("gbt_all_rel_mae") > 0);
        // Every family is saved in the one artifact format with the gate's verdict against the blend and last value.
        for (String family : io.foresight.core.eval.ModelFamilies.ALL) {
            if (io.foresight.core.eval.ModelFamilies.needsLinear(family)) {
                continue;
            }
            var m = io.foresight.core.forecast.ModelArtifacts.loadForBacktest(r.modelDir().resolve("models").resolve(family));
            assertEquals(family, m.family());
            assertTrue(m.gate().reason().contains("last value"), m.gate().reason());
            assertEquals(r.metrics().get(family.replace('-', '_') + "_all_mase"), m.metrics().get("all_mase"), 1e-12);
        }
    }

    @Test
    void rejectsBadRequests() {
        assertThrows(IllegalArgumentException.class,
                () -> new TrainingRequest(List.of(), dir, 1, 0, 1.0, 1, 12, 8, TrainingRequest.BACKTEST_STRIDE));
        assertThrows(IllegalArgumentException.class,
                () -> TrainingRequest.of(List.of(Path.of("x")), dir, 1).withSampleFraction(0));
    }
}
