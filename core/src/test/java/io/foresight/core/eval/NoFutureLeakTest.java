package io.foresight.core.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.cost.PriceBook;
import io.foresight.core.model.Resource;
import io.foresight.core.policy.PolicyGate;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Two test series equal up to interval k and different after it: every policy that may not see the
 * future must allocate identically up to and including k. The oracle, which sees the future by
 * definition, is shown to fail the same check, so the check can catch a leak.
 */
class NoFutureLeakTest {
    private static UserSeries randomSeries(long seed, int n) {
        Random rnd = new Random(seed);
        double[] cpu = new double[n];
        double[] mem = new double[n];
        for (int i = 0; i < n; i++) {
            cpu[i] = 1 + Math.sin(i * 2 * Math.PI / 288) + rnd.nextDouble();
            mem[i] = 2 + rnd.nextDouble() * 0.2;
        }
        return EvaluatorTest.series("u", 0, cpu, mem);
    }

    private static UserSeries divergeAfter(UserSeries s, int k) {
        UserSeries c = s.slice(0, s.size());
        for (Resource r : Resource.values()) {
            double[] col = c.usageColumn(r);
            for (int i = k + 1; i < col.length; i++) {
                col[i] = Double.isNaN(col[i]) ? 7 : col[i] * 3 + 5;
            }
        }
        return c;
    }

    private static double[][] replay(AllocationPolicy p, UserSeries s, int upTo) {
        UserAllocator a = p.start(s);
        double[][] out = new double[upTo + 1][];
        for (int i = 0; i <= upTo; i++) {
            out[i] = a.allocate(i);
            double[] u = new double[Resource.COUNT];
            for (int r = 0; r < Resource.COUNT; r++) {
                u[r] = s.usageColumn(Resource.of(r))[i];
            }
            a.observe(i, u);
        }
        return out;
    }

    /** The allocation in force at every interval of {@code s} when foresight's pool replay runs it alone. */
    private static double[][] foresight(Trace train, UserSeries s) {
        return foresight(train, s, Policies.ForesightSettings.defaults());
    }

    private static double[][] foresight(Trace train, UserSeries s, Policies.ForesightSettings settings) {
        var engine = Policies.engine(settings, PolicyGate.PERMISSIVE, PriceBook.DEFAULT);
        return foresight(train, s, settings, Policies.blend(train, settings, engine.horizon()));
    }

    private static double[][] foresight(Trace train, UserSeries s, Policies.ForesightSettings settings,
                                        io.foresight.core.forecast.Forecaster model) {
        var run = Policies.foresight(train, settings, PolicyGate.PERMISSIVE, PriceBook.DEFAULT,
                model, "test", io.foresight.core.engine.ApprovalModel.NOW);
        double[][] out = new double[s.size()][];
        run.replay().run(List.of(new PoolReplay.UserReplay(s, 0, s.capacityAt(0))),
                (u, i, inForce, f) -> out[i] = inForce.toArray(), null, 1);
        return out;
    }

    /** The last interval where the two series of each check agree. */
    private static final int K = 2 * 288 + 17;

    @Test
    void noPolicyButTheOracleReadsTheFuture() {
        int k = K;
        Trace trainTrace = EvaluatorTest.trace(randomSeries(1, 2 * 288));
        UserSeries a = randomSeries(2, 3 * 288);
        UserSeries b = divergeAfter(a, k);
        List<String> names = Policies.NAMES.stream().filter(x -> !x.equals("oracle")).toList();
        List<AllocationPolicy> ps = Policies.create(names, trainTrace);
        for (AllocationPolicy p : ps) {
            double[][] ra = replay(p, a, k);
            double[][] rb = replay(p, b, k);
            for (int i = 0; i <= k; i++) {
                assertArrayEquals(ra[i], rb[i], 0.0, p.name() + " allocation at " + i + " depends on data after " + k);
            }
        }
        double[][] fa = foresight(trainTrace, a);
        double[][] fb = foresight(trainTrace, b);
        for (int i = 0; i <= k; i++) {
            assertArrayEquals(fa[i], fb[i], 0.0, "foresight (the loop's engine) allocation at " + i
                    + " depends on data after " + k);
        }
        AllocationPolicy oracle = Policies.create(List.of("oracle"), trainTrace).get(0);
        double[][] oa = replay(oracle, a, k + 1);
        double[][] ob = replay(oracle, b, k + 1);
        assertFalse(Arrays.equals(oa[k + 1], ob[k + 1]), "the check must catch a policy that reads interval k+1");
    }

    /** A user's random job log over {@code days} from {@code t0}: bursts of 1-4 core jobs, some waiting before they start. */
    static List<io.foresight.core.model.ExecutionRecord> jobs(long seed, long t0, int days) {
        Random rnd = new Random(seed);
        List<io.foresight.core.model.ExecutionRecord> out = new java.util.ArrayList<>();
        long t = t0;
        int id = 0;
        while (t < t0 + days * 86400L) {
            int burst = 1 + rnd.nextInt(6);
            for (int b = 0; b < burst; b++) {
                long wait = rnd.nextInt(3) == 0 ? rnd.nextInt(1200) : 0;
                long run = 60 + rnd.nextInt(5400);
                out.add(new io.foresight.core.model.ExecutionRecord("j" + id++, "u", null, null, null, t, t + wait, t + wait + run,
                        io.foresight.core.model.ResourceVector.of(1 + rnd.nextInt(4), Double.NaN, Double.NaN, Double.NaN),
                        io.foresight.core.model.ExecutionRecord.Status.COMPLETED, List.of()));
            }
            t += 60 + rnd.nextInt(3 * 3600);
        }
        return out;
    }

    static UserSeries fromLog(List<io.foresight.core.model.ExecutionRecord> jobs) {
        return io.foresight.core.trace.SwfReader.toTrace(new io.foresight.core.trace.SwfReader.Log(jobs,
                new io.foresight.core.trace.ValidationReport("swf"))).user("u");
    }

    /**
     * The queue signal reads a job log's job states; two logs that agree on everything known at the end of interval
     * k (jobs submitted by then; of a job still running or waiting, only that it has not ended or started) must give
     * the same allocations through interval k + 1, the first one decided with interval k's data.
     */
    @Test
    void theQueueSignalReadsNothingAfterTheIntervalItDecidesOn() {
        long t0 = 1_132_444_800L;
        Trace train = EvaluatorTest.trace(fromLog(jobs(3, t0 - 3 * 86400L, 3)));
        List<io.foresight.core.model.ExecutionRecord> a = jobs(4, t0, 3);
        int k = 2 * 288 + 17;
        long cut = t0 + (k + 1) * 300L; // the end of interval k
        List<io.foresight.core.model.ExecutionRecord> b = new java.util.ArrayList<>();
        int changed = 0;
        for (var j : a) {
            if (j.submitTime() > cut) {
                continue; // not known at the cut: replaced below
            }
            long start = j.startTime() > cut ? j.startTime() + 1800 : j.startTime();
            long end = j.endTime() > cut ? Math.max(j.endTime(), start) + 3600 : j.endTime();
            changed += start != j.startTime() || end != j.endTime() ? 1 : 0;
            b.add(new io.foresight.core.model.ExecutionRecord(j.jobId(), j.user(), null, null, null, j.submitTime(), start, end,
                    j.resources(), j.status(), List.of()));
        }
        b.add(new io.foresight.core.model.ExecutionRecord("late", "u", null, null, null, cut + 10, cut + 10, cut + 4000,
                io.foresight.core.model.ResourceVector.of(32, Double.NaN, Double.NaN, Double.NaN),
                io.foresight.core.model.ExecutionRecord.Status.COMPLETED, List.of()));
        org.junit.jupiter.api.Assertions.assertTrue(changed > 0, "some job must run or wait across the cut");
        UserSeries sa = fromLog(a);
        UserSeries sb = fromLog(b);
        double[][] fa = foresight(train, sa);
        double[][] fb = foresight(train, sb);
        for (int i = 0; i <= k + 1; i++) {
            assertArrayEquals(fa[i], fb[i], 0.0, "foresight with the queue signal: allocation at " + i
                    + " depends on the log after the end of interval " + k);
        }
        boolean differs = false;
        for (int i = k + 2; i < Math.min(fa.length, fb.length) && !differs; i++) {
            differs = !Arrays.equals(fa[i], fb[i]);
        }
        org.junit.jupiter.api.Assertions.assertTrue(differs, "the logs differ after the cut, so the allocations must too");
    }

    /** Every setting of every policy's risk knob in {@code evaluate --sweep} reads only the past. */
    @Test
    void noSweptSettingReadsTheFuture() {
        int k = K;
        Trace trainTrace = EvaluatorTest.trace(randomSeries(1, 2 * 288));
        UserSeries a = randomSeries(2, 3 * 288);
        UserSeries b = divergeAfter(a, k);
        var base = Policies.ForesightSettings.defaults();
        var stat = io.foresight.core.baseline.StaticPolicy.fromTraining(trainTrace);
        List<Sweep.Setting> grid = Sweep.settings(Policies.NAMES, base);
        int checked = 0;
        for (Sweep.Setting st : grid) {
            double[][] ra;
            double[][] rb;
            if (st.policy().equals("foresight")) {
                ra = foresight(trainTrace, a, Sweep.foresight(st, base));
                rb = foresight(trainTrace, b, Sweep.foresight(st, base));
            } else {
                AllocationPolicy p = Sweep.baseline(st, stat);
                ra = replay(p, a, k);
                rb = replay(p, b, k);
            }
            sameUpTo(ra, rb, k, st.label());
            checked++;
        }
        assertTrue(checked >= 30, "every knob setting checked: " + checked);
    }

    /**
     * The same for the served median-periodic family (the retraining workflow's default) at every foresight setting of
     * the sweep, one model instance for both series: the past forecasts it keeps per series must not carry one series'
     * future into the other's decisions.
     */
    @Test
    void noSweptSettingOfTheServedFamilyReadsTheFuture() {
        int k = K;
        Trace trainTrace = EvaluatorTest.trace(randomSeries(1, 2 * 288));
        UserSeries a = randomSeries(2, 3 * 288);
        UserSeries b = divergeAfter(a, k);
        var served = ModelFamilies.build(ModelFamilies.MEDIAN_PERIODIC, trainTrace, "t", null, null);
        var defaults = Policies.ForesightSettings.defaults();
        var base = defaults.withRisk(((io.foresight.core.forecast.CalibratedForecaster) served).nominal(Resource.CPU),
                defaults.planner().headroom());
        int checked = 0;
        for (Sweep.Setting st : Sweep.settings(List.of("foresight"), base)) {
            var at = Sweep.foresight(st, base);
            var model = Sweep.servedAt(served, at);
            sameUpTo(foresight(trainTrace, a, at, model), foresight(trainTrace, b, at, model), k, st.label());
            checked++;
        }
        assertTrue(checked >= 6, "every foresight setting checked: " + checked);
    }

    /** The allocations of two replays agree at every interval up to {@code k}. */
    private static void sameUpTo(double[][] ra, double[][] rb, int k, String label) {
        for (int i = 0; i <= k; i++) {
            assertArrayEquals(ra[i], rb[i], 0.0, label + " allocation at " + i + " depends on data after " + k);
        }
    }
}
