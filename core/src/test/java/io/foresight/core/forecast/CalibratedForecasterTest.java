package io.foresight.core.forecast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.eval.Backtest;
import io.foresight.core.eval.ModelFamilies;
import io.foresight.core.eval.TrainingWindow;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.SyntheticSeries;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CalibratedForecasterTest {
    static final Path SLICE = Path.of("..", "data", "bitbrains-slice", "bitbrains-rnd-2013-07-01_14d_20vms.csv.gz");

    /** A random walk: errors of an h-step forecast grow like sqrt(h), so the bound must widen with the step. */
    static UserSeries randomWalk(int n, long seed) {
        Random rnd = new Random(seed);
        long[] ts = new long[n];
        double[][] u = new double[Resource.COUNT][n];
        double[][] c = new double[Resource.COUNT][n];
        for (int r = 0; r < Resource.COUNT; r++) {
            double v = 100;
            for (int i = 0; i < n; i++) {
                v += rnd.nextGaussian();
                u[r][i] = v;
                c[r][i] = Double.NaN;
                ts[i] = 1_000_000_200L + 300L * i;
            }
        }
        return new UserSeries("walk", 300, ts, u, c);
    }

    @Test
    void theBoundWidensWithTheStepAndCoversNominallyOnARandomWalk() {
        UserSeries s = randomWalk(4000, 3);
        CalibratedForecaster f = ModelFamilies.calibrated(new RecentMedianForecaster(1, 288, 0.95));
        Forecast fc = f.forecast(s, 3000, 12);
        double m1 = fc.upper(Resource.CPU, 0) - fc.point(Resource.CPU, 0);
        double m12 = fc.upper(Resource.CPU, 11) - fc.point(Resource.CPU, 11);
        // the 95 % quantile of N(0, h): 1.64 at h = 1, 1.64 * sqrt(12) = 5.7 at h = 12
        assertEquals(1.64, m1, 0.5);
        assertEquals(5.7, m12, 1.5);
        var scores = Backtest.run(List.of(s), List.of(f), new Backtest.Config(12, 1, s.timestamp(2500), 300));
        Backtest.Score cpu = scores.get(f.name() + "/cpu");
        // 1,500 points per step: a sampling error of about 0.6 points
        assertTrue(cpu.worstStepGap(0.95) < 0.02, "every step within 2 points: " + java.util.Arrays.toString(cpu.coverageByStep()));
    }

    /** Level 10 with small noise, and a burst at every full hour (index a multiple of 12): work that starts on the hour. */
    static UserSeries onTheHourBursts(int n, long seed) {
        Random rnd = new Random(seed);
        return SyntheticSeries.of("hourly", n,
                (i, r) -> 10 + 0.3 * rnd.nextGaussian() + (i % 12 == 0 ? Math.abs(4 * rnd.nextGaussian()) : 0));
    }

    @Test
    void aBoundConditionedOnThePhaseOfTheHourCoversTheFirstStepAfterAFullHour() {
        UserSeries s = onTheHourBursts(6000, 11);
        RecentMedianForecaster median = RecentMedianForecaster.defaults();
        CalibratedForecaster plain = ModelFamilies.calibrated(median);
        CalibratedForecaster phased = CalibratedForecaster.phased(median, 0.95);
        // origins at full hours only, as the gate's 3-hourly origins are
        var scores = Backtest.run(List.of(s), List.of(plain, phased), new Backtest.Config(12, 12, s.timestamp(2400), 300));
        double[] plainCov = scores.get(plain.name() + "/cpu").coverageByStep();
        double[] phasedCov = scores.get(phased.name() + "/cpu").coverageByStep();
        assertTrue(plainCov[0] < 0.85, "over all times of the hour the burst is rare, the bound misses it: " + plainCov[0]);
        assertTrue(phasedCov[0] > 0.93 && phasedCov[0] < 0.98, "calibrated on full-hour origins: " + phasedCov[0]);
        for (int h = 1; h < 12; h++) {
            assertTrue(phasedCov[h] > 0.92, "step " + h + ": " + phasedCov[h]);
        }
    }

    /** A resource calibrated at every phase gets exactly the plain bound; the others keep the phased one. */
    @Test
    void aResourceCalibratedAtEveryPhaseGetsThePlainBound() {
        UserSeries s = onTheHourBursts(3000, 7);
        RecentMedianForecaster median = RecentMedianForecaster.defaults();
        // every resource at 0.95, as the phased ones (ModelFamilies.calibrated bounds memory, network, disk at the engine's)
        CalibratedForecaster plain = new CalibratedForecaster(median, CalibratedForecaster.DEFAULT_WINDOW, 0.95);
        CalibratedForecaster phased = CalibratedForecaster.phased(median, 0.95);
        CalibratedForecaster mixed = new CalibratedForecaster(median, CalibratedForecaster.PHASED_WINDOW, 0.95,
                CalibratedForecaster.HOURLY_PHASE, java.util.Set.of(Resource.DISK));
        for (int now : new int[] {2400, 2413, 2999}) {
            var m = mixed.forecast(s, now, 12);
            assertArrayEquals(plain.forecast(s, now, 12).upper()[Resource.DISK.ordinal()], m.upper()[Resource.DISK.ordinal()], 0);
            assertArrayEquals(phased.forecast(s, now, 12).upper()[Resource.CPU.ordinal()], m.upper()[Resource.CPU.ordinal()], 0);
        }
        double[][] p = phased.forecast(s, 2400, 12).upper();
        double[][] q = plain.forecast(s, 2400, 12).upper();
        assertTrue(p[Resource.DISK.ordinal()][0] != q[Resource.DISK.ordinal()][0], "the two bounds differ on this series");
    }

    @Test
    void readsNothingAtOrAfterNow() {
        UserSeries a = randomWalk(2000, 5);
        double[][] u = new double[Resource.COUNT][];
        double[][] c = new double[Resource.COUNT][];
        for (Resource r : Resource.values()) {
            u[r.ordinal()] = a.usageColumn(r).clone();
            c[r.ordinal()] = a.capacityColumn(r).clone();
            for (int i = 1500; i < 2000; i++) {
                u[r.ordinal()][i] = 1e6; // a different future
            }
        }
        UserSeries b = new UserSeries("walk", 300, a.timestamps(), u, c);
        CalibratedForecaster f = ModelFamilies.calibrated(RecentMedianForecaster.defaults());
        Forecast fa = f.forecast(a, 1500, 12), fb = f.forecast(b, 1500, 12);
        for (Resource r : Resource.values()) {
            assertArrayEquals(fa.point()[r.ordinal()], fb.point()[r.ordinal()]);
            assertArrayEquals(fa.upper()[r.ordinal()], fb.upper()[r.ordinal()]);
        }
    }

    /**
     * The served recent-median family on the bundled real slice (20 VMs, last 2 days, every 4th origin so every
     * time of day and every phase of Bitbrains' 15-minute grid counts): coverage per resource and step near each
     * resource's nominal (CPU 95 %, the others the engine's 99 %). About 2,900 points per cell; the 3-point tolerance allows for the days not being alike;
     * docs/evaluation.md has 40 VMs at every other origin.
     */
    @Test
    void coverageOnRealVmsIsNominalPerResourceAndStep() {
        Trace trace = BitbrainsReader.read(List.of(SLICE), 20);
        long evalFrom = TrainingWindow.end(trace) - 2 * 86_400L;
        Forecaster f = ModelFamilies.build(ModelFamilies.RECENT_MEDIAN, TrainingWindow.before(trace, evalFrom), "t", null, null);
        var scores = Backtest.run(trace.users().values(), List.of(f), new Backtest.Config(12, 4, evalFrom, 300));
        for (Resource r : Resource.values()) {
            Backtest.Score s = scores.get(Backtest.key(f.name(), r));
            double nominal = ((CalibratedForecaster) f).nominal(r); // CPU 0.95, the others the engine's 0.99
            assertTrue(s.worstStepGap(nominal) < 0.03, r + " at " + nominal + ": " + java.util.Arrays.toString(s.coverageByStep()));
        }
        double meanNominal = java.util.Arrays.stream(Resource.values()).mapToDouble(((CalibratedForecaster) f)::nominal).average()
                .orElseThrow(); // "all" is the mean over the resources
        assertEquals(meanNominal, scores.get(f.name() + "/all").coverage(), 0.01);
    }

    /**
     * The bound keeps each series' past forecasts instead of recomputing them at every interval: a forecaster that
     * kept them while a history grew one interval at a time (through the history's growths and a compaction) forecasts
     * bit for bit what a new forecaster, which keeps nothing, forecasts at the same interval. On real VMs of both
     * providers, with median-periodic (the retraining workflow's default family); Azure's VMs have CPU only, so three
     * of their four columns are all NaN.
     */
    @Test
    void keptPastForecastsGiveTheBoundsANewForecasterGives() {
        Path azure = Path.of("..", "data", "azure-slice", "azure2017-first-14d_12vms.csv.gz");
        for (Trace trace : List.of(BitbrainsReader.read(List.of(SLICE), 2),
                io.foresight.core.trace.AzureReader.read(List.of(azure)))) {
            Forecaster kept = ModelFamilies.build(ModelFamilies.MEDIAN_PERIODIC, trace, "t", null, null);
            UserSeries s = trace.users().values().iterator().next();
            // a short window so the history compacts inside the test: 3 days, 8 days of intervals appended
            io.foresight.core.engine.UserHistory h = io.foresight.core.engine.UserHistory.seed(s, 600, 864);
            UserSeries first = h.series();
            boolean moved = false;
            for (int i = 600; i < Math.min(s.size(), 600 + 2300); i++) {
                double[] u = new double[Resource.COUNT];
                for (Resource r : Resource.values()) {
                    u[r.ordinal()] = s.usageColumn(r)[i];
                }
                h.append(s.timestamp(i), u);
                moved |= h.series() != first;
                if (i % 7 != 0) {
                    continue; // every 7th interval against a new forecaster: enough, and a new one recomputes everything
                }
                Forecast a = kept.forecast(h.series(), h.size(), 1);
                Forecaster fresh = ModelFamilies.build(ModelFamilies.MEDIAN_PERIODIC, trace, "t", null, null);
                Forecast b = fresh.forecast(h.series(), h.size(), 1);
                for (Resource r : Resource.values()) {
                    assertArrayEquals(b.point()[r.ordinal()], a.point()[r.ordinal()], 0, s.user() + " " + r + " at " + i);
                    assertArrayEquals(b.upper()[r.ordinal()], a.upper()[r.ordinal()], 0, s.user() + " " + r + " at " + i);
                }
            }
            assertTrue(moved, "the history moved to a new series at least once");
        }
    }
}
