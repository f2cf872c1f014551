package io.foresight.core.eval;

import io.foresight.core.cost.PriceBook;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Replays test users through allocation policies side by side.
 *
 * <p>Timing, the same for every policy: for each interval i, {@code allocate(i)} is asked first
 * (the policy has seen intervals &lt; i only), then {@code observe(i, usage)}. So a decision made
 * with data up to the end of interval i-1 takes effect for interval i: a lead time of one step,
 * uniform across policies.
 *
 * <p>Warm-up: a test user that also appears in the training trace is first replayed, unscored,
 * through the last {@code warmupDays} of its training data that precede the test (gaps between the
 * two filled with NaN so the time grid stays regular). Every policy gets the same warm-up, so the
 * stateful ones (histograms, forecasters) start informed; users absent from training start cold.
 *
 * <p>Scoring: only intervals of the test series, per resource, whose usage was observed (not NaN).
 * Users run in parallel on a fixed pool; each user's series (with warm-up) is built inside its task
 * and dropped after, so memory stays at the two traces plus a few series.
 */
public final class Evaluator {
    /**
     * Harness settings. {@code provisioningSteps}: how many steps after the data a decision uses it is in force, the
     * same for every policy: 1 = decided after interval i-1, in force during i (the default); L = decided after
     * i-L, in force during i (capacity that takes L-1 steps more to arrive; releases wait alike).
     */
    public record Config(int threads, int warmupDays, int sampleUsers, PriceBook prices, PrintStream progress,
                         long progressEveryMillis, int provisioningSteps) {
        public Config(int threads, int warmupDays, int sampleUsers, PriceBook prices, PrintStream progress,
                      long progressEveryMillis) {
            this(threads, warmupDays, sampleUsers, prices, progress, progressEveryMillis, 1);
        }

        public Config {
            if (threads <= 0) {
                throw new IllegalArgumentException("threads must be positive");
            }
            if (provisioningSteps < 1) {
                throw new IllegalArgumentException("provisioning lead must be at least 1 step, got " + provisioningSteps);
            }
            if (warmupDays < 0 || sampleUsers < 0) {
                throw new IllegalArgumentException("warmupDays and sampleUsers must be >= 0");
            }
            Objects.requireNonNull(prices, "prices");
        }

        public static Config defaults(PrintStream progress) {
            return new Config(2, 8, 4, PriceBook.DEFAULT, progress, 5000);
        }

        /** The same settings with decisions in force {@code steps} steps after their data. */
        public Config withProvisioningSteps(int steps) {
            return new Config(threads, warmupDays, sampleUsers, prices, progress, progressEveryMillis, steps);
        }
    }

    /** Name of Foresight in the results: the control loop's engine driven by {@link PoolReplay}. */
    public static final String FORESIGHT = "foresight";

    private final List<AllocationPolicy> policies;
    private final ForesightRun foresight;
    /** Per policy, the metrics over the test users absent from the training trace (cold start), filled by {@link #run}. */
    private final Map<String, PolicyMetrics> coldStart = new LinkedHashMap<>();

    /** The last run's metrics over test users the training trace does not hold, per policy (empty: none). */
    public Map<String, PolicyMetrics> coldStart() {
        return coldStart;
    }

    /** Per policy, per test user, the last run's metrics (for a per-user breakdown of where cost and risk fall). */
    private final Map<String, Map<String, PolicyMetrics>> perUser = new LinkedHashMap<>();

    /** The last run's metrics per policy and test user, in the test trace's user order. */
    public Map<String, Map<String, PolicyMetrics>> perUser() {
        return perUser;
    }

    /** What the foresight run reports besides its metrics (spot, profiles, learned headroom), filled by the run. */
    private final Map<String, Object> foresightReport = new LinkedHashMap<>();
    private final Config config;

    /**
     * Foresight as the harness runs it: the pool replay of the loop's engine, its parameters for the report,
     * and what each user holds before its first change (the provisioned size, from {@code initial}).
     */
    public record ForesightRun(PoolReplay replay, Map<String, Object> parameters, AllocationPolicy initial) {
        public ForesightRun {
            Objects.requireNonNull(replay, "replay");
            parameters = Map.copyOf(parameters);
            Objects.requireNonNull(initial, "initial");
        }
    }

    public Evaluator(List<AllocationPolicy> policies, Config config) {
        this(policies, null, config);
    }

    /**
     * @param policies  per-user policies (the baselines), replayed user by user
     * @param foresight Foresight, replayed pool-wide interval by interval through the loop's engine (may be null)
     */
    public Evaluator(List<AllocationPolicy> policies, ForesightRun foresight, Config config) {
        Objects.requireNonNull(policies, "policies");
        if (policies.isEmpty() && foresight == null) {
            throw new IllegalArgumentException("no policy to evaluate");
        }
        this.policies = List.copyOf(policies);
        this.foresight = foresight;
        this.config = Objects.requireNonNull(config, "config");
    }

    public EvaluationResult run(Trace train, Trace test) {
        Objects.requireNonNull(test, "test");
        if (test.users().isEmpty()) {
            throw new IllegalArgumentException("the test trace has no users");
        }
        long start = System.nanoTime();
        List<UserSeries> users = new ArrayList<>(test.users().values());
        int total = users.size();
        java.util.Set<Integer> sampleIdx = new java.util.HashSet<>();
        for (int k = 0; k < Math.min(config.sampleUsers(), total); k++) {
            sampleIdx.add((int) ((long) k * total / Math.min(config.sampleUsers(), total)));
        }
        Map<String, PolicyMetrics> merged = new LinkedHashMap<>();
        for (AllocationPolicy p : policies) {
            merged.put(p.name(), new PolicyMetrics());
        }
        if (foresight != null) {
            merged.put(FORESIGHT, new PolicyMetrics());
        }
        ForecastMetrics forecastMerged = new ForecastMetrics();
        String[] forecastPolicy = {null};
        List<EvaluationResult.Sample> samples = new ArrayList<>();
        long[] intervals = {0};
        int warmupSteps = 0;
        AtomicInteger done = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(config.threads(), r -> {
            Thread t = new Thread(r, "evaluate");
            t.setDaemon(true);
            return t;
        });
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "evaluate-progress");
            t.setDaemon(true);
            return t;
        });
        if (config.progress() != null && config.progressEveryMillis() > 0) {
            ticker.scheduleAtFixedRate(() -> progress(done.get(), total, start), config.progressEveryMillis(),
                    config.progressEveryMillis(), TimeUnit.MILLISECONDS);
        }
        try {
            List<Future<UserOutcome>> futures = new ArrayList<>();
            for (int u = 0; u < total; u++) {
                UserSeries s = users.get(u);
                boolean sample = sampleIdx.contains(u);
                UserSeries tr = train == null ? null : train.user(s.user());
                futures.add(pool.submit(() -> {
                    UserOutcome o = runUser(withWarmup(tr, s), sample);
                    done.incrementAndGet();
                    return o;
                }));
            }
            for (int k = 0; k < futures.size(); k++) {
                UserOutcome o = futures.get(k).get();
                o.metrics.forEach((name, m) -> merged.get(name).merge(m));
                String user = users.get(k).user();
                o.metrics.forEach((name, m) -> perUser.computeIfAbsent(name, x -> new LinkedHashMap<>()).put(user, m));
                if (train == null || train.user(users.get(k).user()) == null) {
                    o.metrics.forEach((name, m) -> coldStart.computeIfAbsent(name, x -> new PolicyMetrics()).merge(m));
                }
                if (o.forecast != null) {
                    forecastMerged.merge(o.forecast);
                    forecastPolicy[0] = o.forecastPolicy;
                }
                if (o.sample != null) {
                    samples.add(o.sample);
                }
                intervals[0] += o.testIntervals;
                warmupSteps = Math.max(warmupSteps, o.warmup);
            }
            if (foresight != null) {
                runForesight(train, users, sampleIdx, merged.get(FORESIGHT), forecastMerged, samples, pool);
                forecastPolicy[0] = FORESIGHT;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("evaluation interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("evaluation failed: " + c, c);
        } finally {
            pool.shutdownNow();
            ticker.shutdownNow();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (config.progress() != null) {
            progress(total, total, start);
        }
        Map<String, Map<String, Object>> params = new LinkedHashMap<>();
        for (AllocationPolicy p : policies) {
            params.put(p.name(), p.parameters());
        }
        if (foresight != null) {
            Map<String, Object> fp = new LinkedHashMap<>(foresight.parameters());
            fp.putAll(foresightReport);
            params.put(FORESIGHT, fp);
        }
        return new EvaluationResult(merged, params, forecastPolicy[0], forecastPolicy[0] == null ? null : forecastMerged,
                total, intervals[0], test.stepSeconds(), samples, seconds, warmupSteps);
    }

    /**
     * Foresight through the loop's engine: every test user (with the same warm-up as the baselines, as its
     * history) in one pool, interval by interval. Scored like the baselines: usage against the allocation in
     * force, from the first test interval on.
     */
    private void runForesight(Trace train, List<UserSeries> users, java.util.Set<Integer> sampleIdx, PolicyMetrics into,
                              ForecastMetrics forecastInto, List<EvaluationResult.Sample> samples, ExecutorService pool) {
        int n = users.size();
        List<PoolReplay.UserReplay> replays = new ArrayList<>(n);
        PolicyMetrics[] metrics = new PolicyMetrics[n];
        double[][] prev = new double[n][];
        double[][][] sampled = new double[n][][];
        double[][][] heldCols = new double[n][][]; // allocation in force per user, CPU and memory, for the daily peaks
        int[] offsets = new int[n];
        UserSeries[] series = new UserSeries[n];
        for (int u = 0; u < n; u++) {
            UserSeries s = users.get(u);
            Replay r = withWarmup(train == null ? null : train.user(s.user()), s);
            series[u] = r.series();
            offsets[u] = r.offset();
            double[] start = foresight.initial().start(r.series()).allocate(r.offset());
            double[] cap = r.series().size() > r.offset() ? r.series().capacityAt(r.offset()).toArray() : start;
            for (int k = 0; k < Resource.COUNT; k++) {
                if (Double.isNaN(cap[k])) {
                    cap[k] = start[k];
                }
            }
            replays.add(new PoolReplay.UserReplay(r.series(), r.offset(), io.foresight.core.model.ResourceVector.of(cap)));
            metrics[u] = new PolicyMetrics();
            metrics[u].userDays = (r.series().size() - r.offset()) * (double) s.stepSeconds() / 86400.0;
            heldCols[u] = new double[PEAK_RESOURCES.length][r.series().size()];
            for (double[] h : heldCols[u]) {
                Arrays.fill(h, Double.NaN);
            }
            if (sampleIdx.contains(u)) {
                sampled[u] = new double[2][r.series().size() - r.offset()];
            }
        }
        ForecastMetrics fm = new ForecastMetrics();
        // spot: where each user's capacity was held (the replay's platform: the engine's node placement, the
        // seeded spot market reclaiming spot nodes, the on-demand fallback one lead time later)
        boolean[] onSpot = new boolean[n];
        boolean[] lost = new boolean[n];
        // user-intervals on spot, reclaimed spot nodes, users on them, user-intervals without capacity, of them
        // under-provisioned
        long[] spot = new long[5];
        // node-hours of the packing: all, spot; node cost with spot and all on-demand (USD)
        double[] nodes = new double[4];
        Map<String, Integer> nodeTypes = new java.util.TreeMap<>();
        Map<String, io.foresight.core.engine.ProfileState> profiles = new java.util.HashMap<>();
        long[] versions = new long[1];
        io.foresight.core.engine.LearnedHeadroom.State[] bandit = new io.foresight.core.engine.LearnedHeadroom.State[1];
        PoolReplay.Listener listener = new PoolReplay.Listener() {
            @Override
            public void interval(int u, int i, io.foresight.core.model.ResourceVector inForce, io.foresight.core.forecast.Forecast f) {
                UserSeries s = series[u];
                double hours = s.stepSeconds() / 3600.0;
                int day = Math.max(1, 86400 / s.stepSeconds());
                double[] alloc = inForce.toArray();
                PolicyMetrics m = metrics[u];
                double[] usage = s.usageAt(i).toArray();
                double[] held = alloc;
                if (lost[u]) {
                    // its spot node was reclaimed: nothing until the on-demand fallback arrives
                    held = alloc.clone();
                    held[Resource.CPU.ordinal()] = 0;
                    held[Resource.MEMORY.ordinal()] = 0;
                    spot[3]++;
                }
                boolean under = m.scoreInterval(held, usage, hours);
                if (held != alloc && under) {
                    spot[4]++;
                }
                if (onSpot[u]) {
                    m.onSpot(alloc, hours);
                    spot[0]++;
                }
                for (int r = 0; r < Resource.COUNT; r++) {
                    double use = usage[r];
                    double naive = i - day >= 0 ? s.usageColumn(Resource.of(r))[i - day] : Double.NaN;
                    fm.add(r, use, f == null ? Double.NaN : f.point()[r][0], f == null ? Double.NaN : f.upper()[r][0], naive);
                }
                if (prev[u] != null && changed(prev[u], alloc)) {
                    m.changes++;
                }
                prev[u] = alloc;
                for (int k = 0; k < PEAK_RESOURCES.length; k++) {
                    heldCols[u][k][i] = held[PEAK_RESOURCES[k].ordinal()];
                }
                if (sampled[u] != null) {
                    sampled[u][0][i - offsets[u]] = alloc[0];
                    sampled[u][1][i - offsets[u]] = alloc[1];
                }
            }

            @Override
            public void held(int u, boolean spotCapacity, boolean capacityLost) {
                onSpot[u] = spotCapacity;
                lost[u] = capacityLost;
            }

            @Override
            public void placed(long at, io.foresight.core.plan.CapacityPlanner.Plan plan,
                               io.foresight.core.plan.CapacityPlanner.Plan allOnDemand,
                               List<io.foresight.core.plan.CapacityPlanner.Node> reclaimed) {
                double hours = series[0].stepSeconds() / 3600.0;
                nodes[0] += plan.nodes().size() * hours;
                nodes[1] += plan.nodes().stream().filter(io.foresight.core.plan.CapacityPlanner.Node::spot).count() * hours;
                nodes[2] += plan.costPerHour() * hours;
                nodes[3] += allOnDemand.costPerHour() * hours;
                plan.counts().forEach((type, k) -> nodeTypes.merge(type, k, Integer::sum));
                spot[1] += reclaimed.size();
                reclaimed.forEach(node -> spot[2] += node.users().size());
            }

            @Override
            public void profiled(io.foresight.core.engine.ProfileState p) {
                profiles.put(p.user(), p);
                versions[0]++;
            }

            @Override
            public void learned(io.foresight.core.engine.LearnedHeadroom.State st) {
                bandit[0] = st;
            }
        };
        long total = 0;
        for (UserSeries s : series) {
            total = Math.max(total, s.size());
        }
        long steps = total;
        long t0 = System.nanoTime();
        long[] next = {t0 + config.progressEveryMillis() * 1_000_000L};
        int[] done = {0};
        PoolReplay.Listener withProgress = new PoolReplay.Listener() {
            @Override
            public void interval(int user, int index, io.foresight.core.model.ResourceVector inForce,
                                 io.foresight.core.forecast.Forecast forecast) {
                listener.interval(user, index, inForce, forecast);
            }

            @Override
            public void learned(io.foresight.core.engine.LearnedHeadroom.State state) {
                listener.learned(state);
            }

            @Override
            public void profiled(io.foresight.core.engine.ProfileState version) {
                listener.profiled(version);
            }

            @Override
            public void placed(long at, io.foresight.core.plan.CapacityPlanner.Plan nodes,
                               io.foresight.core.plan.CapacityPlanner.Plan allOnDemand,
                               List<io.foresight.core.plan.CapacityPlanner.Node> reclaimed) {
                listener.placed(at, nodes, allOnDemand, reclaimed);
            }

            @Override
            public void held(int user, boolean onSpot, boolean capacityLost) {
                listener.held(user, onSpot, capacityLost);
            }

            @Override
            public void decided(long at, List<io.foresight.core.engine.CycleEngine.UserDecision> decisions,
                                java.util.Set<String> approved) {
                listener.decided(at, decisions, approved);
                done[0]++;
                long now = System.nanoTime();
                if (config.progress() != null && config.progressEveryMillis() > 0 && now >= next[0]) {
                    next[0] = now + config.progressEveryMillis() * 1_000_000L;
                    double el = (now - t0) / 1e9;
                    config.progress().printf("evaluate: foresight (the loop's engine) %d/%d intervals of the pool, %s elapsed, ETA %s%n",
                            done[0], steps, fmt(el), fmt(el / done[0] * Math.max(0, steps - done[0])));
                }
            }
        };
        PoolReplay replay = foresight.replay().withProvisioningSteps(config.provisioningSteps());
        replay.run(replays, withProgress, pool, config.threads());
        for (int u = 0; u < n; u++) {
            scorePeaks(metrics[u], series[u], heldCols[u], offsets[u]);
            into.merge(metrics[u]);
            perUser.computeIfAbsent(FORESIGHT, x -> new LinkedHashMap<>()).put(users.get(u).user(), metrics[u]);
            if (train == null || train.user(users.get(u).user()) == null) {
                coldStart.computeIfAbsent(FORESIGHT, x -> new PolicyMetrics()).merge(metrics[u]);
            }
        }
        Map<String, Object> sp = new LinkedHashMap<>();
        sp.put("spot_share_of_user_intervals", into.userIntervals() == 0 ? 0.0 : (double) spot[0] / into.userIntervals());
        sp.put("interruptions", spot[1]);
        sp.put("users_on_reclaimed_nodes", spot[2]);
        sp.put("interrupted_user_intervals", spot[3]);
        sp.put("underprovisioned_user_intervals_from_interruptions", spot[4]);
        sp.put("cost_with_spot", into.cost(config.prices()));
        sp.put("cost_all_on_demand", into.onDemandCost(config.prices()));
        // what the platform pays for whole nodes: the capacity planner's packing each interval (bundled catalog)
        sp.put("node_hours", nodes[0]);
        sp.put("spot_share_of_node_hours", nodes[0] == 0 ? 0.0 : nodes[1] / nodes[0]);
        sp.put("node_cost_with_spot", nodes[2]);
        sp.put("node_cost_all_on_demand", nodes[3]);
        sp.put("node_type_intervals", nodeTypes);
        io.foresight.core.cost.SpotMarket market = replay.market();
        sp.put("interruptions_per_instance_month", market.interruptionsPerMonth());
        sp.put("interruption_rate_source", "AWS Spot Instance Advisor, frequency of interruption bucket 5-10% per month (upper edge), drawn per spot node");
        sp.put("fallback_steps", market.fallbackSteps());
        foresightReport.put("spot", sp);
        Map<String, Integer> perPattern = new java.util.TreeMap<>();
        profiles.values().forEach(p -> perPattern.merge(p.pattern().name(), 1, Integer::sum));
        Map<String, Object> pr = new LinkedHashMap<>();
        pr.put("users_per_pattern_at_end", perPattern);
        pr.put("versions_published", versions[0]);
        foresightReport.put("profiles", pr);
        if (bandit[0] != null) {
            Map<String, Object> lh = new LinkedHashMap<>();
            io.foresight.core.engine.LearnedHeadroom.best(bandit[0]).forEach((p, h) -> lh.put(p.name(), h));
            foresightReport.put("learned_headroom_per_pattern", lh);
        }
        forecastInto.merge(fm);
        for (EvaluationResult.Sample smp : samples) {
            for (int u = 0; u < n; u++) {
                if (sampled[u] != null && users.get(u).user().equals(smp.user())) {
                    smp.allocation().put(FORESIGHT, sampled[u]);
                }
            }
        }
    }

    /** The resources whose daily-peak coverage is scored. */
    static final Resource[] PEAK_RESOURCES = {Resource.CPU, Resource.MEMORY};

    private static void scorePeaks(PolicyMetrics m, UserSeries s, double[][] held, int from) {
        for (int k = 0; k < PEAK_RESOURCES.length; k++) {
            m.scorePeaks(PEAK_RESOURCES[k], s.timestamps(), s.usageColumn(PEAK_RESOURCES[k]), held[k], from, s.size());
        }
    }

    private void progress(int done, int total, long start) {
        double el = (System.nanoTime() - start) / 1e9;
        String eta = done == 0 ? "?" : fmt(el / done * (total - done));
        config.progress().printf("evaluate: %d/%d users, %s elapsed, ETA %s%n", done, total, fmt(el), eta);
    }

    private static String fmt(double s) {
        long t = Math.round(s);
        return String.format("%02d:%02d", t / 60, t % 60);
    }

    /** A test series with part of the user's training history before it; {@code offset} = first test index. */
    record Replay(UserSeries series, int offset) {}

    Replay withWarmup(UserSeries train, UserSeries test) {
        if (train == null || config.warmupDays() == 0 || test.size() == 0 || train.size() == 0
                || train.stepSeconds() != test.stepSeconds()) {
            return new Replay(test, 0);
        }
        int step = test.stepSeconds();
        long t0 = test.timestamp(0);
        int warm = config.warmupDays() * 86400 / step;
        long from = t0 - (long) warm * step;
        // Only training intervals strictly before the test start, on the test's grid.
        double[][] u = new double[Resource.COUNT][warm];
        double[][] c = new double[Resource.COUNT][warm];
        for (double[] row : u) {
            Arrays.fill(row, Double.NaN);
        }
        for (double[] row : c) {
            Arrays.fill(row, Double.NaN);
        }
        // a job log's job states come along, on the same grid (NaN where the training part has none)
        io.foresight.core.trace.JobColumns jobs = train.jobs() == null && test.jobs() == null ? null
                : io.foresight.core.trace.JobColumns.unknown(warm + test.size());
        boolean any = false;
        for (int i = 0; i < train.size(); i++) {
            long t = train.timestamp(i);
            if (t < from || t >= t0) {
                continue;
            }
            int k = (int) Math.floorDiv(t - from, step);
            if (k < 0 || k >= warm) {
                continue;
            }
            for (int r = 0; r < Resource.COUNT; r++) {
                u[r][k] = train.usageColumn(Resource.of(r))[i];
                c[r][k] = train.capacityColumn(Resource.of(r))[i];
            }
            if (jobs != null && train.jobs() != null) {
                jobs.set(k, train.jobs().at(i));
            }
            any = true;
        }
        if (!any) {
            return new Replay(test, 0);
        }
        int n = warm + test.size();
        long[] ts = new long[n];
        double[][] uu = new double[Resource.COUNT][n];
        double[][] cc = new double[Resource.COUNT][n];
        for (int i = 0; i < warm; i++) {
            ts[i] = from + (long) i * step;
        }
        System.arraycopy(test.timestamps(), 0, ts, warm, test.size());
        for (int r = 0; r < Resource.COUNT; r++) {
            System.arraycopy(u[r], 0, uu[r], 0, warm);
            System.arraycopy(c[r], 0, cc[r], 0, warm);
            System.arraycopy(test.usageColumn(Resource.of(r)), 0, uu[r], warm, test.size());
            System.arraycopy(test.capacityColumn(Resource.of(r)), 0, cc[r], warm, test.size());
        }
        if (jobs != null && test.jobs() != null) {
            jobs.copyFrom(test.jobs(), 0, warm, test.size());
        }
        return new Replay(new UserSeries(test.user(), step, ts, uu, cc, jobs), warm);
    }

    private record UserOutcome(Map<String, PolicyMetrics> metrics, ForecastMetrics forecast, String forecastPolicy,
                               EvaluationResult.Sample sample, long testIntervals, int warmup) {}

    private UserOutcome runUser(Replay replay, boolean sample) {
        UserSeries s = replay.series();
        int off = replay.offset();
        int n = s.size();
        double hours = s.stepSeconds() / 3600.0;
        int day = Math.max(1, 86400 / s.stepSeconds());
        Map<String, PolicyMetrics> metrics = new LinkedHashMap<>();
        ForecastMetrics fm = null;
        String fp = null;
        Map<String, double[][]> sampleAlloc = sample ? new LinkedHashMap<>() : null;
        double[] usage = new double[Resource.COUNT];
        double[][] cols = new double[Resource.COUNT][];
        for (int r = 0; r < Resource.COUNT; r++) {
            cols[r] = s.usageColumn(Resource.of(r));
        }
        for (AllocationPolicy p : policies) {
            PolicyMetrics m = new PolicyMetrics();
            m.userDays = (n - off) * (double) s.stepSeconds() / 86400.0;
            UserAllocator a = p.start(s);
            ForecastingAllocator fa = a instanceof ForecastingAllocator x ? x : null;
            if (fa != null && fm == null) {
                fm = new ForecastMetrics();
                fp = p.name();
            }
            double[][] sa = sample ? new double[2][n - off] : null;
            double[][] held = new double[PEAK_RESOURCES.length][n];
            double[] prev = null;
            // decisions not yet in force: the one made at i serves i + provisioningSteps - 1
            java.util.ArrayDeque<double[]> pipeline = new java.util.ArrayDeque<>();
            for (int i = 0; i < n; i++) {
                double[] decided = a.allocate(i);
                if (decided == null || decided.length != Resource.COUNT) {
                    throw new IllegalStateException("policy " + p.name() + " returned no allocation for interval " + i);
                }
                double[] alloc = decided;
                // the oracle is the lower bound (the interval's own usage), not a policy a platform delays
                if (config.provisioningSteps() > 1 && !(p instanceof io.foresight.core.baseline.OraclePolicy)) {
                    pipeline.addLast(decided.clone());
                    // before the first decision arrives the user holds what the policy started with
                    alloc = pipeline.size() >= config.provisioningSteps() ? pipeline.pollFirst() : pipeline.peekFirst();
                }
                for (int k = 0; k < PEAK_RESOURCES.length; k++) {
                    held[k][i] = alloc[PEAK_RESOURCES[k].ordinal()];
                }
                for (int r = 0; r < Resource.COUNT; r++) {
                    usage[r] = cols[r][i];
                }
                if (i >= off) {
                    m.scoreInterval(alloc, usage, hours);
                    if (prev != null && changed(prev, alloc)) {
                        m.changes++;
                    }
                    if (fa != null && p.name().equals(fp)) {
                        double[] pt = fa.lastPoint();
                        double[] up = fa.lastUpper();
                        for (int r = 0; r < Resource.COUNT; r++) {
                            double naive = i - day >= 0 ? cols[r][i - day] : Double.NaN;
                            fm.add(r, usage[r], pt[r], up[r], naive);
                        }
                    }
                    if (sa != null) {
                        sa[0][i - off] = alloc[0];
                        sa[1][i - off] = alloc[1];
                    }
                    prev = alloc.clone();
                }
                a.observe(i, usage.clone());
            }
            scorePeaks(m, s, held, off);
            metrics.put(p.name(), m);
            if (sampleAlloc != null) {
                sampleAlloc.put(p.name(), sa);
            }
        }
        EvaluationResult.Sample smp = null;
        if (sample) {
            double[][] u = new double[2][];
            u[0] = Arrays.copyOfRange(cols[0], off, n);
            u[1] = Arrays.copyOfRange(cols[1], off, n);
            smp = new EvaluationResult.Sample(s.user(), Arrays.copyOfRange(s.timestamps(), off, n), u, sampleAlloc);
        }
        return new UserOutcome(metrics, fm, fp, smp, n - off, off);
    }

    private static boolean changed(double[] a, double[] b) {
        for (int r = 0; r < a.length; r++) {
            double x = a[r];
            double y = b[r];
            if (Double.isNaN(x) != Double.isNaN(y)) {
                return true;
            }
            if (!Double.isNaN(x) && Math.abs(x - y) > 1e-9 * Math.max(1, Math.abs(x))) {
                return true;
            }
        }
        return false;
    }
}
