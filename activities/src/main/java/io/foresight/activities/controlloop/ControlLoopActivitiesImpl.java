package io.foresight.activities.controlloop;

import io.foresight.core.alloc.AllocationMode;
import io.foresight.core.audit.DecisionLog;
import io.foresight.core.audit.DecisionRecord;

import io.foresight.activities.ControlWorkerConfig;
import io.foresight.activities.actuate.Actuator;
import io.foresight.core.forecast.Forecast;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.model.UserProfile;
import io.foresight.core.plan.PlannedAllocation;
import io.foresight.core.plan.Planner;
import io.foresight.core.policy.DecisionOutcome;
import io.foresight.core.policy.PolicyContext;
import io.foresight.core.policy.PolicyDecision;
import io.foresight.core.policy.ProposedChange;
import io.foresight.core.trace.UserSeries;
import io.foresight.workflows.controlloop.ControlLoopActivities;
import io.foresight.workflows.controlloop.Mode;
import io.foresight.workflows.controlloop.ShardTask;
import io.temporal.activity.Activity;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The control loop's activities, wired to core's forecaster, planner and policy gate and to the
 * configured usage source and actuator. Each step reads the previous step's file and writes its own under
 * {@code <stateDir>/pools/<pool>/cycles/<cycle>/}, returning the file's reference; a retry recomputes and
 * atomically replaces its own file. State that outlives a cycle (planner memory per user, drift counter
 * per pool) is stored with the cycle that produced it and the value before, so a retried step of the
 * same cycle starts again from the same state instead of counting twice.
 */
public final class ControlLoopActivitiesImpl implements ControlLoopActivities {
    private final ControlWorkerConfig config;
    /** The audit trail of policy decisions, relative to the state dir. */
    public static final String DECISION_LOG = "decisions.jsonl";
    /** Anomalies the monitor found in the users' usage, relative to the state dir. */
    public static final String ANOMALY_LOG = "anomalies.jsonl";

    /** Users whose usage spiked in a cycle: the next cycle's policy check may scale them up past the step limit. */
    record AnomalyFile(List<String> spikingUsers) {}

    private final StateStore store;
    private final DecisionLog auditLog;
    private final io.foresight.core.feedback.AnomalyLog anomalyLog;
    private final io.foresight.core.feedback.AnomalyDetector anomalyDetector =
            new io.foresight.core.feedback.AnomalyDetector(io.foresight.core.feedback.AnomalyDetector.Config.fiveMinuteDefaults());
    private final Planner planner;
    private final LoopMetrics metrics;
    private final DriftDetector drift;
    private final int horizon;

    public ControlLoopActivitiesImpl(ControlWorkerConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.store = new StateStore(config.stateDir());
        this.auditLog = new DecisionLog(config.stateDir().resolve(DECISION_LOG));
        this.anomalyLog = new io.foresight.core.feedback.AnomalyLog(config.stateDir().resolve(ANOMALY_LOG));
        this.planner = new Planner(config.planner());
        this.metrics = LoopMetrics.of(config.metrics());
        this.drift = new DriftDetector(config.driftUnderShare(), config.driftMaeRatio(), config.driftCycles());
        int maxLead = 0;
        for (Resource r : Resource.values()) {
            maxLead = Math.max(maxLead, config.planner().lead(r));
        }
        this.horizon = maxLead + 2;
    }

    // ---- files (package-private records so Jackson reads them back) ----

    record UsageRow(String user, double[] usage, double[] allocation) {}

    record CollectFile(String pool, long cycle, int shard, int interval, long intervalStart, int stepSeconds,
                       List<UsageRow> rows) {}

    record ForecastRow(String user, double[] allocation, Forecast forecast) {}

    record ForecastFile(int interval, long intervalStart, int stepSeconds, List<ForecastRow> rows) {}

    record PlanRow(String user, double[] current, double[] target, double[] peak, String model, String reason,
                   boolean changes) {}

    record PlanFile(int interval, long effectiveAt, List<PlanRow> rows) {}

    record DecisionRow(String user, String changeId, String outcome, double[] current, double[] allowed,
                       boolean spot, List<String> rules, List<String> messages) {}

    record DecisionFile(Mode mode, List<DecisionRow> rows) {}

    /** Planner state per user of a shard, before and after the cycle that last wrote it. */
    record PlannerMemory(long cycle, Map<String, int[]> before, Map<String, int[]> after) {}

    record DriftMemory(long cycle, DriftDetector.State before, DriftDetector.State after, FeedbackResult result) {}

    static String ref(ShardTask t, String step) {
        return StateStore.cycleDir(t.pool(), t.cycle()) + "/" + step + "-s" + t.shard() + ".json";
    }

    // ---- activities ----

    @Override
    public PoolInfo describePool(String pool, String dataSource) {
        UsageSource src = source(dataSource);
        return new PoolInfo(src.users().size(), src.stepSeconds());
    }

    @Override
    public CollectResult collect(ShardTask t) {
        UsageSource src = source(t.dataSource());
        int interval = src.firstInterval() + Math.toIntExact(t.cycle());
        if (interval >= src.intervals()) {
            return new CollectResult("", 0, 0, 0, true);
        }
        List<UsageRow> rows = new ArrayList<>();
        int observed = 0;
        long start = 0;
        List<String> users = shardUsers(src, t);
        Map<String, ResourceVector> inForce = config.actuator().current(t.pool(), users);
        for (String user : users) {
            beat();
            UserSeries s = src.history(user, interval + 1);
            ResourceVector set = inForce.get(user);
            if (s.size() <= interval) {
                rows.add(new UsageRow(user, nan(), set == null ? nan() : set.toArray()));
                continue;
            }
            start = Math.max(start, s.timestamp(interval));
            double[] usage = s.usageAt(interval).toArray();
            if (!Double.isNaN(usage[Resource.CPU.ordinal()])) {
                observed++;
            }
            // in force: what the cluster set, else what the trace says the user had
            rows.add(new UsageRow(user, usage, (set == null ? s.capacityAt(interval) : set).toArray()));
        }
        String ref = ref(t, "collect");
        store.write(ref, new CollectFile(t.pool(), t.cycle(), t.shard(), interval, start, src.stepSeconds(), rows));
        return new CollectResult(ref, rows.size(), observed, start, false);
    }

    @Override
    public PredictResult predict(ShardTask t, String collectRef) {
        CollectFile in = store.read(collectRef, CollectFile.class);
        UsageSource src = source(t.dataSource());
        ForecasterProvider.ModelInUse model = whileBeating(() -> config.forecasters().current(), BEAT_EVERY);
        List<ForecastRow> rows = new ArrayList<>();
        for (UsageRow u : in.rows()) {
            beat();
            UserSeries history = src.history(u.user(), in.interval() + 1);
            Forecast f = history.size() <= in.interval()
                    ? unknown(u.user(), in) // the user's data ended before this interval: hold, predict nothing
                    : model.forecaster().forecast(history, in.interval() + 1, horizon);
            rows.add(new ForecastRow(u.user(), u.allocation(), new Forecast(f.user(), f.issuedAt(), f.stepSeconds(),
                    f.quantile(), f.point(), f.upper(), model.version())));
        }
        String ref = ref(t, "forecast");
        store.write(ref, new ForecastFile(in.interval(), in.intervalStart(), in.stepSeconds(), rows));
        return new PredictResult(ref, rows.size(), model.version());
    }

    @Override
    public PlanResult plan(ShardTask t, String forecastRef) {
        ForecastFile in = store.read(forecastRef, ForecastFile.class);
        // planner memory of the shard's users, one file per shard (one fsync per call, not per user)
        String memRef = "pools/" + t.pool() + "/planner/shard-" + t.shard() + ".json";
        PlannerMemory mem = store.exists(memRef) ? store.read(memRef, PlannerMemory.class) : null;
        // a retry of the same cycle starts from the state before its first attempt
        Map<String, int[]> from = mem == null ? Map.of() : (mem.cycle() == t.cycle() ? mem.before() : mem.after());
        Map<String, int[]> after = new LinkedHashMap<>();
        List<PlanRow> rows = new ArrayList<>();
        int changes = 0;
        int ups = 0;
        int downs = 0;
        for (ForecastRow f : in.rows()) {
            beat();
            int[] saved = from.get(f.user());
            Planner.State state = saved == null ? new Planner.State() : Planner.State.restore(saved);
            PlannedAllocation p = planner.plan(f.forecast(), ResourceVector.of(f.allocation()), state);
            after.put(f.user(), state.toArray());
            rows.add(new PlanRow(p.user(), p.current().toArray(), p.target().toArray(), p.forecastPeak().toArray(),
                    p.model(), p.reason(), p.changes()));
            if (p.changes()) {
                changes++;
                if (p.reason().contains(" up")) {
                    ups++;
                }
                if (p.reason().contains(" down")) {
                    downs++;
                }
            }
        }
        store.write(memRef, new PlannerMemory(t.cycle(), from, after));
        String ref = ref(t, "plan");
        store.write(ref, new PlanFile(in.interval(), in.intervalStart() + in.stepSeconds(), rows));
        return new PlanResult(ref, rows.size(), changes, ups, downs);
    }

    @Override
    public PolicyResult checkPolicy(ShardTask t, String planRef, Mode mode) {
        PlanFile plan = store.read(planRef, PlanFile.class);
        List<ProposedChange> changes = new ArrayList<>();
        List<PlanRow> changing = new ArrayList<>();
        Map<String, Double> teamCost = new TreeMap<>();
        for (PlanRow r : plan.rows()) {
            UserProfile profile = config.profiles().apply(r.user());
            ResourceVector cur = ResourceVector.of(r.current());
            teamCost.merge(profile.team(), config.prices().costPerHour(cur, false), Double::sum);
            if (!r.changes()) {
                continue;
            }
            ResourceVector target = ResourceVector.of(r.target());
            boolean spot = profile.spotAllowed() && profile.pattern().interruptible();
            double delta = config.prices().costPerHour(target, spot) - config.prices().costPerHour(cur, false);
            changes.add(new ProposedChange(r.user(), profile.team(), profile.tier(), profile.pattern(), cur, target,
                    ResourceVector.of(r.peak()), r.model(), spot, delta));
            changing.add(r);
        }
        List<PolicyDecision> decisions = changes.isEmpty() ? List.of()
                : config.policy().check(new PolicyContext(t.pool(), plan.effectiveAt(), teamCost, false), changes,
                        new io.foresight.core.policy.PolicyFacts(spikingUsers(t.pool(), t.cycle() - 1), Map.of()));
        if (decisions.size() != changes.size()) {
            throw new IllegalStateException("policy gate returned " + decisions.size() + " decisions for "
                    + changes.size() + " changes: it must return one per change, in order");
        }
        Map<String, PolicyDecision> byUser = new LinkedHashMap<>();
        for (int i = 0; i < decisions.size(); i++) {
            byUser.put(changing.get(i).user(), decisions.get(i));
        }
        int approved = 0;
        int adjusted = 0;
        int denied = 0;
        Map<String, Integer> fired = new TreeMap<>();
        List<String> waiting = new ArrayList<>();
        List<DecisionRow> rows = new ArrayList<>();
        for (PlanRow r : plan.rows()) {
            String changeId = t.pool() + "/" + t.cycle() + "/" + r.user();
            PolicyDecision d = byUser.get(r.user());
            if (d == null) {
                rows.add(new DecisionRow(r.user(), changeId, "HOLD", r.current(), r.current(), false, List.of(), List.of()));
                continue;
            }
            switch (d.outcome()) {
                case APPROVED -> approved++;
                case ADJUSTED -> adjusted++;
                case DENIED -> denied++;
                case WAITING_APPROVAL -> waiting.add(changeId);
            }
            d.firedRules().forEach(rule -> fired.merge(rule, 1, Integer::sum));
            rows.add(new DecisionRow(r.user(), changeId, d.outcome().name(), r.current(), d.allowed().toArray(),
                    d.spot(), d.firedRules(), d.messages()));
        }
        String ref = ref(t, "decisions");
        store.write(ref, new DecisionFile(mode, rows));
        audit(t, plan, byUser, mode);
        return new PolicyResult(ref, approved, adjusted, denied, waiting.size(), fired, waiting);
    }

    /**
     * Appends the cycle's decisions to the audit trail ({@code decisions.jsonl} in the state dir, read by
     * {@code foresight decisions}). A retried policy check appends again; readers keep the last record per
     * (pool, cycle, user).
     */
    private void audit(ShardTask t, PlanFile plan, Map<String, PolicyDecision> byUser, Mode mode) {
        if (byUser.isEmpty()) {
            return;
        }
        List<DecisionRecord> records = new ArrayList<>();
        AllocationMode am = mode == Mode.ENFORCE ? AllocationMode.ENFORCE : AllocationMode.DRY_RUN;
        for (PlanRow r : plan.rows()) {
            PolicyDecision d = byUser.get(r.user());
            if (d == null) {
                continue;
            }
            records.add(new DecisionRecord(t.pool(), t.cycle(), plan.effectiveAt(), r.user(), ResourceVector.of(r.peak()),
                    r.model(), ResourceVector.of(r.current()), ResourceVector.of(r.target()), d.outcome(), d.allowed(),
                    d.spot(), d.firedRules(), d.messages(), d.costDeltaPerHour(), am, am == AllocationMode.ENFORCE && d.applies()));
        }
        auditLog.append(records);
    }

    @Override
    public AllocateResult allocate(ShardTask t, String decisionsRef, List<String> approvedChangeIds) {
        DecisionFile in = store.read(decisionsRef, DecisionFile.class);
        Set<String> approved = new HashSet<>(approvedChangeIds);
        Map<String, ResourceVector> targets = new LinkedHashMap<>();
        int set = 0;
        for (DecisionRow d : in.rows()) {
            DecisionOutcome o = d.outcome().equals("HOLD") ? null : DecisionOutcome.valueOf(d.outcome());
            boolean apply = o == DecisionOutcome.APPROVED || o == DecisionOutcome.ADJUSTED
                    || (o == DecisionOutcome.WAITING_APPROVAL && approved.contains(d.changeId()));
            targets.put(d.user(), ResourceVector.of(apply ? d.allowed() : d.current()));
            if (apply) {
                set++;
            }
        }
        // every user of the shard is written, holds included: the journal then shows each (cycle, user) once
        Actuator.ApplyResult r = config.actuator().apply(t.pool(), t.key(), t.cycle(), targets);
        if (r.duplicate()) {
            return new AllocateResult(0, targets.size(), true);
        }
        metrics.applied(t.pool(), set);
        return new AllocateResult(set, targets.size() - set, false);
    }

    @Override
    public MonitorResult monitor(String pool, String dataSource, long cycle, int shards, String key) {
        int users = 0;
        int under = 0;
        double[] shortfall = new double[Resource.COUNT];
        double[] slack = new double[Resource.COUNT];
        double cost = 0;
        double absErr = 0;
        int errN = 0;
        StringBuilder csv = new StringBuilder("user,resource,usage,allocation,shortfall,slack,forecast\n");
        List<CollectFile> collected = new ArrayList<>(shards);
        for (int s = 0; s < shards; s++) {
            beat();
            ShardTask t = ShardTask.of(pool, dataSource, cycle, s, 1);
            CollectFile c = store.read(ref(t, "collect"), CollectFile.class);
            collected.add(c);
            Map<String, Forecast> prev = previousForecasts(pool, dataSource, cycle, s);
            for (UsageRow u : c.rows()) {
                if (Double.isNaN(u.usage()[Resource.CPU.ordinal()])) {
                    continue; // not observed this interval
                }
                users++;
                ResourceVector alloc = ResourceVector.of(u.allocation());
                cost += config.prices().costPerHour(alloc, false);
                boolean short_ = false;
                Forecast f = prev.get(u.user());
                for (Resource r : Resource.values()) {
                    int i = r.ordinal();
                    double use = u.usage()[i];
                    double a = u.allocation()[i];
                    double fc = f == null ? Double.NaN : f.point(r, 0);
                    if (!Double.isNaN(use) && !Double.isNaN(a)) {
                        double sf = Math.max(0, use - a);
                        shortfall[i] += sf;
                        slack[i] += Math.max(0, a - use);
                        short_ |= sf > 1e-9;
                    }
                    csv.append(csvField(u.user())).append(',').append(r.name().toLowerCase(Locale.ROOT)).append(',')
                            .append(num(use)).append(',').append(num(a)).append(',')
                            .append(num(Double.isNaN(use) || Double.isNaN(a) ? Double.NaN : Math.max(0, use - a)))
                            .append(',').append(num(Double.isNaN(use) || Double.isNaN(a) ? Double.NaN : Math.max(0, a - use)))
                            .append(',').append(num(fc)).append('\n');
                }
                if (short_) {
                    under++;
                }
                if (f != null && !Double.isNaN(f.point(Resource.CPU, 0))) {
                    absErr += Math.abs(f.point(Resource.CPU, 0) - u.usage()[Resource.CPU.ordinal()]);
                    errN++;
                }
            }
        }
        String dir = StateStore.cycleDir(pool, cycle);
        detectAnomalies(pool, dataSource, collected, dir);
        store.writeBytes(dir + "/outcomes.csv", csv.toString().getBytes(StandardCharsets.UTF_8));
        MonitorResult m = new MonitorResult(dir + "/outcomes.csv", users, under, shortfall[0], slack[0],
                shortfall[1], slack[1], cost, errN == 0 ? -1 : absErr / errN);
        store.write(dir + "/outcome.json", m);
        metrics.record(pool, cycle, m);
        if (cycle >= config.retainCycles()) {
            store.deleteTree(StateStore.cycleDir(pool, cycle - config.retainCycles()));
        }
        return m;
    }

    private Map<String, Forecast> previousForecasts(String pool, String dataSource, long cycle, int shard) {
        if (cycle == 0) {
            return Map.of();
        }
        String ref = ref(ShardTask.of(pool, dataSource, cycle - 1, shard, 1), "forecast");
        if (!store.exists(ref)) {
            return Map.of(); // previous cycle failed or the pool was resharded
        }
        Map<String, Forecast> out = new LinkedHashMap<>();
        for (ForecastRow r : store.read(ref, ForecastFile.class).rows()) {
            out.put(r.user(), r.forecast());
        }
        return out;
    }

    @Override
    public FeedbackResult feedback(String pool, long cycle, MonitorResult outcome, String key) {
        String ref = "pools/" + pool + "/drift.json";
        DriftDetector.State state = DriftDetector.State.INITIAL;
        if (store.exists(ref)) {
            DriftMemory m = store.read(ref, DriftMemory.class);
            if (m.cycle() == cycle) {
                return m.result(); // retry of the same cycle: same answer, counter not advanced twice
            }
            state = m.after();
        }
        DriftDetector.Step step = drift.update(state, outcome);
        store.write(ref, new DriftMemory(cycle, state, step.next(), step.result()));
        return step.result();
    }

    /**
     * Judges each user's usage of this interval against its own seasonal history (robust, so one spike does
     * not teach the detector). Anomalies go to the anomaly log ({@code foresight anomalies}); users whose usage
     * spiked are flagged for the next cycle's policy check (safety scale-up). Written once per cycle: a retry
     * finds the cycle's file and does not log twice.
     */
    private void detectAnomalies(String pool, String dataSource, List<CollectFile> collected, String dir) {
        String ref = dir + "/anomalies.json";
        if (store.exists(ref)) {
            return;
        }
        UsageSource src = source(dataSource);
        List<io.foresight.core.feedback.Anomaly> found = new ArrayList<>();
        java.util.Set<String> spiking = new java.util.TreeSet<>();
        for (CollectFile c : collected) {
            for (UsageRow u : c.rows()) {
                beat();
                UserSeries h = src.history(u.user(), c.interval() + 1);
                if (h.size() <= c.interval()) {
                    continue;
                }
                for (io.foresight.core.feedback.Anomaly a : anomalyDetector.detectAt(h, c.interval())) {
                    found.add(a);
                    if (a.kind() == io.foresight.core.feedback.Anomaly.Kind.SPIKE) {
                        spiking.add(a.user());
                    }
                }
            }
        }
        anomalyLog.append(found);
        metrics.anomalies(pool, found.size());
        store.write(ref, new AnomalyFile(List.copyOf(spiking)));
    }

    private java.util.Set<String> spikingUsers(String pool, long cycle) {
        String ref = StateStore.cycleDir(pool, cycle) + "/anomalies.json";
        return cycle >= 0 && store.exists(ref) ? java.util.Set.copyOf(store.read(ref, AnomalyFile.class).spikingUsers())
                : java.util.Set.of();
    }

    // ---- helpers ----

    /** Heartbeat period while waiting on slow loads (a first trace read, a model download). */
    static final java.time.Duration BEAT_EVERY = java.time.Duration.ofSeconds(2);
    private static final java.util.concurrent.ExecutorService LOADER = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "foresight-loader");
        t.setDaemon(true);
        return t;
    });

    /**
     * Opening a data source the first time on a worker reads the whole trace (tens of seconds for a month of
     * 400 VMs): far longer than the activities' heartbeat timeout, so it runs while the activity heartbeats.
     */
    private UsageSource source(String ref) {
        return whileBeating(() -> config.usageSources().open(ref), BEAT_EVERY);
    }

    static <T> T whileBeating(java.util.function.Supplier<T> load, java.time.Duration every) {
        return whileBeating(load, every, ControlLoopActivitiesImpl::beat);
    }

    static <T> T whileBeating(java.util.function.Supplier<T> load, java.time.Duration every, Runnable beat) {
        java.util.concurrent.Future<T> f = LOADER.submit(load::get);
        while (true) {
            try {
                return f.get(every.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException stillLoading) {
                beat.run();
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                f.cancel(true);
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while loading", e);
            } catch (RuntimeException e) {
                f.cancel(true); // e.g. the heartbeat reported the activity cancelled or timed out
                throw e;
            }
        }
    }

    private static List<String> shardUsers(UsageSource src, ShardTask t) {
        List<String> all = src.users();
        int from = Math.min(t.firstUser(), all.size());
        return all.subList(from, Math.min(from + t.shardSize(), all.size()));
    }

    private Forecast unknown(String user, CollectFile in) {
        double[][] none = new double[Resource.COUNT][horizon];
        for (double[] row : none) {
            java.util.Arrays.fill(row, Double.NaN);
        }
        return new Forecast(user, in.intervalStart() + in.stepSeconds(), in.stepSeconds(), 0.95, none, none, "none");
    }

    private static double[] nan() {
        double[] v = new double[Resource.COUNT];
        java.util.Arrays.fill(v, Double.NaN);
        return v;
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : Double.toString(v); // exact and far cheaper than String.format
    }

    private static String csvField(String s) {
        return s.indexOf(',') >= 0 || s.indexOf('"') >= 0 ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }

    /** Heartbeats when running as an activity (so a dead worker is noticed fast); no-op in plain calls. */
    private static void beat() {
        try {
            Activity.getExecutionContext().heartbeat(null);
        } catch (IllegalStateException notInActivity) {
            // called directly (tests, benchmarks)
        }
    }
}
