package io.foresight.core.forecast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import io.foresight.core.trace.ValidationReport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BlendForecasterTest {
    static UserSeries daily(String user, int days, long seed, double noise) {
        int n = days * 288;
        Random rnd = new Random(seed);
        long[] ts = new long[n];
        double[][] u = new double[Resource.COUNT][n];
        double[][] c = new double[Resource.COUNT][n];
        for (int i = 0; i < n; i++) {
            ts[i] = 300L * i;
            double base = 2 + Math.sin(i * 2 * Math.PI / 288);
            for (int r = 0; r < Resource.COUNT; r++) {
                u[r][i] = Math.max(0, base * (r + 1) + noise * rnd.nextGaussian());
            }
        }
        for (double[] row : c) {
            Arrays.fill(row, Double.NaN);
        }
        return new UserSeries(user, 300, ts, u, c);
    }

    @Test
    void cachedIncrementalForecastEqualsAFreshOne() {
        UserSeries s = daily("u", 9, 1, 0.2);
        BlendForecaster f = BlendForecaster.fit(new Trace(300, Map.of("t", daily("t", 9, 2, 0.2)), new ValidationReport("t")), 0.9, 2);
        for (int now : new int[] {0, 1, 300, 1500, 2016, 2017, 2500}) {
            Forecast incremental = f.forecast(s, now, 2);
            Forecast fresh = new BlendForecaster(f.model()).forecast(s, now, 2);
            for (int r = 0; r < Resource.COUNT; r++) {
                assertArrayEquals(fresh.point()[r], incremental.point()[r], 0.0);
                assertArrayEquals(fresh.upper()[r], incremental.upper()[r], 0.0);
            }
        }
        // asking for an earlier time restarts from scratch and still agrees
        Forecast back = f.forecast(s, 100, 2);
        assertArrayEquals(new BlendForecaster(f.model()).forecast(s, 100, 2).upper()[0], back.upper()[0], 0.0);
    }

    @Test
    void aTrackerKeepingOnlyTheAskedHorizonsForecastsThoseStepsAsOneKeepingAll() {
        // real usage: the repo's Bitbrains slice, 20 VMs, 14 days; the model fitted on 3 of its VMs for 12 steps
        Trace slice = io.foresight.core.trace.BitbrainsReader.read(java.util.List.of(
                java.nio.file.Path.of("..", "data", "bitbrains-slice", "bitbrains-rnd-2013-07-01_14d_20vms.csv.gz")));
        java.util.List<UserSeries> users = new java.util.ArrayList<>(new java.util.TreeMap<>(slice.users()).values());
        Map<String, UserSeries> train = new java.util.TreeMap<>();
        users.subList(0, 3).forEach(u -> train.put(u.user(), u));
        BlendForecaster.Model model = BlendForecaster.fit(new Trace(slice.stepSeconds(), train, new ValidationReport("t")),
                0.95, 12).model();
        for (UserSeries s : users.subList(3, 8)) {
            BlendForecaster short1 = new BlendForecaster(model);
            BlendForecaster all = new BlendForecaster(model);
            for (int now = 1200; now < 1700; now += 7) {
                Forecast one = short1.forecast(s, now, 1);
                Forecast twelve = all.forecast(s, now, 12);
                for (int r = 0; r < Resource.COUNT; r++) {
                    assertEquals(twelve.point()[r][0], one.point()[r][0], 0.0, s.user() + " point at " + now);
                    assertEquals(twelve.upper()[r][0], one.upper()[r][0], 0.0, s.user() + " upper at " + now);
                }
            }
            // asked for more steps later: the same 12-step forecast as a tracker that kept all along
            Forecast later = short1.forecast(s, 1800, 12);
            Forecast kept = all.forecast(s, 1800, 12);
            for (int r = 0; r < Resource.COUNT; r++) {
                assertArrayEquals(kept.upper()[r], later.upper()[r], 0.0);
                assertArrayEquals(kept.point()[r], later.point()[r], 0.0);
            }
        }
    }

    @Test
    void fitLearnsTheSeasonAndTheBoundCovers() {
        Trace train = new Trace(300, Map.of("a", daily("a", 14, 3, 0.05), "b", daily("b", 14, 4, 0.05)),
                new ValidationReport("t"));
        BlendForecaster f = BlendForecaster.fit(train, 0.9, 1);
        double[] w = f.model().weights()[0];
        for (double x : w) {
            assertTrue(x >= 0, "weights are non-negative: " + Arrays.toString(w));
        }
        // smooth daily curve with small noise: last value and yesterday carry the signal
        assertTrue(w[0] + w[2] + w[3] > 0.8, Arrays.toString(w));
        UserSeries test = daily("c", 14, 5, 0.05);
        int covered = 0;
        int n = 0;
        double absErr = 0;
        for (int now = 9 * 288; now < 14 * 288; now++) {
            Forecast fc = f.forecast(test, now, 1);
            double y = test.usage(Resource.CPU, now);
            covered += y <= fc.upper(Resource.CPU, 0) ? 1 : 0;
            absErr += Math.abs(y - fc.point(Resource.CPU, 0));
            n++;
        }
        double coverage = covered / (double) n;
        assertTrue(coverage > 0.85 && coverage < 0.97, "coverage near the 0.9 target, got " + coverage);
        assertTrue(absErr / n < 0.1, "MAE " + absErr / n);
        assertEquals(0.9, f.forecast(test, 10, 1).quantile(), 0);
    }

    @Test
    void coldStartUsesPopulationResiduals() {
        Trace train = new Trace(300, Map.of("a", daily("a", 10, 3, 0.3)), new ValidationReport("t"));
        BlendForecaster f = BlendForecaster.fit(train, 0.95, 1);
        UserSeries fresh = daily("new", 1, 9, 0.3);
        Forecast fc = f.forecast(fresh, 20, 1);
        double level = fc.point(Resource.CPU, 0);
        assertTrue(fc.upper(Resource.CPU, 0) > level, "a cold user still gets a margin");
        assertTrue(f.model().popQuantile()[0][0] > 0);
        Forecast none = f.forecast(fresh, 0, 1);
        assertTrue(Double.isNaN(none.point(Resource.CPU, 0)), "nothing observed: no forecast");
    }

    @Test
    void rejectsBadArguments() {
        BlendForecaster f = new BlendForecaster(BlendForecaster.Model.untrained(0.9, 1));
        UserSeries s = daily("u", 1, 1, 0.1);
        assertThrows(IllegalArgumentException.class, () -> f.forecast(s, -1, 1));
        assertThrows(IllegalArgumentException.class, () -> f.forecast(s, 10, 0));
        assertThrows(IllegalArgumentException.class, () -> BlendForecaster.Model.untrained(1.0, 1));
    }

    @Test
    void rollingQuantileMatchesSortedWindow() {
        RollingQuantile q = new RollingQuantile(50);
        Random rnd = new Random(7);
        double[] all = new double[500];
        for (int i = 0; i < all.length; i++) {
            all[i] = (float) rnd.nextGaussian(); // the window keeps single precision
            q.add(all[i]);
            int from = Math.max(0, i - 49);
            double[] w = Arrays.copyOfRange(all, from, i + 1);
            Arrays.sort(w);
            int k = Math.min(w.length - 1, (int) Math.ceil(0.9 * (w.length + 1)) - 1);
            assertEquals(w[k], q.quantile(0.9), 0.0);
        }
        assertEquals(50, q.size());
    }

    @Test
    void rollingQuantileMatchesSortedWindowWithTiesAndSparseQueries() {
        // the quantile is found from the previous answer: ties, signed zeros, answers asked every few values or after
        // a long gap, and the window filling must give the sorted window's k-th value bit for bit
        Random rnd = new Random(11);
        for (double q : new double[] {0.5, 0.9, 0.99}) {
            for (int every : new int[] {1, 3, 40}) {
                RollingQuantile rq = new RollingQuantile(150); // grows in steps of 64, then wraps
                List<Double> window = new ArrayList<>();
                for (int i = 0; i < 1_000; i++) {
                    double v = switch (rnd.nextInt(5)) {
                        case 0 -> Math.round(rnd.nextGaussian() * 2) / 2.0; // ties
                        case 1 -> rnd.nextBoolean() ? 0.0 : -0.0;
                        case 2 -> Double.NaN; // skipped, as a missing residual is
                        default -> rnd.nextGaussian();
                    };
                    rq.add(v);
                    if (!Double.isNaN(v)) {
                        window.add((double) (float) v); // kept in single precision
                        if (window.size() > 150) {
                            window.remove(0);
                        }
                    }
                    if (window.isEmpty()) {
                        assertTrue(Double.isNaN(rq.quantile(q)));
                    } else if (i % every == 0) {
                        double[] w = window.stream().mapToDouble(Double::doubleValue).toArray();
                        Arrays.sort(w);
                        int k = Math.min(w.length - 1, (int) Math.ceil(q * (w.length + 1)) - 1);
                        assertEquals(Double.doubleToRawLongBits(w[k]), Double.doubleToRawLongBits(rq.quantile(q)),
                                "q " + q + " every " + every + " at " + i);
                    }
                }
            }
        }
    }

    @Test
    void nnlsSolvesAnExactSystem() {
        // A = I (2x2), b = (2, -1): nnls -> (2, 0)
        double[] x = BlendForecaster.nnls(new double[] {1, 0, 0, 1}, new double[] {2, -1}, 2);
        assertArrayEquals(new double[] {2, 0}, x, 1e-9);
    }

    @Test
    void peakHoldFloorsTheUpperBound() {
        double[] q = {0.5, 0.5, 0.5, 0.5};
        BlendForecaster.Model base = BlendForecaster.Model.untrained(q, 1);
        BlendForecaster.Model held = new BlendForecaster.Model(q, base.ewmaAlpha(), base.residualWindow(), base.minResiduals(), 1,
                base.scaleAlpha(), base.expertAlpha(), new int[] {0, 3, 0, 0}, base.weights(), base.popQuantile());
        UserSeries s = daily("u", 1, 1, 0.0);
        double[] mem = s.usageColumn(Resource.MEMORY);
        Arrays.fill(mem, 1.0);
        mem[10] = 9.0;
        BlendForecaster f = new BlendForecaster(held);
        // the peak at index 10 is in the last 3 observations for now = 11, 12, 13, not at 14
        assertEquals(9.0, f.forecast(s, 11, 1).upper(Resource.MEMORY, 0), 0);
        assertEquals(9.0, f.forecast(s, 13, 1).upper(Resource.MEMORY, 0), 0);
        assertTrue(f.forecast(s, 14, 1).upper(Resource.MEMORY, 0) < 9.0);
        assertTrue(new BlendForecaster(base).forecast(s, 11, 1).upper(Resource.MEMORY, 0) < 9.0, "off by default");
    }

    /**
     * A VM idling at 0.1 core with a 15-minute spike to 1 core at the same time every day (the Azure sample's shape,
     * issue 14): after the spike is over, the default residual scale (8-hour memory) lets the bound fall back to what
     * the calm hours need, where a 2-hour scale (0.05) keeps it raised for the hours after the spike.
     */
    @Test
    void theBoundFallsBackAfterADailySpikeIsOver() {
        java.util.function.IntToDoubleFunction spiky = i -> (i % 288 >= 100 && i % 288 < 103) ? 1.0 : 0.1;
        UserSeries train = Series.of("t", 10 * 288, spiky, 0.01, 7);
        UserSeries test = Series.of("u", 10 * 288, spiky, 0.01, 8);
        Trace t = new Trace(300, Map.of("t", train), new ValidationReport("t"));
        double[] q = {0.97, 0.97, 0.97, 0.97};
        BlendForecaster slow = BlendForecaster.fit(t, q, 1, BlendForecaster.DEFAULT_SCALE_ALPHA,
                BlendForecaster.DEFAULT_EXPERT_ALPHA, new int[Resource.COUNT]);
        BlendForecaster fast = BlendForecaster.fit(t, q, 1, 0.05, BlendForecaster.DEFAULT_EXPERT_ALPHA, new int[Resource.COUNT]);
        double afterSlow = 0;
        double afterFast = 0;
        int coveredCalm = 0;
        int calm = 0;
        for (int day = 8; day < 10; day++) {
            // from half an hour to four hours after the spike ends
            for (int now = day * 288 + 109; now < day * 288 + 151; now++) {
                afterSlow += slow.forecast(test, now, 1).upper(Resource.CPU, 0);
                afterFast += fast.forecast(test, now, 1).upper(Resource.CPU, 0);
                coveredCalm += test.usage(Resource.CPU, now) <= slow.forecast(test, now, 1).upper(Resource.CPU, 0) ? 1 : 0;
                calm++;
            }
        }
        // the room above the calm 0.1 core that the hours after the spike pay for
        double roomSlow = afterSlow / calm - 0.1;
        double roomFast = afterFast / calm - 0.1;
        assertTrue(roomSlow < 0.85 * roomFast, "room above the calm level after the spike: default scale " + roomSlow
                + " core, 2-hour scale " + roomFast);
        assertTrue(coveredCalm >= 0.9 * calm, "the calm hours are still covered: " + coveredCalm + "/" + calm);
    }
}
