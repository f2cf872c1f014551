package io.foresight.core.forecast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.SyntheticSeries;
import io.foresight.core.trace.UserSeries;
import java.util.Random;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;

class PeriodicChoiceForecasterTest {
    static UserSeries series(int n, IntToDoubleFunction f) {
        return SyntheticSeries.of("u", n, (i, r) -> f.applyAsDouble(i));
    }

    /** A 13-step cycle (a burst of 4 in 13) with a little noise: the median of 3 lags it, the period repeats it. */
    static double cycle(int i, Random rnd) {
        return (i % 13 < 4 ? 6 : 1) + 0.02 * rnd.nextGaussian();
    }

    @Test
    void aVmWithAShortCycleGetsItsPeriodRepeated() {
        Random rnd = new Random(3);
        UserSeries s = series(1500, i -> cycle(i, rnd));
        PeriodicChoiceForecaster f = PeriodicChoiceForecaster.over(RecentMedianForecaster.defaults(), 288);
        assertEquals(0, f.bestPeriod(s.usageColumn(Resource.CPU), 1400, 12) % 13, "a multiple of the cycle");
        // a column never observed (Azure's memory) has no period, and one observed only from the scored days on has its own
        double[] none = new double[1500];
        java.util.Arrays.fill(none, Double.NaN);
        assertEquals(-1, f.bestPeriod(none, 1400, 12));
        double[] late = s.usageColumn(Resource.CPU).clone();
        java.util.Arrays.fill(late, 0, 1400 - 576, Double.NaN);
        assertEquals(0, f.bestPeriod(late, 1400, 12) % 13, "observed in the scored window only");
        int now = 1400;
        double[][] p = f.pointsFrom(s, now, now + 1, 12)[0];
        double[] y = s.usageColumn(Resource.CPU);
        for (int h = 0; h < 12; h++) {
            assertEquals(y[now + h], p[Resource.CPU.ordinal()][h], 0.2, "step " + h);
        }
    }

    @Test
    void aVmWithoutACycleKeepsTheBase() {
        Random rnd = new Random(5);
        double[] walk = new double[1500];
        for (int i = 1; i < walk.length; i++) {
            walk[i] = Math.max(0, walk[i - 1] + rnd.nextGaussian());
        }
        UserSeries s = series(1500, i -> walk[i]);
        RecentMedianForecaster base = RecentMedianForecaster.defaults();
        PeriodicChoiceForecaster f = PeriodicChoiceForecaster.over(base, 288);
        assertArrayEquals(base.pointsFrom(s, 1400, 1410, 12)[7][0], f.pointsFrom(s, 1400, 1410, 12)[7][0], 1e-12);
    }

    @Test
    void readsNothingFromTheOriginOn() {
        Random rnd = new Random(3);
        UserSeries s = series(1500, i -> cycle(i, rnd));
        UserSeries changed = series(1500, i -> i < 1400 ? s.usage(Resource.CPU, i) : 50 + i);
        PeriodicChoiceForecaster f = PeriodicChoiceForecaster.over(RecentMedianForecaster.defaults(), 288);
        double[][][] a = f.pointsFrom(s, 1300, 1401, 12);
        double[][][] b = f.pointsFrom(changed, 1300, 1401, 12);
        for (int o = 0; o < a.length; o++) {
            assertArrayEquals(a[o][0], b[o][0], 0, "origin " + (1300 + o));
        }
    }

    @Test
    void aForecastDoesNotDependOnTheHorizonAsked() {
        Random rnd = new Random(3);
        UserSeries s = series(1500, i -> cycle(i, rnd) + (i % 7 == 0 ? 3 : 0));
        for (int o : new int[] {1300, 1333, 1400}) {
            double[][] one = PeriodicChoiceForecaster.over(RecentMedianForecaster.defaults(), 288).pointsFrom(s, o, o + 1, 1)[0];
            double[][] twelve = PeriodicChoiceForecaster.over(RecentMedianForecaster.defaults(), 288).pointsFrom(s, o, o + 1, 12)[0];
            for (int r = 0; r < Resource.COUNT; r++) {
                assertEquals(twelve[r][0], one[r][0], 0, "origin " + o + ", resource " + r);
            }
        }
    }

    /** The loop asks one origin after another: the kept choices give what a fresh forecaster computes at each. */
    @Test
    void keptChoicesGiveTheSameForecastsAsFreshOnes() {
        Random rnd = new Random(11);
        UserSeries s = series(1500, i -> (i % 29 < 5 ? 4 : 1) + 0.3 * rnd.nextGaussian());
        PeriodicChoiceForecaster warm = PeriodicChoiceForecaster.over(RecentMedianForecaster.defaults(), 288);
        for (int o = 1200; o < 1300; o++) {
            double[][] kept = warm.pointsFrom(s, o, o + 1, 12)[0];
            double[][] fresh = PeriodicChoiceForecaster.over(RecentMedianForecaster.defaults(), 288).pointsFrom(s, o, o + 1, 12)[0];
            for (int r = 0; r < Resource.COUNT; r++) {
                assertArrayEquals(fresh[r], kept[r], 0, "origin " + o);
            }
        }
    }

    /** The same user name on other data (another slice, a gap filled late) does not get the choices kept for the first. */
    @Test
    void aKeptChoiceIsNotUsedOnOtherData() {
        Random rnd = new Random(3);
        UserSeries cyclic = series(1500, i -> cycle(i, rnd));
        Random walkRnd = new Random(5);
        double[] walk = new double[1500];
        for (int i = 1; i < walk.length; i++) {
            walk[i] = Math.max(0, walk[i - 1] + walkRnd.nextGaussian());
        }
        UserSeries other = series(1500, i -> walk[i]);
        PeriodicChoiceForecaster f = PeriodicChoiceForecaster.over(RecentMedianForecaster.defaults(), 288);
        f.pointsFrom(cyclic, 1400, 1401, 12);
        double[][] reused = f.pointsFrom(other, 1400, 1401, 12)[0];
        double[][] fresh = PeriodicChoiceForecaster.over(RecentMedianForecaster.defaults(), 288).pointsFrom(other, 1400, 1401, 12)[0];
        assertArrayEquals(fresh[0], reused[0], 0);
    }
}
