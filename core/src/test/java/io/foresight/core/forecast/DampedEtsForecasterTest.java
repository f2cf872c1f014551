package io.foresight.core.forecast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.eval.Backtest;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.SyntheticSeries;
import io.foresight.core.trace.UserSeries;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DampedEtsForecasterTest {
    static UserSeries series(int n, long seed, double slope, double noise) {
        Random rnd = new Random(seed);
        return SyntheticSeries.of("u", n, (i, r) -> 10 + slope * i + noise * rnd.nextGaussian());
    }

    @Test
    void smoothsNoiseWhereLastValueChasesIt() {
        UserSeries s = series(3000, 1, 0, 1);
        DampedEtsForecaster f = DampedEtsForecaster.defaults();
        var scores = Backtest.run(List.of(s), List.of(f), new Backtest.Config(12, 7, s.timestamp(1500), 600));
        // on white noise the best forecast is the mean: last value errs by sqrt(2) sigma, a small alpha by about sigma
        assertTrue(scores.get(f.name() + "/cpu").relMae() < 0.8, scores.get(f.name() + "/cpu").toString());
        double[] p = DampedEtsForecaster.fit(s.usageColumn(Resource.CPU), 0, 1000, 12);
        assertEquals(0.1, p[0], 1e-12, "the smallest alpha on the grid");
    }

    @Test
    void followsATrendAndDampsIt() {
        UserSeries s = series(2000, 2, 0.05, 0.01);
        Forecast fc = DampedEtsForecaster.defaults().forecast(s, 1500, 12);
        double last = s.usage(Resource.CPU, 1499);
        assertTrue(fc.point(Resource.CPU, 0) > last, "the trend continues");
        double step1 = fc.point(Resource.CPU, 1) - fc.point(Resource.CPU, 0);
        double step11 = fc.point(Resource.CPU, 11) - fc.point(Resource.CPU, 10);
        assertTrue(step11 < step1 && step11 > 0, "damped: " + step1 + " then " + step11);
    }

    @Test
    void pastForecastsAreWhatAForecastAtThatOriginSaysForTheSameFit() {
        UserSeries s = series(2000, 3, 0.01, 0.5);
        DampedEtsForecaster f = DampedEtsForecaster.defaults();
        double[][][] past = f.pointsFrom(s, 1200, 1300, 12);
        // both fit on the 576 steps before origin 1200, so the forecast at 1200 agrees
        assertArrayEquals(f.forecast(s, 1200, 12).point()[0], past[0][0], 1e-12);
        for (double[][] o : past) {
            for (double[] r : o) {
                for (double v : r) {
                    assertTrue(v >= 0 && !Double.isNaN(v));
                }
            }
        }
    }
}
