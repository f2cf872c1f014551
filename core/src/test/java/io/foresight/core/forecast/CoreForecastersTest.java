package io.foresight.core.forecast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.eval.Backtest;
import io.foresight.core.features.UserFeatures;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CoreForecastersTest {
    private static double mae(Forecaster f, UserSeries s, int now, int horizon) {
        Forecast fc = f.forecast(s, now, horizon);
        double e = 0;
        for (int h = 0; h < horizon; h++) {
            e += Math.abs(fc.point(Resource.CPU, h) - s.usage(Resource.CPU, now + h));
        }
        return e / horizon;
    }

    @Test
    void seasonalArLearnsDailyShapePlusLevelShift() {
        // A daily wave whose level rises by 1 on day 3: seasonal naive lags one day behind, AR on
        // the daily difference picks up the shift from the last hours.
        UserSeries s = Series.of("u", 288 * 5, i -> Series.daily(i) + (i >= 288 * 3 + 100 ? 1 : 0), 0.01, 1);
        int now = 288 * 3 + 200;
        double ar = mae(SeasonalArForecaster.daily(), s, now, 12);
        double naive = mae(SeasonalNaiveForecaster.daily(), s, now, 12);
        assertTrue(ar < 0.2, "AR error " + ar);
        assertTrue(ar < naive / 3, "AR " + ar + " vs naive " + naive);
    }

    @Test
    void seasonalArFallsBackToLevelsWithShortHistory() {
        UserSeries s = Series.of("u", 100, i -> 3.0, 0.0, 1);
        Forecast f = SeasonalArForecaster.daily().forecast(s, 50, 12);
        for (int h = 0; h < 12; h++) {
            assertEquals(3.0, f.point(Resource.CPU, h), 1e-6);
        }
    }

    @Test
    void forecastersNeverReadTheFuture() {
        UserSeries s = Series.of("u", 288 * 8, Series::daily, 0.1, 2);
        UserSeries spoiled = s.slice(0, s.size());
        int now = 288 * 7 + 5;
        for (Resource r : Resource.values()) {
            for (int i = now; i < s.size(); i++) {
                spoiled.usageColumn(r)[i] = 1e6;
            }
        }
        List<Forecaster> all = List.of(SeasonalArForecaster.daily(),
                DecomposableForecaster.defaults(UserFeatures.NO_HOLIDAYS),
                ConformalForecaster.of(SeasonalArForecaster.daily()));
        for (Forecaster f : all) {
            Forecast a = f.forecast(s, now, 24);
            Forecast b = f.forecast(spoiled, now, 24);
            for (int h = 0; h < 24; h++) {
                assertEquals(a.point(Resource.CPU, h), b.point(Resource.CPU, h), 0.0, f.name());
                assertEquals(a.upper(Resource.CPU, h), b.upper(Resource.CPU, h), 0.0, f.name());
            }
        }
    }

    @Test
    void decomposableFitsTrendAndSeasonality() {
        // Trend + daily + weekly pattern with a weekend drop; two weeks of history forecast a Saturday,
        // where seasonal naive (Friday) misses the drop.
        UserSeries s = Series.of("u", 288 * 20, i -> 1 + 0.0005 * i + Series.daily(i)
                + ((i / 288) % 7 >= 5 ? -0.5 : 0), 0.05, 3);
        int now = 288 * 19;
        double dec = mae(DecomposableForecaster.defaults(UserFeatures.NO_HOLIDAYS), s, now, 288);
        double naive = mae(SeasonalNaiveForecaster.daily(), s, now, 288);
        assertTrue(dec < naive, "decomposable " + dec + " vs naive " + naive);
        assertTrue(dec < 0.4, "decomposable error " + dec);
    }

    @Test
    void decomposableUsesHolidayEffect() {
        long holidayDay = Series.START / 86_400 + 2;
        java.util.function.LongPredicate hol = ts -> Math.floorDiv(ts, 86_400L) == holidayDay
                || Math.floorDiv(ts, 86_400L) == holidayDay + 5;
        // Usage drops to ~0 on holidays (days 2 and 7); forecast day 7 from days 0-6.
        UserSeries s = Series.of("u", 288 * 8, i -> (i / 288 == 2 || i / 288 == 7) ? 0.2 : 3, 0.02, 4);
        int now = 288 * 7;
        DecomposableForecaster with = new DecomposableForecaster(2016, 0, 2, 0, 1e-4, 1e-2, hol);
        DecomposableForecaster without = new DecomposableForecaster(2016, 0, 2, 0, 1e-4, 1e-2, UserFeatures.NO_HOLIDAYS);
        assertTrue(mae(with, s, now, 48) < 0.3);
        assertTrue(mae(without, s, now, 48) > 1.5);
    }

    @Test
    void conformalBoundCoversAboutTheRequestedShare() {
        UserSeries s = Series.of("u", 288 * 10, Series::daily, 0.3, 5);
        Forecaster f = new ConformalForecaster(SeasonalArForecaster.daily(), 0.9, 30, 6);
        Map<String, Backtest.Score> scores = Backtest.run(List.of(s), List.of(f),
                new Backtest.Config(12, 6, Series.START + 5 * 86_400L, 288));
        double coverage = scores.get(f.name() + "/cpu").coverage();
        assertTrue(coverage > 0.8 && coverage < 0.98, "coverage " + coverage);
        Forecast fc = f.forecast(s, 288 * 6, 12);
        assertTrue(fc.upper(Resource.CPU, 0) > fc.point(Resource.CPU, 0));
        assertEquals(0.9, fc.quantile());
    }

    @Test
    void treeEnsembleRoundTripsThroughJsonAndFollowsSparkSplitRule() {
        // Root splits feature 0 at 1.5: x <= 1.5 goes left (value 10), else right (value 20).
        TreeEnsemble.Tree t = new TreeEnsemble.Tree(0.5, new int[] {0, -1, -1}, new double[] {1.5, 0, 0},
                new int[] {1, -1, -1}, new int[] {2, -1, -1}, new double[] {0, 10, 20});
        TreeEnsemble e = new TreeEnsemble(List.of("a"), List.of(t, t));
        assertEquals(10, e.predict(new double[] {1.5}));
        assertEquals(20, e.predict(new double[] {1.6}));
        TreeEnsemble back = TreeEnsemble.fromJson(e.toJson());
        assertEquals(e.toJson(), back.toJson());
        assertThrows(IllegalArgumentException.class, () -> TreeEnsemble.fromJson("{\"format\":\"x\"}"));
        assertThrows(IllegalArgumentException.class, () -> new TreeEnsemble(List.of(), List.of(t)));
    }

    @Test
    void modelSelectorPicksTheBetterModelPerUser() {
        UserSeries wave = Series.of("wave", 288 * 6, Series::daily, 0.01, 6);
        // A flat series with a level jump: seasonal naive is a day late, AR adapts.
        UserSeries jump = Series.of("jump", 288 * 6, i -> i >= 288 * 5 - 60 ? 4 : 1, 0.01, 7);
        Forecaster ar = SeasonalArForecaster.daily();
        Forecaster naive = SeasonalNaiveForecaster.daily();
        ModelSelector sel = new ModelSelector(List.of(naive, ar), 12, 6, 12);
        assertEquals(ar.name(), sel.choose(jump, 288 * 5 + 30).name());
        assertNotEquals(null, sel.choose(wave, 288 * 5));
        Forecast f = sel.forecast(jump, 288 * 5 + 30, 12);
        assertTrue(f.model().contains(ar.name()), f.model());
    }
}
