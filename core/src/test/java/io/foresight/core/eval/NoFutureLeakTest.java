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
        var run = Policies.foresight(train, settings, PolicyGate.PERMISSIVE, PriceBook.DEFAULT,
                Policies.blend(train, settings, engine.horizon()), "test", io.foresight.core.engine.ApprovalModel.NOW);
        double[][] out = new double[s.size()][];
        run.replay().run(List.of(new PoolReplay.UserReplay(s, 0, s.capacityAt(0))),
                (u, i, inForce, f) -> out[i] = inForce.toArray(), null, 1);
        return out;
    }

    @Test
    void noPolicyButTheOracleReadsTheFuture() {
        int n = 3 * 288;
        int k = 2 * 288 + 17;
        UserSeries train = randomSeries(1, 2 * 288);
        Trace trainTrace = EvaluatorTest.trace(train);
        UserSeries a = randomSeries(2, n);
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

    /** Every setting of every policy's risk knob in {@code evaluate --sweep} reads only the past. */
    @Test
    void noSweptSettingReadsTheFuture() {
        int n = 3 * 288;
        int k = 2 * 288 + 17;
        UserSeries train = randomSeries(1, 2 * 288);
        Trace trainTrace = EvaluatorTest.trace(train);
        UserSeries a = randomSeries(2, n);
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
            for (int i = 0; i <= k; i++) {
                assertArrayEquals(ra[i], rb[i], 0.0, st.label() + " allocation at " + i + " depends on data after " + k);
            }
            checked++;
        }
        assertTrue(checked >= 30, "every knob setting checked: " + checked);
    }
}
