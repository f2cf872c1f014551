package io.foresight.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.forecast.Forecast;
import io.foresight.core.forecast.Forecaster;
import io.foresight.core.forecast.SeasonalNaiveForecaster;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BacktestTest {
    private static UserSeries ramp(int n) {
        long[] ts = new long[n];
        double[][] u = new double[Resource.COUNT][n];
        double[][] c = new double[Resource.COUNT][n];
        for (int i = 0; i < n; i++) {
            ts[i] = 1_000_000_200L + 300L * i;
            for (int r = 0; r < Resource.COUNT; r++) {
                u[r][i] = i;
                c[r][i] = Double.NaN;
            }
        }
        return new UserSeries("ramp", 300, ts, u, c);
    }

    /** Predicts a constant, and records the latest index it was allowed to read. */
    private static final class Constant implements Forecaster {
        final double v;
        int maxNow = -1;

        Constant(double v) {
            this.v = v;
        }

        public String name() {
            return "const" + v;
        }

        public Forecast forecast(UserSeries s, int now, int horizon) {
            maxNow = Math.max(maxNow, now);
            double[][] p = new double[Resource.COUNT][horizon];
            double[][] u = new double[Resource.COUNT][horizon];
            for (int r = 0; r < Resource.COUNT; r++) {
                Arrays.fill(p[r], v);
                Arrays.fill(u[r], v + 1000);
            }
            return new Forecast(s.user(), s.timestamp(0), 300, 0.9, p, u, name());
        }
    }

    @Test
    void scoresAgainstSeasonalNaiveOnTheSamePoints() {
        UserSeries s = ramp(1000);
        Constant perfectOnNaive = new Constant(0);
        Map<String, Backtest.Score> scores = Backtest.run(List.of(s), List.of(perfectOnNaive, SeasonalNaiveForecaster.daily()),
                new Backtest.Config(4, 10, s.timestamp(600), 300));
        Backtest.Score naive = scores.get(SeasonalNaiveForecaster.daily().name() + "/cpu");
        // The ramp rises 288 per day: seasonal naive is off by exactly 288 everywhere.
        assertEquals(288, naive.mae(), 1e-9);
        assertEquals(1.0, naive.mase(), 1e-12);
        Backtest.Score c = scores.get("const0.0/cpu");
        assertTrue(c.mae() > 600, "constant 0 on values >= 600");
        assertEquals(c.mae() / 288, c.mase(), 1e-9);
        assertEquals(1.0, c.coverage());
        assertEquals(40 * 4, c.points(), "origins 600..996 step 10, 4 steps each");
        assertTrue(perfectOnNaive.maxNow <= 996, "never asked beyond the last origin with a full horizon");
        assertTrue(scores.containsKey("const0.0/all"));
    }

    @Test
    void rejectsEmptyForecasterList() {
        assertThrows(IllegalArgumentException.class, () -> Backtest.run(List.of(), List.of(), new Backtest.Config(1, 1, 0, 0)));
    }
}
