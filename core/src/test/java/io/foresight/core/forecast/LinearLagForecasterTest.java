package io.foresight.core.forecast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinearLagForecasterTest {
    private static UserSeries series(double... cpu) {
        int n = cpu.length;
        long[] ts = new long[n];
        double[][] u = new double[Resource.COUNT][n];
        for (int i = 0; i < n; i++) {
            ts[i] = 300L * i;
            for (int r = 1; r < Resource.COUNT; r++) {
                u[r][i] = 7;
            }
        }
        u[0] = cpu;
        return new UserSeries("u", 300, ts, u, new double[Resource.COUNT][n]);
    }

    private final Forecaster naive = new SeasonalNaiveForecaster(4, 4, 0.9);

    @Test
    void appliesCoefficientsAndFeedsPredictionsBack() {
        // y_t = 1 + 0.5 * y_{t-1} + 0.25 * mean(y_{t-2}, y_{t-1})
        LinearLagForecaster f = new LinearLagForecaster(Resource.CPU, new String[] {"lag_1", "mean_2"},
                new double[] {0.5, 0.25}, 1.0, naive, "lin");
        Forecast fc = f.forecast(series(2, 4, 6, 8), 4, 2);
        double p0 = 1 + 0.5 * 8 + 0.25 * 7;
        double p1 = 1 + 0.5 * p0 + 0.25 * (8 + p0) / 2;
        assertEquals(p0, fc.point(Resource.CPU, 0), 1e-12);
        assertEquals(p1, fc.point(Resource.CPU, 1), 1e-12);
        assertEquals(7, fc.point(Resource.MEMORY, 0), "other resources come from the base forecaster");
        assertTrue(fc.upper(Resource.CPU, 0) >= fc.point(Resource.CPU, 0));
        assertEquals("lin", fc.model());
    }

    @Test
    void unobservedLagsFallBackToTheBaseForecast() {
        LinearLagForecaster f = new LinearLagForecaster(Resource.CPU, new String[] {"lag_1"}, new double[] {1}, 0, naive, "lin");
        Forecast fc = f.forecast(series(1, 2, 3, Double.NaN), 4, 1);
        assertEquals(naive.forecast(series(1, 2, 3, Double.NaN), 4, 1).point(Resource.CPU, 0), fc.point(Resource.CPU, 0));
    }

    @Test
    void loadsLinearJsonAndRejectsUnknownFeatures(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("linear.json"), "{\"features\":[\"lag_1\"],\"coefficients\":[2.0],\"intercept\":0.5}");
        LinearLagForecaster f = LinearLagForecaster.load(dir, Resource.CPU, naive, "m/v1");
        assertEquals(6.5, f.forecast(series(1, 2, 3), 3, 1).point(Resource.CPU, 0), 1e-12);

        Files.writeString(dir.resolve("linear.json"), "{\"features\":[\"hour_sin\"],\"coefficients\":[2.0],\"intercept\":0.5}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LinearLagForecaster.load(dir, Resource.CPU, naive, "m/v2"));
        assertTrue(e.getMessage().contains("hour_sin"));
        Files.delete(dir.resolve("linear.json"));
        assertThrows(java.io.IOException.class, () -> LinearLagForecaster.load(dir, Resource.CPU, naive, "m/v3"));
    }
}
