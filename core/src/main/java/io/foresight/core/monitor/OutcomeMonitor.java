package io.foresight.core.monitor;

import io.foresight.core.cost.PriceBook;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * Scores each interval's outcome per user and per pool: usage against allocation (under-provisioned
 * intervals and how deep, idle slack), what the allocation cost, and how far the forecast was off and
 * whether its upper bound covered the usage. Keeps a rolling {@link UserSummary} per user in constant
 * memory. Not thread-safe: one monitor per pool, fed by one caller.
 */
public final class OutcomeMonitor {
    private final PriceBook prices;
    private final int stepSeconds;
    private final double alpha;
    private final int topK;
    private final Map<String, Rolling> users = new HashMap<>();

    /**
     * @param summaryWindow span, in intervals, of the rolling means in {@link UserSummary}
     * @param topK          how many users the top-shortfall list of each report keeps
     */
    public OutcomeMonitor(PriceBook prices, int stepSeconds, int summaryWindow, int topK) {
        this.prices = Objects.requireNonNull(prices, "prices");
        if (stepSeconds <= 0 || summaryWindow <= 0 || topK < 0) {
            throw new IllegalArgumentException("stepSeconds and summaryWindow must be > 0 and topK >= 0, got "
                    + stepSeconds + ", " + summaryWindow + ", " + topK);
        }
        this.stepSeconds = stepSeconds;
        this.alpha = 2.0 / (summaryWindow + 1);
        this.topK = topK;
    }

    /** A monitor for 5-minute steps, a one-day rolling window and a top-10. */
    public static OutcomeMonitor fiveMinute(PriceBook prices) {
        return new OutcomeMonitor(prices, 300, 288, 10);
    }

    /** Scores one user-interval (does not touch the rolling summaries). */
    public UserOutcome score(long at, UserInterval u) {
        double[] shortfall = new double[Resource.COUNT];
        double[] slack = new double[Resource.COUNT];
        double[] err = new double[Resource.COUNT];
        double[] cov = new double[Resource.COUNT];
        for (Resource r : Resource.values()) {
            int i = r.ordinal();
            double used = u.usage().get(r);
            double alloc = u.allocation().get(r);
            if (Double.isNaN(used)) {
                shortfall[i] = slack[i] = err[i] = cov[i] = Double.NaN;
                continue;
            }
            double a = Double.isNaN(alloc) ? 0 : alloc;
            shortfall[i] = used > a ? (used - a) / used : 0;
            slack[i] = a > 0 ? Math.max(0, a - used) / a : Double.NaN;
            double p = u.forecastPoint() == null ? Double.NaN : u.forecastPoint().get(r);
            err[i] = Double.isNaN(p) ? Double.NaN : Math.abs(used - p);
            double up = u.forecastUpper() == null ? Double.NaN : u.forecastUpper().get(r);
            cov[i] = Double.isNaN(up) ? Double.NaN : (used <= up ? 1 : 0);
        }
        double cost = prices.cost(u.allocation(), stepSeconds, u.spot());
        return new UserOutcome(u.user(), u.pattern(), at, u.usage(), u.allocation(), ResourceVector.of(shortfall),
                ResourceVector.of(slack), ResourceVector.of(err), ResourceVector.of(cov), cost, u.model());
    }

    /** Scores a pool's interval, updates the users' rolling summaries and returns the pool aggregates. */
    public IntervalReport observe(String pool, long at, Collection<UserInterval> intervals) {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(intervals, "intervals");
        Map<Pattern, Integer> byPattern = new EnumMap<>(Pattern.class);
        int[] observed = new int[Resource.COUNT];
        int[] under = new int[Resource.COUNT];
        double[] shortSum = new double[Resource.COUNT];
        double[] slackSum = new double[Resource.COUNT];
        int[] slackN = new int[Resource.COUNT];
        Map<String, double[]> errSum = new TreeMap<>();
        Map<String, double[]> covSum = new TreeMap<>();
        double cost = 0;
        // min-heap on shortfall: keeps the k deepest in O(n log k)
        PriorityQueue<TopShortfall> heap = new PriorityQueue<>(Comparator.comparingDouble(TopShortfall::ratio));
        List<UserOutcome> outcomes = new ArrayList<>(intervals.size());
        for (UserInterval u : intervals) {
            UserOutcome o = score(at, u);
            outcomes.add(o);
            byPattern.merge(u.pattern(), 1, Integer::sum);
            cost += o.cost();
            Resource worst = null;
            for (Resource r : Resource.values()) {
                int i = r.ordinal();
                double s = o.shortfall().get(r);
                if (Double.isNaN(s)) {
                    continue;
                }
                observed[i]++;
                if (s > 0) {
                    under[i]++;
                    shortSum[i] += s;
                    if (worst == null || s > o.shortfall().get(worst)) {
                        worst = r;
                    }
                }
                double sl = o.slack().get(r);
                if (!Double.isNaN(sl)) {
                    slackSum[i] += sl;
                    slackN[i]++;
                }
                if (o.model() != null && !Double.isNaN(o.absError().get(r))) {
                    double[] e = errSum.computeIfAbsent(o.model(), k -> new double[2 * Resource.COUNT]);
                    e[i] += o.absError().get(r);
                    e[Resource.COUNT + i]++;
                }
                if (o.model() != null && !Double.isNaN(o.covered().get(r))) {
                    double[] c = covSum.computeIfAbsent(o.model(), k -> new double[2 * Resource.COUNT]);
                    c[i] += o.covered().get(r);
                    c[Resource.COUNT + i]++;
                }
            }
            if (worst != null && topK > 0) {
                heap.add(new TopShortfall(0, o.user(), worst, o.shortfall().get(worst)));
                if (heap.size() > topK) {
                    heap.poll();
                }
            }
            users.computeIfAbsent(o.user(), k -> new Rolling()).update(o, alpha);
        }
        List<TopShortfall> ranked = new ArrayList<>(heap);
        ranked.sort(Comparator.comparingDouble(TopShortfall::ratio).reversed().thenComparing(TopShortfall::user));
        List<TopShortfall> top = new ArrayList<>(ranked.size());
        for (int i = 0; i < ranked.size(); i++) {
            TopShortfall t = ranked.get(i);
            top.add(new TopShortfall(i + 1, t.user(), t.resource(), t.ratio()));
        }
        Map<Resource, Integer> obs = new EnumMap<>(Resource.class);
        Map<Resource, Integer> und = new EnumMap<>(Resource.class);
        Map<Resource, Double> meanShort = new EnumMap<>(Resource.class);
        Map<Resource, Double> meanSlack = new EnumMap<>(Resource.class);
        for (Resource r : Resource.values()) {
            int i = r.ordinal();
            obs.put(r, observed[i]);
            und.put(r, under[i]);
            meanShort.put(r, under[i] == 0 ? 0.0 : shortSum[i] / under[i]);
            meanSlack.put(r, slackN[i] == 0 ? Double.NaN : slackSum[i] / slackN[i]);
        }
        return new IntervalReport(pool, at, intervals.size(), byPattern, obs, und, meanShort, meanSlack, cost,
                means(errSum), means(covSum), top, outcomes);
    }

    private static Map<String, Map<Resource, Double>> means(Map<String, double[]> sums) {
        Map<String, Map<Resource, Double>> out = new TreeMap<>();
        sums.forEach((model, s) -> {
            Map<Resource, Double> m = new EnumMap<>(Resource.class);
            for (Resource r : Resource.values()) {
                double n = s[Resource.COUNT + r.ordinal()];
                if (n > 0) {
                    m.put(r, s[r.ordinal()] / n);
                }
            }
            out.put(model, m);
        });
        return out;
    }

    public Optional<UserSummary> summary(String user) {
        Rolling r = users.get(user);
        return r == null ? Optional.empty() : Optional.of(r.toSummary(user));
    }

    /** Users with a summary. */
    public int trackedUsers() {
        return users.size();
    }

    /** Drops a user that left the pool. */
    public void forget(String user) {
        users.remove(user);
    }

    /** Per-user rolling state: a fixed handful of numbers whatever the history length. */
    private static final class Rolling {
        Pattern pattern = Pattern.UNKNOWN;
        long lastAt;
        long intervals;
        long under;
        double cost;
        double underRate;
        double shortfall;
        double cpuSlack = Double.NaN;
        double memSlack = Double.NaN;
        double cpuErr = Double.NaN;

        void update(UserOutcome o, double a) {
            pattern = o.pattern();
            lastAt = o.at();
            intervals++;
            boolean u = o.underProvisioned();
            if (u) {
                under++;
            }
            cost += o.cost();
            underRate = ema(underRate, u ? 1 : 0, a, intervals == 1);
            shortfall = ema(shortfall, o.maxShortfall(), a, intervals == 1);
            cpuSlack = emaSkipNaN(cpuSlack, o.slack().cpu(), a);
            memSlack = emaSkipNaN(memSlack, o.slack().memory(), a);
            cpuErr = emaSkipNaN(cpuErr, o.absError().cpu(), a);
        }

        static double ema(double prev, double x, double a, boolean first) {
            return first ? x : prev + a * (x - prev);
        }

        static double emaSkipNaN(double prev, double x, double a) {
            if (Double.isNaN(x)) {
                return prev;
            }
            return Double.isNaN(prev) ? x : prev + a * (x - prev);
        }

        UserSummary toSummary(String user) {
            return new UserSummary(user, pattern, lastAt, intervals, under, cost, underRate, shortfall, cpuSlack,
                    memSlack, cpuErr);
        }
    }
}
