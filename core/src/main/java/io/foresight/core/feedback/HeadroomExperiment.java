package io.foresight.core.feedback;

import io.foresight.core.cost.PriceBook;
import io.foresight.core.forecast.Forecast;
import io.foresight.core.forecast.SeasonalNaiveForecaster;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.plan.PlannedAllocation;
import io.foresight.core.plan.Planner;
import io.foresight.core.plan.PlannerConfig;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Benchmark: learned vs fixed headroom on a real trace replay. Replays Bitbrains VMs (July to learn,
 * August to score) with the seasonal-naive forecaster and the core {@link Planner}; each policy differs
 * only in the headroom it plans above the forecast's upper bound. Prints, for the August part, the cost
 * and the share of user-intervals under-provisioned on CPU or memory, and the headroom learned per pattern.
 *
 * <p>Usage: {@code java -cp core.jar io.foresight.core.feedback.HeadroomExperiment [data=DIR] [users=N]
 * [lambda=L]}; data defaults to $FORESIGHT_DATA_FULL_DIR/bitbrains-rnd (default ../shared/data/bitbrains-rnd).
 */
public final class HeadroomExperiment {
    /** 2013-08-01T00:00:00Z: the first August interval. */
    static final long SPLIT = 1375315200L;
    private static final double[] FIXED = {0.0, 0.05, 0.1, 0.2, 0.3, 0.5};
    private static final Resource[] SCORED = {Resource.CPU, Resource.MEMORY};

    private HeadroomExperiment() {}

    /** Outcome totals of one policy over the scored part. */
    static final class Score {
        double cost;
        long intervals;
        long violated;
        double shortfall;

        String row(String name) {
            return String.format(Locale.ROOT, "%-22s cost $%10.2f   under-provisioned %6.3f%%   mean shortfall when under %5.1f%%",
                    name, cost, 100.0 * violated / Math.max(1, intervals), 100 * shortfall / Math.max(1, violated));
        }
    }

    /** One policy's per-user memory: planner state and the allocation in force. */
    static final class Run {
        final Planner.State state = new Planner.State();
        ResourceVector current = ResourceVector.of(Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        double headroom;
    }

    public static void main(String[] args) {
        String env = System.getenv("FORESIGHT_DATA_FULL_DIR");
        Path data = Path.of(env != null ? env : "../shared/data", "bitbrains-rnd");
        int users = 100;
        double lambda = HeadroomLearner.Config.defaults().lambda();
        for (String a : args) {
            String[] kv = a.split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("argument '" + a + "' is not key=value (data=DIR users=N lambda=L)");
            }
            switch (kv[0]) {
                case "data" -> data = Path.of(kv[1]);
                case "users" -> users = Integer.parseInt(kv[1]);
                case "lambda" -> lambda = Double.parseDouble(kv[1]);
                default -> throw new IllegalArgumentException("unknown argument '" + kv[0] + "': use data, users or lambda");
            }
        }
        Path jul = data.resolve("2013-07.csv.gz");
        Path aug = data.resolve("2013-08.csv.gz");
        if (!Files.exists(jul) || !Files.exists(aug)) {
            throw new IllegalArgumentException("need " + jul + " and " + aug + ": set data=DIR or FORESIGHT_DATA");
        }
        long t0 = System.nanoTime();
        Trace trace = BitbrainsReader.read(List.of(jul, aug), users);
        System.out.printf(Locale.ROOT, "read %d VMs, %d intervals in %.1f s%n", trace.users().size(), trace.intervals(),
                (System.nanoTime() - t0) / 1e9);
        HeadroomLearner.Config lc = HeadroomLearner.Config.defaults();
        HeadroomLearner.Config cfg = new HeadroomLearner.Config(lc.arms(), lc.minHeadroom(), lc.maxHeadroom(), lambda,
                lc.discount(), lc.defaultHeadroom(), lc.seed());
        Result r = replay(trace, cfg);
        System.out.printf(Locale.ROOT, "replayed in %.1f s; scored part: August, %d user-intervals with CPU or memory observed%n",
                (System.nanoTime() - t0) / 1e9, r.scores[0].intervals);
        System.out.println("users per pattern (from July usage): " + r.patterns);
        for (int p = 0; p < r.names.length; p++) {
            System.out.println(r.scores[p].row(r.names[p]));
        }
        System.out.println("learned headroom at the end of July (lambda=" + lambda + "): " + r.learnedAtSplit);
        for (Pattern p : r.patterns.keySet()) {
            System.out.println("  " + p + " mean reward per arm: " + r.rewards.get(p));
        }
    }

    record Result(String[] names, Score[] scores, Map<Pattern, Integer> patterns, Map<Pattern, Double> learnedAtSplit,
                  Map<Pattern, Map<Double, Double>> rewards) {}

    static Result replay(Trace trace, HeadroomLearner.Config cfg) {
        PriceBook prices = PriceBook.DEFAULT;
        SeasonalNaiveForecaster forecaster = SeasonalNaiveForecaster.daily();
        PlannerConfig base = PlannerConfig.defaults();
        HeadroomLearner learner = new HeadroomLearner(cfg);
        List<UserSeries> series = new ArrayList<>(trace.users().values());
        int nu = series.size();
        int policies = FIXED.length + 2; // fixed..., learned (frozen at the split), learned (online)
        String[] names = new String[policies];
        for (int p = 0; p < FIXED.length; p++) {
            names[p] = String.format(Locale.ROOT, "fixed headroom %.2f", FIXED[p]);
        }
        names[FIXED.length] = "learned (frozen Aug 1)";
        names[FIXED.length + 1] = "learned (online)";
        Score[] scores = new Score[policies];
        Arrays.setAll(scores, i -> new Score());
        Run[][] runs = new Run[policies][nu];
        for (Run[] row : runs) {
            Arrays.setAll(row, i -> new Run());
        }
        Pattern[] pattern = new Pattern[nu];
        int[] split = new int[nu];
        Map<Pattern, Integer> counts = new EnumMap<>(Pattern.class);
        int maxLen = 0;
        for (int u = 0; u < nu; u++) {
            UserSeries s = series.get(u);
            int k = 0;
            while (k < s.size() && s.timestamp(k) < SPLIT) {
                k++;
            }
            split[u] = k;
            pattern[u] = classify(s, k);
            counts.merge(pattern[u], 1, Integer::sum);
            maxLen = Math.max(maxLen, s.size());
        }
        Map<Pattern, Double> frozen = null;
        int start = 2 * 288; // a day of history for the season plus a day of residuals for the bound
        for (int i = start; i < maxLen; i++) {
            for (int u = 0; u < nu; u++) {
                UserSeries s = series.get(u);
                if (i >= s.size()) {
                    continue;
                }
                boolean learning = i < split[u];
                if (!learning && frozen == null) {
                    frozen = learner.current();
                }
                Forecast f = forecaster.forecast(s, i, 2);
                ResourceVector used = s.usageAt(i);
                for (int p = 0; p < policies; p++) {
                    Run run = runs[p][u];
                    if (p < FIXED.length) {
                        run.headroom = FIXED[p];
                    } else if ((i - start) % 288 == 0 || i == start) {
                        // the learner's choice holds for a day per user, so its effect on cost shows
                        run.headroom = p == FIXED.length && !learning ? frozen.get(pattern[u]) : learner.headroomFor(pattern[u]);
                    }
                    Planner planner = new Planner(new PlannerConfig(base.leadSteps(), run.headroom,
                            base.scaleDownHoldSteps(), base.deadband(), base.minimum(), base.levelRatio()));
                    PlannedAllocation plan = planner.plan(f, run.current, run.state);
                    run.current = plan.target();
                    double cost = prices.cost(nanToZero(plan.target()), 300, false);
                    double depth = 0;
                    boolean observed = false;
                    for (Resource r : SCORED) {
                        double x = used.get(r);
                        double a = plan.target().get(r);
                        if (Double.isNaN(x)) {
                            continue;
                        }
                        observed = true;
                        double aa = Double.isNaN(a) ? 0 : a;
                        if (x > aa) {
                            depth = Math.max(depth, (x - aa) / x);
                        }
                    }
                    if (!observed) {
                        continue;
                    }
                    boolean violated = depth > 0;
                    if (p == FIXED.length + 1) {
                        // one learner, fed by the online policy (in July both learned policies are the same)
                        learner.record(s.user(), pattern[u], run.headroom, cost, violated, depth);
                    }
                    if (!learning) {
                        Score sc = scores[p];
                        sc.cost += cost;
                        sc.intervals++;
                        if (violated) {
                            sc.violated++;
                            sc.shortfall += depth;
                        }
                    }
                }
            }
        }
        Map<Pattern, Map<Double, Double>> rewards = new EnumMap<>(Pattern.class);
        for (Pattern p : counts.keySet()) {
            rewards.put(p, learner.meanRewards(p));
        }
        Map<Pattern, Double> learned = new EnumMap<>(Pattern.class);
        if (frozen != null) {
            for (Pattern p : counts.keySet()) {
                learned.put(p, frozen.get(p));
            }
        }
        return new Result(names, scores, counts, learned, rewards);
    }

    private static ResourceVector nanToZero(ResourceVector v) {
        return v.combine(ResourceVector.ZERO, (a, b) -> Double.isNaN(a) ? 0 : a);
    }

    /**
     * A coarse behaviour pattern from the learning part's CPU (a stand-in for the project's classifier,
     * so the learner has groups to learn for): IDLE under 0.05 cores on average; STEADY_SERVICE when the
     * coefficient of variation is under 0.5; INTERACTIVE_DEV when working hours (08-18 UTC) use over twice
     * the rest; BATCH when the 95th percentile exceeds 4x the median (bursty); else DATA_ANALYSIS.
     */
    static Pattern classify(UserSeries s, int end) {
        double[] y = s.usageColumn(Resource.CPU);
        double[] v = new double[end];
        int n = 0;
        double sum = 0;
        double sumSq = 0;
        double day = 0;
        int dayN = 0;
        double night = 0;
        int nightN = 0;
        for (int i = 0; i < end; i++) {
            if (Double.isNaN(y[i])) {
                continue;
            }
            v[n++] = y[i];
            sum += y[i];
            sumSq += y[i] * y[i];
            int hour = (int) ((s.timestamp(i) % 86400) / 3600);
            if (hour >= 8 && hour < 18) {
                day += y[i];
                dayN++;
            } else {
                night += y[i];
                nightN++;
            }
        }
        if (n < 288) {
            return Pattern.UNKNOWN;
        }
        double mean = sum / n;
        if (mean < 0.05) {
            return Pattern.IDLE;
        }
        double sd = Math.sqrt(Math.max(0, sumSq / n - mean * mean));
        if (sd / mean < 0.5) {
            return Pattern.STEADY_SERVICE;
        }
        if (dayN > 0 && nightN > 0 && day / dayN > 2 * (night / nightN)) {
            return Pattern.INTERACTIVE_DEV;
        }
        Arrays.sort(v, 0, n);
        double median = v[n / 2];
        double p95 = v[(int) (0.95 * (n - 1))];
        return p95 > 4 * Math.max(median, 1e-3) ? Pattern.BATCH : Pattern.DATA_ANALYSIS;
    }
}
