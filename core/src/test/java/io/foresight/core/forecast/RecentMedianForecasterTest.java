package io.foresight.core.forecast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.eval.Backtest;
import io.foresight.core.eval.PromotionRule;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.SyntheticSeries;
import io.foresight.core.trace.UserSeries;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RecentMedianForecasterTest {
    /** A level of 1 with a spike of 5 at every 7th step (and random noise): last value chases the spikes. */
    static UserSeries spiky(int n) {
        Random rnd = new Random(7);
        return SyntheticSeries.of("spiky", n, (i, r) -> (i % 7 == 0 ? 5 : 1) + 0.05 * rnd.nextGaussian());
    }

    @Test
    void ignoresASingleSpikeAndBoundsItsOwnResiduals() {
        UserSeries s = spiky(2000);
        int now = 1401; // index 1400 is a spike (1400 % 7 == 0)
        Forecast f = RecentMedianForecaster.defaults().forecast(s, now, 12);
        assertEquals(5, s.usage(Resource.CPU, now - 1), 0.5);
        assertEquals(1, f.point(Resource.CPU, 0), 0.2, "the median of the last 3 drops the spike");
        assertTrue(f.upper(Resource.CPU, 0) > 4, "the bound covers the spikes it has seen: " + f.upper(Resource.CPU, 0));
    }

    @Test
    void beatsLastValueOnSpikySeriesSoTheGatePassesIt() {
        UserSeries s = spiky(2000);
        RecentMedianForecaster m = RecentMedianForecaster.defaults();
        var scores = Backtest.run(List.of(s), List.of(m), new Backtest.Config(12, 5, s.timestamp(1000), 300));
        assertTrue(scores.get(m.name() + "/all").relMae() < 0.7, scores.get(m.name() + "/all").toString());
        double cov = scores.get(m.name() + "/cpu").coverage();
        assertTrue(cov > 0.9 && cov < 0.99, "coverage near the nominal 0.95: " + cov);
        assertTrue(new PromotionRule(0.02).decide(scores, m.name(), Backtest.SEASONAL_NAIVE).passed());
    }

    /**
     * The past forecasts of a range, computed in one forward pass, are the median of the last k observed values before
     * each origin, as a forecast made there alone computes it: through gaps, a column that is never observed, a column
     * observed only late, and ranges that start at 0 or beyond the data.
     */
    @Test
    void pastForecastsOfARangeAreTheMedianOfTheLastObservedValuesBeforeEachOrigin() {
        Random rnd = new Random(3);
        UserSeries s = SyntheticSeries.of("gappy", 500, (i, r) -> switch (Resource.of(r)) {
            case CPU -> rnd.nextDouble() < 0.3 ? Double.NaN : rnd.nextDouble();
            case MEMORY -> Double.NaN; // never observed, as Azure's memory
            case NETWORK -> i < 300 ? Double.NaN : rnd.nextDouble();
            case DISK -> i % 50 < 45 ? Double.NaN : i; // long gaps
        });
        for (int k : new int[] {1, 2, 3, 4}) {
            RecentMedianForecaster m = new RecentMedianForecaster(k, 288, 0.95);
            double[] buf = new double[k];
            for (int[] range : new int[][] {{0, 500}, {0, 1}, {37, 41}, {299, 420}, {480, 520}}) {
                double[][][] p = m.pointsFrom(s, range[0], range[1], 2);
                for (int o = range[0]; o < range[1]; o++) {
                    for (Resource r : Resource.values()) {
                        double[] y = s.usageColumn(r);
                        double want = RecentMedianForecaster.medianOfLast(y, Math.min(o, y.length), k, buf);
                        assertEquals(want, p[o - range[0]][r.ordinal()][0], 0, "k=" + k + " " + r + " at " + o);
                        assertEquals(want, p[o - range[0]][r.ordinal()][1], 0);
                    }
                }
            }
        }
    }
}
