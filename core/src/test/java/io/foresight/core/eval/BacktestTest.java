package io.foresight.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.forecast.Forecast;
import io.foresight.core.forecast.Forecaster;
import io.foresight.core.forecast.SeasonalNaiveForecaster;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.SyntheticSeries;
import io.foresight.core.trace.UserSeries;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BacktestTest {
    private static UserSeries ramp(int n) {
        return SyntheticSeries.of("ramp", n, (i, r) -> i);
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
        // Last value on a ramp is off by 1..4 over a 4-step horizon: mean 2.5.
        Backtest.Score last = scores.get(Backtest.LAST_VALUE + "/cpu");
        assertEquals(2.5, last.mae(), 1e-9);
        assertEquals(1.0, last.relMae(), 1e-12);
        assertEquals(c.mae() / 2.5, c.relMae(), 1e-9);
        assertEquals(2.5 / 288, last.mase(), 1e-9);
        assertEquals(2.5 / 288, scores.get(Backtest.LAST_VALUE + "/all").mase(), 1e-9, "mean over the 4 resources");
    }

    @Test
    void yardsticksAreScoredOnceEvenWhenTheCallerPassesThem() {
        UserSeries s = ramp(1000);
        Map<String, Backtest.Score> scores = Backtest.run(List.of(s), List.of(SeasonalNaiveForecaster.daily()),
                new Backtest.Config(4, 10, s.timestamp(600), 300));
        assertEquals(2 * (Resource.COUNT + 1), scores.size());
        assertEquals(List.of(Backtest.SEASONAL_NAIVE, Backtest.LAST_VALUE),
                scores.values().stream().map(Backtest.Score::forecaster).distinct().toList());
        Map<String, Double> m = Backtest.metrics(scores, Backtest.LAST_VALUE, "x.");
        assertEquals(1.0, m.get("x.cpu_rel_mae"), 1e-12);
        assertEquals(2.5, m.get("x.cpu_mae"), 1e-12);
        assertTrue(m.containsKey("x.all_coverage") && !m.containsKey("x.all_mae"));
    }

    @Test
    void gateRequiresBeatingLastValueAndTheChampion() {
        UserSeries s = ramp(1000);
        Constant near = new Constant(0); // far worse than last value on a ramp
        Map<String, Backtest.Score> scores = Backtest.run(List.of(s), List.of(near),
                new Backtest.Config(4, 10, s.timestamp(600), 300));
        PromotionRule rule = new PromotionRule(0.02);
        var worse = rule.decide(scores, near.name(), Backtest.SEASONAL_NAIVE);
        assertTrue(!worse.passed(), worse.reason());
        assertTrue(worse.reason().contains("beats neither"), worse.reason());
        assertEquals(scores.get("const0.0/all").relMae(), worse.metrics().get("challenger.all_rel_mae"));
        // Last value itself does not beat last value (ratio 1), though it beats seasonal naive.
        var tie = rule.decide(scores, Backtest.LAST_VALUE, Backtest.SEASONAL_NAIVE);
        assertTrue(!tie.passed() && tie.reason().contains("does not beat last value"), tie.reason());
        // Seasonal naive as challenger of last value as champion: worse than both.
        var naive = rule.decide(scores, Backtest.SEASONAL_NAIVE, null);
        assertTrue(!naive.passed() && naive.reason().contains("no champion yet"), naive.reason());
        // A ramp extrapolator is exact: it beats last value and the champion.
        Forecaster ramp = new Forecaster() {
            public String name() {
                return "ramp";
            }

            public Forecast forecast(UserSeries x, int now, int horizon) {
                double[][] p = new double[Resource.COUNT][horizon];
                for (int r = 0; r < Resource.COUNT; r++) {
                    for (int h = 0; h < horizon; h++) {
                        p[r][h] = now + h;
                    }
                }
                return new Forecast(x.user(), 0, 300, 0.9, p, p, name());
            }
        };
        Map<String, Backtest.Score> withRamp = Backtest.run(List.of(s), List.of(near, ramp),
                new Backtest.Config(4, 10, s.timestamp(600), 300));
        var good = rule.decide(withRamp, "ramp", near.name());
        assertTrue(good.passed(), good.reason());
        assertEquals(0.0, good.metrics().get("challenger.all_rel_mae"), 1e-12);
        assertTrue(good.metrics().containsKey("champion.cpu_mase"));
        assertTrue(!rule.decide(withRamp, near.name(), "ramp").passed());
    }

    @Test
    void exportsExactlyTheOriginsItScoresAndTheSeries(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        UserSeries s = ramp(1000);
        Backtest.Config c = new Backtest.Config(4, 10, s.timestamp(600), 300);
        assertEquals(40, BacktestPoints.write(List.of(s), c, dir));
        List<String> origins = java.nio.file.Files.readAllLines(dir.resolve(BacktestPoints.ORIGINS));
        assertEquals("user,origin,timestamp,horizon", origins.get(0));
        assertEquals("ramp,600," + s.timestamp(600) + ",4", origins.get(1));
        assertEquals("ramp,990," + s.timestamp(990) + ",4", origins.get(40));
        Map<String, Backtest.Score> scores = Backtest.run(List.of(s), List.of(new Constant(0)), c);
        assertEquals((origins.size() - 1) * 4L, scores.get("const0.0/cpu").points(), "every exported origin scored, 4 steps each");
        List<String> series = java.nio.file.Files.readAllLines(dir.resolve(BacktestPoints.SERIES));
        assertEquals(1001, series.size());
        assertEquals("ramp,7," + s.timestamp(7) + ",7.00000000,7.00000000,7.00000000,7.00000000", series.get(8));
    }

    @Test
    void rejectsEmptyForecasterList() {
        assertThrows(IllegalArgumentException.class, () -> Backtest.run(List.of(), List.of(), new Backtest.Config(1, 1, 0, 0)));
    }
}
