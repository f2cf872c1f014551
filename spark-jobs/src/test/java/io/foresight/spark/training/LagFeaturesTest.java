package io.foresight.spark.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class LagFeaturesTest {
    private static UserSeries series(double[] cpu) {
        int n = cpu.length;
        long[] ts = new long[n];
        double[][] u = new double[Resource.COUNT][n];
        for (int i = 0; i < n; i++) {
            ts[i] = 1_000_000L + 300L * i;
        }
        u[0] = cpu;
        return new UserSeries("vm1", 300, ts, u, new double[Resource.COUNT][n]);
    }

    @Test
    void rowsHoldLagsOfTheSameUserAndStartAfterADay() {
        double[] y = new double[300];
        for (int i = 0; i < y.length; i++) {
            y[i] = i;
        }
        List<Row> rows = new ArrayList<>();
        LagFeatures.addRows(series(y), rows);
        assertEquals(300 - 288, rows.size());
        Row r = rows.get(0); // t = 288
        assertEquals("vm1", r.getString(0));
        assertEquals(1_000_000L + 300L * 288, r.getLong(1));
        assertEquals(288.0, r.getDouble(2));
        assertEquals(287.0, r.getDouble(3), "lag_1");
        assertEquals(276.0, r.getDouble(6), "lag_12");
        assertEquals(0.0, r.getDouble(7), "lag_288");
        assertEquals((287 + 276) / 2.0, r.getDouble(8), 1e-12, "mean of the last 12 steps");
    }

    @Test
    void stepsWithAnUnobservedLabelOrFeatureAreSkippedNotImputed() {
        double[] y = new double[300];
        java.util.Arrays.fill(y, 1.0);
        y[295] = Double.NaN; // label at 295; lag_1 at 296; lag_2 at 297; lag_3 at 298; in the mean window up to 299+
        List<Row> rows = new ArrayList<>();
        LagFeatures.addRows(series(y), rows);
        assertEquals(300 - 288 - 5, rows.size());
        assertTrue(rows.stream().noneMatch(r -> r.getLong(1) >= 1_000_000L + 300L * 295));
    }

    @Test
    void schemaHashIsStableAndNamesTheFeatures() {
        assertEquals(LagFeatures.schemaHash(), LagFeatures.schemaHash());
        assertTrue(LagFeatures.schemaJson().contains("lag_288"));
    }
}
