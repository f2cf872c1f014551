package io.foresight.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.cost.PriceBook;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import io.foresight.core.trace.ValidationReport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvaluatorTest {
    static UserSeries series(String user, long t0, double[] cpu, double[] mem) {
        int n = cpu.length;
        long[] ts = new long[n];
        for (int i = 0; i < n; i++) {
            ts[i] = t0 + 300L * i;
        }
        double[][] u = new double[Resource.COUNT][n];
        double[][] c = new double[Resource.COUNT][n];
        u[0] = cpu.clone();
        u[1] = mem.clone();
        for (int r = 2; r < Resource.COUNT; r++) {
            Arrays.fill(u[r], Double.NaN);
        }
        for (double[] row : c) {
            Arrays.fill(row, Double.NaN);
        }
        return new UserSeries(user, 300, ts, u, c);
    }

    static Trace trace(UserSeries... s) {
        Map<String, UserSeries> m = new LinkedHashMap<>();
        for (UserSeries x : s) {
            m.put(x.user(), x);
        }
        return new Trace(300, m, new ValidationReport("test"));
    }

    /** Allocates a fixed vector; records what it was asked and shown. */
    static final class Fixed implements AllocationPolicy {
        final double[] alloc;
        final List<Integer> observed = new ArrayList<>();

        Fixed(double... alloc) {
            this.alloc = alloc;
        }

        @Override public String name() { return "fixed"; }
        @Override public Map<String, Object> parameters() { return Map.of(); }

        @Override
        public UserAllocator start(UserSeries test) {
            return new UserAllocator() {
                @Override public double[] allocate(int i) { return alloc.clone(); }
                @Override public void observe(int i, double[] usage) { observed.add(i); }
            };
        }
    }

    static Evaluator.Config config(int warmupDays) {
        return new Evaluator.Config(2, warmupDays, 1, PriceBook.DEFAULT, null, 0);
    }

    @Test
    void metricsOnAHandCheckableTrace() {
        // cpu usage 1, 3, NaN, 2 against a fixed 2 cores: scored 3 (NaN skipped), under 1 (3 > 2),
        // shortfall (3-2)/3, Autopilot's relative slack over the intervals that fit (1 and 2 of 2 cores) = 1/4.
        // memory 1 GiB every interval against 4 GiB: slack 0.75, never under.
        UserSeries s = series("a", 0, new double[] {1, 3, Double.NaN, 2}, new double[] {1, 1, 1, 1});
        EvaluationResult r = new Evaluator(List.of(new Fixed(2, 4, 0, 0)), config(0)).run(null, trace(s));
        PolicyMetrics m = r.policies().get("fixed");
        assertEquals(3, m.scored(Resource.CPU));
        assertEquals(1.0 / 3, m.underprovisionedFraction(Resource.CPU), 1e-12);
        assertEquals(1.0 / 3, m.meanShortfall(Resource.CPU), 1e-12);
        assertEquals(0.25, m.slack(Resource.CPU), 1e-12);
        assertEquals(4, m.scored(Resource.MEMORY));
        assertEquals(0.0, m.underprovisionedFraction(Resource.MEMORY), 1e-12);
        assertEquals(0.75, m.slack(Resource.MEMORY), 1e-12);
        assertEquals(0, m.scored(Resource.NETWORK)); // never observed: not scored
        // cost: 3 scored cpu intervals x 2 cores x 5 min + 4 memory intervals x 4 GiB x 5 min
        double hours = 300 / 3600.0;
        double expected = 3 * 2 * hours * 0.021811 + 4 * 4 * hours * 0.002923;
        assertEquals(expected, m.cost(PriceBook.DEFAULT), 1e-12);
        assertEquals(0, m.changesPerUserDay(), 1e-12);
        assertEquals(1, r.users());
        assertEquals(4, r.intervals());
        assertNull(r.forecast());
    }

    @Test
    void perUserMetricsSplitThePoolsByUser() {
        // a: cpu 1, 3 against 2 cores (1 under); b: cpu 1, 1 (none under): the pool's 1 of 4 falls on a alone
        UserSeries a = series("a", 0, new double[] {1, 3}, new double[] {1, 1});
        UserSeries b = series("b", 0, new double[] {1, 1}, new double[] {1, 1});
        Evaluator e = new Evaluator(List.of(new Fixed(2, 4, 0, 0)), config(0));
        EvaluationResult r = e.run(null, trace(a, b));
        Map<String, PolicyMetrics> users = e.perUser().get("fixed");
        assertEquals(List.of("a", "b"), new ArrayList<>(users.keySet()));
        assertEquals(1, users.get("a").underprovisioned(Resource.CPU));
        assertEquals(0, users.get("b").underprovisioned(Resource.CPU));
        assertEquals(r.policies().get("fixed").cost(PriceBook.DEFAULT),
                users.get("a").cost(PriceBook.DEFAULT) + users.get("b").cost(PriceBook.DEFAULT), 1e-12);
    }

    @Test
    void changesAreCountedPerUserDay() {
        UserSeries s = series("a", 0, new double[] {1, 1, 1, 1}, new double[] {1, 1, 1, 1});
        AllocationPolicy flip = new AllocationPolicy() {
            @Override public String name() { return "flip"; }
            @Override public Map<String, Object> parameters() { return Map.of(); }
            @Override public UserAllocator start(UserSeries t) {
                return new UserAllocator() {
                    @Override public double[] allocate(int i) { return new double[] {i % 2 == 0 ? 1 : 2, 1, 0, 0}; }
                    @Override public void observe(int i, double[] u) {}
                };
            }
        };
        EvaluationResult r = new Evaluator(List.of(flip), config(0)).run(null, trace(s));
        // 3 changes over 4 intervals of 5 minutes = 1/72 day
        assertEquals(3 / (4 * 300 / 86400.0), r.policies().get("flip").changesPerUserDay(), 1e-9);
    }

    @Test
    void warmUpIsReplayedButNotScored() {
        double[] ones = new double[288];
        Arrays.fill(ones, 1);
        UserSeries train = series("a", 0, ones, ones);
        UserSeries test = series("a", 288 * 300, new double[] {5, 5}, new double[] {1, 1});
        Fixed p = new Fixed(2, 4, 0, 0);
        EvaluationResult r = new Evaluator(List.of(p), config(1)).run(trace(train), trace(test));
        assertEquals(288 + 2, p.observed.size()); // a day of warm-up, then the test
        assertEquals(2, r.policies().get("fixed").scored(Resource.CPU));
        assertEquals(1.0, r.policies().get("fixed").underprovisionedFraction(Resource.CPU), 1e-12);
        assertEquals(288, r.warmupSteps());
    }

    @Test
    void userAbsentFromTrainingStartsCold() {
        UserSeries train = series("other", 0, new double[] {1}, new double[] {1});
        UserSeries test = series("a", 300, new double[] {1, 1}, new double[] {1, 1});
        Fixed p = new Fixed(2, 4, 0, 0);
        EvaluationResult r = new Evaluator(List.of(p), config(1)).run(trace(train), trace(test));
        assertEquals(2, p.observed.size());
        assertEquals(0, r.warmupSteps());
    }

    @Test
    void allocationsAreAskedBeforeUsageIsShown() {
        // A policy that allocates exactly the last usage it was shown: under-provisioned whenever usage rises.
        AllocationPolicy last = new AllocationPolicy() {
            @Override public String name() { return "last"; }
            @Override public Map<String, Object> parameters() { return Map.of(); }
            @Override public UserAllocator start(UserSeries t) {
                double[] seen = {0, 0, 0, 0};
                return new UserAllocator() {
                    @Override public double[] allocate(int i) { return seen.clone(); }
                    @Override public void observe(int i, double[] u) {
                        for (int r = 0; r < 2; r++) {
                            seen[r] = u[r];
                        }
                    }
                };
            }
        };
        UserSeries s = series("a", 0, new double[] {1, 2, 3, 2}, new double[] {1, 1, 1, 1});
        EvaluationResult r = new Evaluator(List.of(last), config(0)).run(null, trace(s));
        // intervals 0 (alloc 0 < 1), 1 (1 < 2), 2 (2 < 3) are under; 3 (3 >= 2) is not
        assertEquals(0.75, r.policies().get("last").underprovisionedFraction(Resource.CPU), 1e-12);
        assertTrue(ResourceVector.ZERO.cpu() == 0);
    }
}
