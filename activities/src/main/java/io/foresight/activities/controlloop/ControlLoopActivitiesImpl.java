package io.foresight.activities.controlloop;

import io.foresight.core.alloc.AllocationMode;
import io.foresight.core.audit.DecisionRecord;

import io.foresight.activities.ControlWorkerConfig;
import io.foresight.core.engine.CycleEngine;
import io.foresight.core.engine.LearnedHeadroom;
import io.foresight.core.engine.PoolFacts;
import io.foresight.core.engine.ProfileState;
import io.foresight.core.engine.TeamLedger;
import io.foresight.core.engine.UserHistory;
import io.foresight.core.eval.PolicyMetrics;
import io.foresight.core.forecast.Forecast;
import io.foresight.core.actuate.ApplyRequest;
import io.foresight.core.actuate.ApplyResult;
import io.foresight.core.actuate.UserAllocation;
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
import io.foresight.workflows.controlloop.ControlLoopActivities.PoolPolicyResult;
import io.foresight.workflows.controlloop.PoolSettings;
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
    /** The audit trail of policy decisions, relative to the state dir (the file store's). */
    public static final String DECISION_LOG = FileStateStore.DECISION_LOG;
    /** Anomalies the monitor found in the users' usage, relative to the state dir (the file store's). */
    public static final String ANOMALY_LOG = FileStateStore.ANOMALY_LOG;

    /** Users whose usage spiked in a cycle: the next cycle's policy check may scale them up past the step limit. */
    record AnomalyFile(List<String> spikingUsers) {}

    private final StateStore store;
    private volatile CycleEngine engine;
    private final CycleEngine.Parts parts;
    /** Where cold users start from, and what names the profiles' patterns: from training, may be null. */
    private volatile io.foresight.core.engine.PopulationProfile population;
    private volatile io.foresight.core.features.PatternClassifier patterns;
    /**
     * The installed pattern models' manifest (size and modification time) the engines were built with, or null when
     * the caller fixed the population: a champion installed while the worker runs is used from the next call on.
     */
    private volatile String patternStamp;
    /** Per pool file settings, the pool's collaborators and the engine over them (built once, on first use). */
    private final Map<PoolSettings, Wired> pools = new java.util.concurrent.ConcurrentHashMap<>();
    private final HistoryCache histories = new HistoryCache();
    private final LoopMetrics metrics;
    /** Cycles between two retraining requests of a pool: a retraining takes minutes and a model time to show its effect. */
    static final int RETRAIN_COOLDOWN_CYCLES = 288;

    public ControlLoopActivitiesImpl(ControlWorkerConfig config) {
        this(config, CycleEngine.Parts.DEFAULTS);
    }

    /** With the given parts of foresight on (as {@code evaluate --off} selects them). */
    public ControlLoopActivitiesImpl(ControlWorkerConfig config, CycleEngine.Parts parts) {
        this(config, parts, new FileStateStore(config.stateDir()));
    }

    /**
     * The pattern models the loop serves: {@code <stateDir>/pattern-model/}, the champion of
     * {@code foresight-pattern-classifier} installed there by the worker (the app's Models) and read by the one
     * loader ({@link io.foresight.core.forecast.ModelArtifacts#loadPatterns}): the classifier naming the profiles'
     * patterns and the population profile cold users start from. Absent: the documented rules and no population.
     */
    public static final String PATTERN_MODEL_DIR = "pattern-model";

    /** The installed pattern models, or null when none is installed; a refused model fails naming cause and fix. */
    public static io.foresight.core.forecast.ModelArtifacts.LoadedPatterns patternModels(java.nio.file.Path stateDir) {
        java.nio.file.Path dir = stateDir.resolve(PATTERN_MODEL_DIR);
        return java.nio.file.Files.isRegularFile(dir.resolve(io.foresight.core.forecast.ModelArtifacts.MANIFEST))
                ? io.foresight.core.forecast.ModelArtifacts.loadPatterns(dir) : null;
    }

    static io.foresight.core.engine.PopulationProfile population(java.nio.file.Path stateDir) {
        io.foresight.core.forecast.ModelArtifacts.LoadedPatterns p = patternModels(stateDir);
        return p == null ? null : p.population();
    }

    /**
     * With the given state store: the local state dir's files, or PostgreSQL shared by workers on several hosts
     * (then {@code config.stateDir()} holds only this worker's local files). Cold users start from the population
     * profile and profiles are named by the pattern classifier of the pattern models installed in the state dir
     * ({@link #PATTERN_MODEL_DIR}), when there are any.
     */
    public ControlLoopActivitiesImpl(ControlWorkerConfig config, CycleEngine.Parts parts, StateStore store) {
        this(config, parts, store, population(config.stateDir()));
        this.patternStamp = patternStamp(config.stateDir());
    }

    /** What identifies the installed pattern models' manifest: "" when none is installed. */
    static String patternStamp(java.nio.file.Path stateDir) {
        java.nio.file.Path m = stateDir.resolve(PATTERN_MODEL_DIR).resolve(io.foresight.core.forecast.ModelArtifacts.MANIFEST);
        try {
            return java.nio.file.Files.size(m) + "@" + java.nio.file.Files.getLastModifiedTime(m).toMillis();
        } catch (java.io.IOException e) {
            return "";
        }
    }

    /**
     * Rebuilds the engines when other pattern models were installed since they were built (the worker follows the
     * registry's champion): profiles are named, and cold users start, by the newly installed models from here on. A
     * model the loader refuses leaves the engines as they are.
     */
    private void followInstalledPatterns() {
        String seen = patternStamp;
        if (seen == null) {
            return;
        }
        String now = patternStamp(config.stateDir());
        if (now.equals(seen)) {
            return;
        }
        synchronized (this) {
            if (now.equals(patternStamp)) {
                return;
            }
            try {
                io.foresight.core.forecast.ModelArtifacts.LoadedPatterns p = patternModels(config.stateDir());
                population = p == null ? null : p.population();
                patterns = p == null ? null : p.classifier();
                engine = engineFor(config);
                pools.clear();
            } catch (RuntimeException refused) {
                // the worker installs only models the loader accepts: a refusal here is a file changed by hand
                org.slf4j.LoggerFactory.getLogger(ControlLoopActivitiesImpl.class).warn(
                        "pattern models in {} refused, the engines keep the ones they had: {}",
                        config.stateDir().resolve(PATTERN_MODEL_DIR), refused.getMessage());
            }
            patternStamp = now;
        }
    }

    /** With the given state store and the population profile users with less than a day of usage start from (may be null). */
    public ControlLoopActivitiesImpl(ControlWorkerConfig config, CycleEngine.Parts parts, StateStore store,
                                     io.foresight.core.engine.PopulationProfile population) {
        this.config = Objects.requireNonNull(config, "config");
        this.store = Objects.requireNonNull(store, "store");
        io.foresight.core.forecast.ModelArtifacts.LoadedPatterns installed = patternModels(config.stateDir());
        this.population = population;
        this.patterns = installed == null ? null : installed.classifier();
        this.parts = Objects.requireNonNull(parts, "parts");
        this.engine = engineFor(config);
        this.metrics = LoopMetrics.of(config.metrics());
    }

    private CycleEngine engineFor(ControlWorkerConfig c) {
        return CycleEngine.foresight(c.planner(), c.policy(), c.prices(), parts, population, patterns);
    }

    /** A pool's collaborators (rules, model, users, actuator) and the one engine over them. */
    record Wired(ControlWorkerConfig config, CycleEngine engine) {}

    /** The worker's own collaborators, or those the pool file's settings ask for ({@link io.foresight.activities.PoolWiring}). */
    Wired wired(PoolSettings settings) {
        followInstalledPatterns();
        if (settings == null || settings.allFromWorker()) {
            return new Wired(config, engine);
        }
        return pools.computeIfAbsent(settings, s -> {
            ControlWorkerConfig c = config.pools().forPool(config, s);
            return new Wired(c, engineFor(c));
        });
    }

    /** The decision code this worker runs: the same engine {@code evaluate} drives. */
    public CycleEngine engine() {
        followInstalledPatterns();
        return engine;
    }

    /** The classifier naming the profiles' patterns now, null for the documented rules (tests). */
    io.foresight.core.features.PatternClassifier patternClassifier() {
        followInstalledPatterns();
        return patterns;
    }

    // ---- files (package-private records so Jackson reads them back) ----

    /**
     * @param at   start of the user's interval (Unix s); 0 when the user has no data for it
     * @param jobs what a job log knew at the interval's end (running and queued jobs); null for other sources
     * @param spot whether the actuator holds the allocation on spot capacity
     * @param events the user's interaction events in the interval; null for sources that record none
     */
    record UsageRow(String user, long at, double[] usage, double[] allocation, io.foresight.core.trace.JobState jobs,
                    boolean spot, io.foresight.core.trace.EventCounts events) {
        UsageRow(String user, long at, double[] usage, double[] allocation) {
            this(user, at, usage, allocation, null, false, null);
        }
    }

    record CollectFile(String pool, long cycle, int shard, int interval, long intervalStart, int stepSeconds,
                       List<UsageRow> rows) {}

    record ForecastRow(String user, double[] allocation, Forecast forecast) {}

    /** @param spiking users whose usage of the interval spiked (the policy check's anomaly facts) */
    record ForecastFile(int interval, long intervalStart, int stepSeconds, List<ForecastRow> rows,
                        List<String> spiking, List<io.foresight.core.feedback.Anomaly> anomalies) {}

    record PlanRow(String user, double[] current, double[] target, double[] peak, String model, String reason,
                   boolean changes) {
        PlannedAllocation toPlan(long effectiveAt) {
            return new PlannedAllocation(user, effectiveAt, ResourceVector.of(current), ResourceVector.of(target),
                    ResourceVector.of(peak), model, reason);
        }
    }

    record PlanFile(int interval, long effectiveAt, List<PlanRow> rows) {}

    record DecisionRow(String user, String changeId, String outcome, double[] current, double[] allowed,
                       boolean spot, List<String> rules, List<String> messages) {}

    /** @param effectiveAt when the decisions are to be in force (Unix s): the actuator's requested time */
    record DecisionFile(AllocationMode mode, long effectiveAt, List<DecisionRow> rows) {}

    /** Planner state per user of a shard, before and after the cycle that last wrote it. */
    record PlannerMemory(long cycle, Map<String, int[]> before, Map<String, int[]> after) {}

    /** Today's team spend of a pool, before and after the cycle that last wrote it (retries start from before). */
    record LedgerMemory(long cycle, TeamLedger before, TeamLedger after) {}

    /**
     * The per-user drift statistic of a pool before and after the cycle that last wrote it (a retried monitor
     * starts from before), and the alarms that cycle raised.
     */
    record DriftMemory(long cycle, Map<String, io.foresight.core.feedback.DriftDetector.KeyState> before,
                       Map<String, io.foresight.core.feedback.DriftDetector.KeyState> after,
                       List<io.foresight.core.feedback.DriftDetector.DriftAlarm> alarms) {}

    /** The feedback stage's memory: cycles left before another retraining request, and the cycle's answer. */
    record FeedbackMemory(long cycle, int cooldownBefore, int cooldownAfter, FeedbackResult result) {}

    /**
     * Profiles of a shard's users, before and after the cycle that last wrote them: a retried predict starts from
     * before, so a version is published once per change however often the step runs.
     */
    record ProfileMemory(long cycle, Map<String, ProfileState> before, Map<String, ProfileState> after) {}

    /** Every profile version the loop published, one JSON line each, under the state dir (read by {@code foresight profile}). */
    public static String profileVersionsRef(String pool) {
        return FileStateStore.profileVersionsRef(pool);
    }

    static String profileRef(String pool, int shard) {
        return "pools/" + pool + "/profiles/shard-" + shard + ".json";
    }

    /** The headroom bandit of a pool, before and after the cycle that last wrote it (a retry learns once). */
    record HeadroomMemory(long cycle, LearnedHeadroom.State before, LearnedHeadroom.State after) {}

    static String headroomRef(String pool) {
        return "pools/" + pool + "/headroom.json";
    }

    /** The headroom the pool's bandit has learned per pattern so far (empty before its first cycle), for reports. */
    public static Map<io.foresight.core.model.Pattern, Double> learnedHeadroom(java.nio.file.Path stateDir, String pool) {
        StateStore s = new FileStateStore(stateDir);
        if (!s.exists(headroomRef(pool))) {
            return Map.of();
        }
        return LearnedHeadroom.best(s.read(headroomRef(pool), HeadroomMemory.class).after());
    }


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
        Map<String, UserAllocation> inForce = wired(t.settings()).config().actuator().current(t.pool(), users);
        for (String user : users) {
            beat();
            UsageSource.Sample s = src.sample(user, interval);
            ResourceVector set = inForce.containsKey(user) ? inForce.get(user).allocation() : null;
            if (s == null) {
                rows.add(new UsageRow(user, 0, nan(), set == null ? nan() : set.toArray()));
                continue;
            }
            start = Math.max(start, s.at());
            double[] usage = s.usage().toArray();
            if (!Double.isNaN(usage[Resource.CPU.ordinal()])) {
                observed++;
            }
            // in force: what the cluster set, else what the trace says the user had
            rows.add(new UsageRow(user, s.at(), usage, (set == null ? s.provisioned() : set).toArray(), s.jobs(),
                    set != null && inForce.get(user).spot(), s.events()));
        }
        String ref = ref(t, "collect");
        store.write(ref, new CollectFile(t.pool(), t.cycle(), t.shard(), interval, start, src.stepSeconds(), rows));
        return new CollectResult(ref, rows.size(), observed, start, false);
    }

    @Override
    public PredictResult predict(ShardTask t, String collectRef) {
        // this pool's model, users and engine: the worker's own unless its pool file names others
        Wired pool = wired(t.settings());
        ControlWorkerConfig config = pool.config();
        CycleEngine engine = pool.engine();
        CollectFile in = store.read(collectRef, CollectFile.class);
        ForecasterProvider.ModelInUse model = whileBeating(() -> config.forecasters().current(), BEAT_EVERY);
        Map<String, UserHistory> cache = histories.pool(t.pool());
        int window = CycleEngine.historyWindow(in.stepSeconds());
        List<ForecastRow> rows = new ArrayList<>();
        List<String> spiking = new ArrayList<>();
        List<io.foresight.core.feedback.Anomaly> anomalies = new ArrayList<>();
        UsageSource src = null;
        String profRef = profileRef(t.pool(), t.shard());
        ProfileMemory pm = store.exists(profRef) ? store.read(profRef, ProfileMemory.class) : null;
        Map<String, ProfileState> profFrom = pm == null ? Map.of() : (pm.cycle() == t.cycle() ? pm.before() : pm.after());
        Map<String, ProfileState> profAfter = new LinkedHashMap<>();
        List<ProfileState> published = new ArrayList<>();
        for (UsageRow u : in.rows()) {
            beat();
            ProfileState before = profFrom.get(u.user());
            if (before != null) {
                profAfter.put(u.user(), before);
            }
            if (u.at() == 0) {
                // the user's data ended before this interval: hold, predict nothing
                rows.add(new ForecastRow(u.user(), u.allocation(),
                        engine.unknown(u.user(), in.intervalStart() + in.stepSeconds(), in.stepSeconds())));
                continue;
            }
            UserHistory h = cache.get(u.user());
            if (h == null || h.nextAt() != u.at() && h.nextAt() != u.at() + in.stepSeconds()) {
                // first cycle on this worker, or cycles it did not see: rebuild from the source once
                if (src == null) {
                    src = source(t.dataSource());
                }
                h = UserHistory.seed(src.history(u.user(), in.interval()), in.interval(), window);
                cache.put(u.user(), h);
            }
            if (h.nextAt() == u.at()) {
                h.append(u.at(), u.usage(), u.jobs(), u.events());
            } // else a retry of this cycle: the interval is in already
            for (io.foresight.core.feedback.Anomaly a : engine.anomalies(h)) {
                anomalies.add(a);
                if (a.kind() == io.foresight.core.feedback.Anomaly.Kind.SPIKE && !spiking.contains(a.user())) {
                    spiking.add(a.user());
                }
            }
            Forecast f = engine.forecast(model.forecaster(), model.version(), h);
            ProfileState after = engine.profile(before, config.profiles().apply(u.user()), h, f);
            f = engine.withColdStartNeed(after, h, f);
            if (after != null) {
                profAfter.put(u.user(), after);
                if (before == null || after.version() != before.version()) {
                    published.add(after);
                }
            }
            rows.add(new ForecastRow(u.user(), u.allocation(), f));
        }
        store.write(profRef, new ProfileMemory(t.cycle(), profFrom, profAfter));
        // a retried predict publishes the same versions again; the store keeps one per (user, version)
        store.publishProfiles(t.pool(), published);
        String ref = ref(t, "forecast");
        store.write(ref, new ForecastFile(in.interval(), in.intervalStart(), in.stepSeconds(), rows, spiking, anomalies));
        metrics.modelRefused(t.pool(), !model.refusal().isEmpty());
        return new PredictResult(ref, rows.size(), model.version(), model.refusal());
    }

    @Override
    public PlanResult plan(ShardTask t, String forecastRef) {
        Wired pool = wired(t.settings()); // this pool's users and engine
        ControlWorkerConfig config = pool.config();
        CycleEngine engine = pool.engine();
        ForecastFile in = store.read(forecastRef, ForecastFile.class);
        // planner memory of the shard's users, one file per shard (one fsync per call, not per user)
        String memRef = "pools/" + t.pool() + "/planner/shard-" + t.shard() + ".json";
        PlannerMemory mem = store.exists(memRef) ? store.read(memRef, PlannerMemory.class) : null;
        // a retry of the same cycle starts from the state before its first attempt
        Map<String, int[]> from = mem == null ? Map.of() : (mem.cycle() == t.cycle() ? mem.before() : mem.after());
        Map<String, int[]> after = new LinkedHashMap<>();
        Map<String, ProfileState> profiles = profiles(t.pool(), t.shard());
        LearnedHeadroom.State arms = headroomBefore(t.pool(), t.cycle());
        Map<String, Integer> patterns = new TreeMap<>();
        List<PlanRow> rows = new ArrayList<>();
        int changes = 0;
        int ups = 0;
        int downs = 0;
        for (ForecastRow f : in.rows()) {
            beat();
            int[] saved = from.get(f.user());
            Planner.State state = saved == null ? new Planner.State() : Planner.State.restore(saved);
            UserProfile profile = CycleEngine.profileOf(profiles.get(f.user()), config.profiles().apply(f.user()));
            patterns.merge(profile.pattern().name(), 1, Integer::sum);
            PlannedAllocation p = engine.plan(f.forecast(), ResourceVector.of(f.allocation()), state, profile, arms);
            after.put(f.user(), state.toArray());
            rows.add(new PlanRow(p.user(), p.current().toArray(), p.target().toArray(), p.forecastPeak().toArray(),
                    p.model(), p.reason(), p.changes()));
            if (p.changes()) {
                changes++;
                if (p.scalesUp()) {
                    ups++;
                }
                if (p.scalesDown()) {
                    downs++;
                }
            }
        }
        store.write(memRef, new PlannerMemory(t.cycle(), from, after));
        String ref = ref(t, "plan");
        store.write(ref, new PlanFile(in.interval(), in.intervalStart() + in.stepSeconds(), rows));
        return new PlanResult(ref, rows.size(), changes, ups, downs, patterns);
    }

    /** The bandit's state as this cycle starts (the previous cycle's result; a retry reads the same). */
    private LearnedHeadroom.State headroomBefore(String pool, long cycle) {
        String ref = headroomRef(pool);
        if (!store.exists(ref)) {
            return null;
        }
        HeadroomMemory m = store.read(ref, HeadroomMemory.class);
        return m.cycle() == cycle ? m.before() : m.after();
    }

    /** The shard's users' profiles after the current cycle's predict (empty before the first). */
    private Map<String, ProfileState> profiles(String pool, int shard) {
        String ref = profileRef(pool, shard);
        return store.exists(ref) ? store.read(ref, ProfileMemory.class).after() : Map.of();
    }

    /** Pre pool-wide-check histories call this per shard; it checks that shard alone (their semantics). */
    @Override
    public PolicyResult checkPolicy(ShardTask t, String planRef, AllocationMode mode) {
        PoolPolicyResult r = decide(t.pool(), t.dataSource(), t.cycle(), List.of(t), mode, false, false, t.settings());
        return new PolicyResult(r.decisionRefs().get(0), r.approved(), r.adjusted(), r.denied(), r.waiting(),
                r.firedRules(), r.waitingChangeIds());
    }

    @Override
    public PoolPolicyResult checkPoolPolicy(String pool, String dataSource, long cycle, int shards, int shardSize,
                                            AllocationMode mode, boolean freeze, PoolSettings settings) {
        List<ShardTask> tasks = new ArrayList<>(shards);
        for (int s = 0; s < shards; s++) {
            tasks.add(ShardTask.of(pool, dataSource, cycle, s, shardSize).withSettings(settings));
        }
        return decide(pool, dataSource, cycle, tasks, mode, freeze, true, settings);
    }

    /** The pool-wide check with the worker's own rules, users and actuator (tests, benchmarks). */
    public PoolPolicyResult checkPoolPolicy(String pool, String dataSource, long cycle, int shards, int shardSize,
                                            AllocationMode mode, boolean freeze) {
        return checkPoolPolicy(pool, dataSource, cycle, shards, shardSize, mode, freeze, null);
    }

    /**
     * The policy stage over the given shards as one pool: the engine's pool facts (team spend from every user's
     * allocation in force, today's ledger, this interval's spiking users, the freeze) and one policy check.
     */
    private PoolPolicyResult decide(String pool, String dataSource, long cycle, List<ShardTask> tasks, AllocationMode mode,
                                    boolean freeze, boolean wholePool, PoolSettings settings) {
        Wired wired = wired(settings); // this pool's rules, users and actuator
        ControlWorkerConfig config = wired.config();
        CycleEngine engine = wired.engine();
        List<PlanFile> plans = new ArrayList<>(tasks.size());
        Set<String> spiking = new HashSet<>();
        Set<String> anomalous = new HashSet<>();
        Map<String, double[]> usage = new LinkedHashMap<>();
        Map<String, ResourceVector> inForce = new LinkedHashMap<>();
        List<PlannedAllocation> all = new ArrayList<>();
        long intervalStart = 0;
        int step = 0;
        Map<String, Map<String, Long>> lastSeen = new LinkedHashMap<>();
        Map<String, ProfileState> learned = new LinkedHashMap<>();
        for (ShardTask t : tasks) {
            beat();
            CollectFile collected = store.read(ref(t, "collect"), CollectFile.class); // read once: the pool's largest files
            seen(collected, lastSeen);
            learned.putAll(profiles(pool, t.shard()));
            PlanFile plan = store.read(ref(t, "plan"), PlanFile.class);
            ForecastFile f = store.read(ref(t, "forecast"), ForecastFile.class);
            plans.add(plan);
            spiking.addAll(f.spiking());
            f.anomalies().forEach(a -> anomalous.add(a.user()));
            if (wholePool) {
                for (UsageRow u : collected.rows()) {
                    usage.put(u.user(), u.usage());
                }
            }
            intervalStart = Math.max(intervalStart, f.intervalStart());
            step = f.stepSeconds();
            for (PlanRow r : plan.rows()) {
                inForce.put(r.user(), ResourceVector.of(r.current()));
                all.add(r.toPlan(plan.effectiveAt()));
            }
        }
        java.util.function.Function<String, UserProfile> who =
                user -> CycleEngine.profileOf(learned.get(user), config.profiles().apply(user));
        Map<String, Double> teamCost = PoolFacts.teamCostPerHour(inForce, who, config.prices());
        // today's spend includes the interval just observed; a retried check starts from the ledger before it
        String ledgerRef = "pools/" + pool + "/ledger.json";
        LedgerMemory mem = store.exists(ledgerRef) ? store.read(ledgerRef, LedgerMemory.class) : null;
        TeamLedger from = mem == null ? TeamLedger.EMPTY : mem.cycle() == cycle ? mem.before() : mem.after();
        TeamLedger ledger = from.add(intervalStart, step, teamCost);
        store.write(ledgerRef, new LedgerMemory(cycle, from, ledger));
        long effectiveAt = intervalStart + step;
        // users with no sample this interval: held (no scale-down), marked stale in the policy facts. Each user is
        // judged at its own interval start: trace VMs keep their own clocks, so the pool's latest start is no "now"
        // Only for live sources: a gap in a recorded trace is history, and evaluate's PoolReplay (the same engine)
        // does not hold those users, so neither does a replay of it
        Set<String> stale = new java.util.TreeSet<>();
        if (step > 0 && source(dataSource).live()) {
            io.foresight.core.monitor.StalenessGuard guard = new io.foresight.core.monitor.StalenessGuard(step, 1);
            for (Map.Entry<String, Map<String, Long>> u : lastSeen.entrySet()) {
                long now = u.getValue().getOrDefault("cpu", intervalStart);
                stale.addAll(guard.check(now, Map.of(u.getKey(), u.getValue()), Set.of("cpu")).held());
            }
        }
        metrics.stale(pool, stale.size());
        PoolFacts facts = new PoolFacts(pool, effectiveAt, teamCost, ledger.today(effectiveAt), freeze, spiking, stale);
        // one pass over the whole pool (seconds at 100,000 users): the activity beats meanwhile
        List<CycleEngine.UserDecision> decisions = whileBeating(() -> engine.decide(facts, all, who), BEAT_EVERY);
        if (wholePool) {
            learnHeadroom(engine, pool, cycle, intervalStart, step, inForce, usage, anomalous, who);
        }

        int approved = 0;
        int adjusted = 0;
        int denied = 0;
        Map<String, Integer> fired = new TreeMap<>();
        List<List<String>> waiting = new ArrayList<>();
        int waitingCount = 0;
        int held = 0;
        List<String> refs = new ArrayList<>(tasks.size());
        int k = 0;
        List<io.foresight.core.actuate.Actuator.Change> diff = new ArrayList<>();
        for (int s = 0; s < tasks.size(); s++) {
            ShardTask t = tasks.get(s);
            List<DecisionRow> rows = new ArrayList<>();
            List<CycleEngine.UserDecision> mine = new ArrayList<>();
            List<String> shardWaiting = new ArrayList<>();
            waiting.add(shardWaiting);
            for (PlanRow r : plans.get(s).rows()) {
                CycleEngine.UserDecision d = decisions.get(k++);
                String changeId = changeId(pool, cycle, r.user());
                PolicyDecision v = d.verdict();
                if (v == null) {
                    held++;
                    rows.add(new DecisionRow(r.user(), changeId, "HOLD", r.current(), r.current(), false, List.of(),
                            d.holdReason() == null ? List.of() : List.of(d.holdReason())));
                    continue;
                }
                mine.add(d);
                switch (v.outcome()) {
                    case APPROVED -> approved++;
                    case ADJUSTED -> adjusted++;
                    case DENIED -> denied++;
                    case WAITING_APPROVAL -> {
                        shardWaiting.add(changeId);
                        waitingCount++;
                    }
                }
                v.firedRules().forEach(rule -> fired.merge(rule, 1, Integer::sum));
                rows.add(new DecisionRow(r.user(), changeId, v.outcome().name(), r.current(), v.allowed().toArray(),
                        v.spot(), v.firedRules(), v.messages()));
            }
            String ref = ref(t, "decisions");
            DecisionFile file = new DecisionFile(mode, plans.get(s).effectiveAt(), rows);
            store.write(ref, file);
            refs.add(ref);
            audit(t, plans.get(s).effectiveAt(), mine, mode);
            if (mode == AllocationMode.DRY_RUN) {
                diff.addAll(config.actuator().diff(new ApplyRequest(pool, cycle, t.key(), file.effectiveAt(),
                        targets(t.pool(), file, Set.of(), config.actuator()).allocations())));
            }
        }
        metrics.decided(pool, cycle, tasks.get(0).shard(), Map.of("APPROVED", approved, "ADJUSTED", adjusted,
                "DENIED", denied, "WAITING_APPROVAL", waitingCount, "HOLD", held), waitingCount, fired);
        return new PoolPolicyResult(refs, approved, adjusted, denied, waitingCount, fired, waiting, stale.size(),
                stale.stream().sorted().limit(5).toList(), mode == AllocationMode.DRY_RUN ? dryRun(pool, cycle, diff) : null);
    }

    /**
     * Writes a dry-run's diff (every change the actuator would make, one line each) next to the cycle's decisions
     * and sums it up in one line for the loop's status.
     */
    private String dryRun(String pool, long cycle, List<io.foresight.core.actuate.Actuator.Change> diff) {
        String ref = StateStore.cycleDir(pool, cycle) + "/dry-run-diff.txt";
        StringBuilder text = new StringBuilder();
        diff.forEach(c -> text.append(c).append('\n'));
        store.writeBytes(ref, text.toString().getBytes(StandardCharsets.UTF_8));
        return diff.isEmpty() ? "dry-run: the actuator would change nothing"
                : "dry-run: the actuator would change " + diff.size() + " user(s), e.g. " + diff.get(0) + " (all in " + ref + ")";
    }

    /** What an apply of a shard's decisions sets, and how many of its users change. */
    record Targets(List<UserAllocation> allocations, int applied) {}

    /**
     * The allocation each user of a decisions file is to hold: the allowed one where the change applies (approved,
     * adjusted, or waiting and approved by a person), else what it holds now, on the market it is on.
     */
    private static Targets targets(String pool, DecisionFile in, Set<String> approved, io.foresight.core.actuate.Actuator actuator) {
        Map<String, UserAllocation> held = actuator.current(pool, in.rows().stream().map(DecisionRow::user).toList());
        List<UserAllocation> targets = new ArrayList<>(in.rows().size());
        int set = 0;
        for (DecisionRow d : in.rows()) {
            DecisionOutcome o = d.outcome().equals("HOLD") ? null : DecisionOutcome.valueOf(d.outcome());
            boolean apply = o == DecisionOutcome.APPROVED || o == DecisionOutcome.ADJUSTED
                    || (o == DecisionOutcome.WAITING_APPROVAL && approved.contains(d.changeId()));
            boolean spot = apply ? d.spot() : held.containsKey(d.user()) && held.get(d.user()).spot();
            targets.add(new UserAllocation(d.user(), ResourceVector.of(apply ? d.allowed() : d.current()), spot));
            if (apply) {
                set++;
            }
        }
        return new Targets(targets, set);
    }

    /** When each user's usage was last seen, from a shard's collect file: the interval's start if sampled, else nothing. */
    private static void seen(CollectFile c, Map<String, Map<String, Long>> lastSeen) {
        for (UsageRow u : c.rows()) {
            boolean sampled = u.at() != 0 && !Double.isNaN(u.usage()[Resource.CPU.ordinal()]);
            lastSeen.put(u.user(), sampled ? Map.of("cpu", u.at()) : Map.of());
        }
    }

    /**
     * The engine's headroom stage over the whole pool: outcomes of the interval just observed under the allocation
     * in force, the next arms; stored with the value before so a retried check learns once.
     */
    private void learnHeadroom(CycleEngine engine, String pool, long cycle, long intervalStart, int step, Map<String, ResourceVector> inForce,
                               Map<String, double[]> usage, Set<String> anomalous,
                               java.util.function.Function<String, UserProfile> who) {
        String ref = headroomRef(pool);
        HeadroomMemory mem = store.exists(ref) ? store.read(ref, HeadroomMemory.class) : null;
        LearnedHeadroom.State from = mem == null ? null : mem.cycle() == cycle ? mem.before() : mem.after();
        List<LearnedHeadroom.Outcome> outcomes = new ArrayList<>();
        Map<String, io.foresight.core.model.Pattern> next = new LinkedHashMap<>();
        for (Map.Entry<String, ResourceVector> e : inForce.entrySet()) {
            String user = e.getKey();
            double[] u = usage.get(user);
            if (u == null) {
                continue; // no data for the user this interval: nothing observed, nothing planned
            }
            io.foresight.core.model.Pattern p = who.apply(user).pattern();
            LearnedHeadroom.Outcome o = engine.headroomOutcome(user, p, e.getValue(), u, step, anomalous.contains(user));
            if (o != null) {
                outcomes.add(o);
                next.put(user, p);
            }
        }
        LearnedHeadroom.State after = engine.learnHeadroom(from, intervalStart, outcomes, next);
        if (after != null) {
            store.write(ref, new HeadroomMemory(cycle, from, after));
        }
    }

    /** The pool's nodes in a cycle's interval, written by the monitor next to {@code outcomes.csv}. */
    public static final String NODES = "nodes.json";

    /**
     * The capacity planner's placement of the allocations in force during the interval the monitor scored: node
     * counts per type and market, their cost per hour, the same allocations all on-demand, and the users on spot.
     */
    public record NodesFile(Map<String, Integer> nodes, double costPerHour, double costPerHourAllOnDemand,
                            List<String> spotUsers, Map<String, String> unplaced) {
        static NodesFile of(io.foresight.core.plan.CapacityPlanner.Plan p, io.foresight.core.plan.CapacityPlanner.Plan od,
                            Set<String> spot) {
            return new NodesFile(p.counts(), p.costPerHour(), od.costPerHour(), List.copyOf(spot), p.unplaced());
        }
    }

    /** The id a person approves a change by: {@code pool/cycle/user}. */
    public static String changeId(String pool, long cycle, String user) {
        return pool + "/" + cycle + "/" + user;
    }

    /**
     * Appends the cycle's decisions to the audit trail (read by {@code foresight decisions}). A retried policy check
     * appends again; the store keeps the last record per change id (pool, cycle, user).
     */
    private void audit(ShardTask t, long effectiveAt, List<CycleEngine.UserDecision> decided, AllocationMode mode) {
        if (decided.isEmpty()) {
            return;
        }
        List<DecisionRecord> records = new ArrayList<>();
        for (CycleEngine.UserDecision u : decided) {
            PolicyDecision d = u.verdict();
            PlannedAllocation p = u.plan();
            records.add(new DecisionRecord(t.pool(), t.cycle(), effectiveAt, p.user(), p.forecastPeak(), p.model(),
                    p.current(), p.target(), d.outcome(), d.allowed(), d.spot(), d.firedRules(), d.messages(),
                    d.costDeltaPerHour(), mode, mode == AllocationMode.ENFORCE && d.applies()));
        }
        store.appendDecisions(records);
    }

    @Override
    public AllocateResult allocate(ShardTask t, String decisionsRef, List<String> approvedChangeIds) {
        DecisionFile in = store.read(decisionsRef, DecisionFile.class);
        io.foresight.core.actuate.Actuator actuator = wired(t.settings()).config().actuator(); // the pool's actuator
        Targets planned = targets(t.pool(), in, new HashSet<>(approvedChangeIds), actuator);
        List<UserAllocation> targets = planned.allocations();
        int set = planned.applied();
        // every user of the shard is written, holds included: the journal then shows each (cycle, user) once
        ApplyResult r;
        try {
            r = actuator.apply(new ApplyRequest(t.pool(), t.cycle(), t.key(), in.effectiveAt(), targets));
        } catch (io.foresight.core.actuate.ActuationRefused e) {
            // a retry does not cure it: hold the shard this cycle (the actuator undid what it changed), say why
            metrics.refused(t.pool(), e.status());
            return new AllocateResult(0, targets.size(), false, e.oneLine());
        }
        if (r.replayed()) {
            return new AllocateResult(0, targets.size(), true);
        }
        metrics.applied(t.pool(), set);
        return new AllocateResult(set, targets.size() - set, false);
    }

    @Override
    public MonitorResult monitor(String pool, String dataSource, long cycle, int shards, String key) {
        PolicyMetrics outcome = new PolicyMetrics(); // the one outcome scorer, as in evaluate and the demo summary
        double cost = 0;
        double absErr = 0;
        int errN = 0;
        StringBuilder csv = new StringBuilder("user,resource,usage,allocation,shortfall,slack,forecast\n");
        List<io.foresight.core.feedback.Anomaly> found = new ArrayList<>();
        List<UserError> errors = new ArrayList<>();
        Map<String, ResourceVector> held = new LinkedHashMap<>();
        Set<String> onSpot = new java.util.TreeSet<>();
        for (int s = 0; s < shards; s++) {
            beat();
            ShardTask t = ShardTask.of(pool, dataSource, cycle, s, 1);
            CollectFile c = store.read(ref(t, "collect"), CollectFile.class);
            String fref = ref(t, "forecast");
            if (store.exists(fref)) {
                found.addAll(store.read(fref, ForecastFile.class).anomalies());
            }
            Map<String, Forecast> prev = previousForecasts(pool, dataSource, cycle, s);
            double hours = c.stepSeconds() / 3600.0;
            for (UsageRow u : c.rows()) {
                beat();
                if (Double.isNaN(u.usage()[Resource.CPU.ordinal()])) {
                    continue; // not observed this interval
                }
                outcome.scoreInterval(u.allocation(), u.usage(), hours);
                // what holding the allocation costs: on spot capacity at the spot price
                cost += config.prices().costPerHour(ResourceVector.of(u.allocation()), u.spot());
                held.put(u.user(), ResourceVector.of(u.allocation()));
                if (u.spot()) {
                    onSpot.add(u.user());
                }
                Forecast f = prev.get(u.user());
                for (Resource r : Resource.values()) {
                    int i = r.ordinal();
                    double use = u.usage()[i];
                    double a = u.allocation()[i];
                    double fc = f == null ? Double.NaN : f.point(r, 0);
                    boolean known = !Double.isNaN(use) && !Double.isNaN(a);
                    csv.append(csvField(u.user())).append(',').append(r.name().toLowerCase(Locale.ROOT)).append(',')
                            .append(num(use)).append(',').append(num(a)).append(',')
                            .append(num(known ? Math.max(0, use - a) : Double.NaN))
                            .append(',').append(num(known ? Math.max(0, a - use) : Double.NaN))
                            .append(',').append(num(fc)).append('\n');
                }
                if (f != null && !Double.isNaN(f.point(Resource.CPU, 0))) {
                    absErr += Math.abs(f.point(Resource.CPU, 0) - u.usage()[Resource.CPU.ordinal()]);
                    errN++;
                }
                if (f != null) {
                    errors.add(new UserError(u.user(), u.at(), Math.abs(f.point(Resource.CPU, 0) - u.usage()[0]),
                            Math.abs(f.point(Resource.MEMORY, 0) - u.usage()[1])));
                }
            }
        }
        String dir = StateStore.cycleDir(pool, cycle);
        logAnomalies(pool, found, dir);
        metrics.drifting(pool, trackDrift(pool, cycle, errors).stream()
                .map(io.foresight.core.feedback.DriftDetector.DriftAlarm::user).distinct().count());
        store.writeBytes(dir + "/outcomes.csv", csv.toString().getBytes(StandardCharsets.UTF_8));
        store.write(dir + "/" + NODES, NodesFile.of(engine.place(held, onSpot), engine.place(held, Set.of()), onSpot));
        MonitorResult m = new MonitorResult(dir + "/outcomes.csv", (int) outcome.userIntervals(),
                (int) outcome.underUserIntervals(), outcome.shortfallUnits(Resource.CPU), outcome.slackUnits(Resource.CPU),
                outcome.shortfallUnits(Resource.MEMORY), outcome.slackUnits(Resource.MEMORY), cost,
                errN == 0 ? -1 : absErr / errN);
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

    record UserError(String user, long at, double cpu, double memory) {}

    /**
     * Feeds each user's one-step forecast errors of the interval to the per-user CUSUM drift detector, whose
     * state is kept per pool with the cycle that wrote it (a retried monitor starts again from the state before).
     */
    private List<io.foresight.core.feedback.DriftDetector.DriftAlarm> trackDrift(String pool, long cycle,
                                                                                 List<UserError> errors) {
        String ref = "pools/" + pool + "/drift-users.json";
        DriftMemory mem = store.exists(ref) ? store.read(ref, DriftMemory.class) : null;
        Map<String, io.foresight.core.feedback.DriftDetector.KeyState> from = mem == null ? Map.of()
                : mem.cycle() == cycle ? mem.before() : mem.after();
        io.foresight.core.feedback.DriftDetector d = io.foresight.core.feedback.DriftDetector.restore(config.drift(), from);
        List<io.foresight.core.feedback.DriftDetector.DriftAlarm> alarms = new ArrayList<>();
        for (UserError e : errors) {
            d.observe(e.user(), "forecast", Resource.CPU, e.at(), e.cpu()).ifPresent(alarms::add);
            d.observe(e.user(), "forecast", Resource.MEMORY, e.at(), e.memory()).ifPresent(alarms::add);
        }
        store.write(ref, new DriftMemory(cycle, from, d.snapshot(), alarms));
        return alarms;
    }

    @Override
    public FeedbackResult feedback(String pool, long cycle, MonitorResult outcome, String key) {
        String ref = "pools/" + pool + "/feedback.json";
        int cooldown = 0;
        if (store.exists(ref)) {
            FeedbackMemory m = store.read(ref, FeedbackMemory.class);
            if (m.cycle() == cycle) {
                return m.result(); // retry of the same cycle: same answer
            }
            cooldown = m.cooldownAfter();
        }
        String driftRef = "pools/" + pool + "/drift-users.json";
        DriftMemory drift = store.exists(driftRef) ? store.read(driftRef, DriftMemory.class) : null;
        List<io.foresight.core.feedback.DriftDetector.DriftAlarm> alarms =
                drift != null && drift.cycle() == cycle ? drift.alarms() : List.of();
        long users = alarms.stream().map(io.foresight.core.feedback.DriftDetector.DriftAlarm::user).distinct().count();
        boolean ask = !alarms.isEmpty() && cooldown == 0;
        String why = alarms.isEmpty() ? "ok"
                : alarms.get(0).reason() + (users > 1 ? " (and " + (users - 1) + " more user(s))" : "")
                        + (ask ? "" : "; retraining was requested less than " + RETRAIN_COOLDOWN_CYCLES + " cycles ago");
        int next = ask ? RETRAIN_COOLDOWN_CYCLES : Math.max(0, cooldown - 1);
        FeedbackResult r = new FeedbackResult((int) users, ask, why);
        store.write(ref, new FeedbackMemory(cycle, cooldown, next, r));
        return r;
    }

    /**
     * Appends the cycle's anomalies (found by the engine as each user's interval was appended to its history) to
     * the anomaly log ({@code foresight anomalies}), once per cycle: a retried monitor finds the marker and does
     * not log twice.
     */
    private void logAnomalies(String pool, List<io.foresight.core.feedback.Anomaly> found, String dir) {
        String ref = dir + "/anomalies.json";
        if (store.exists(ref)) {
            return;
        }
        store.appendAnomalies(found);
        metrics.anomalies(pool, found.size());
        store.write(ref, new AnomalyFile(found.stream().filter(a -> a.kind() == io.foresight.core.feedback.Anomaly.Kind.SPIKE)
                .map(io.foresight.core.feedback.Anomaly::user).distinct().toList()));
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
        return whileBeating(load, every, ControlLoopActivitiesImpl::heartbeat);
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

    private static double[] nan() {
        double[] v = new double[Resource.COUNT];
        java.util.Arrays.fill(v, Double.NaN);
        return v;
    }

    private static String num(double v) {
        // exact (shortest round-tripping digits) and far cheaper than String.format or Java 17's Double.toString
        return Double.isNaN(v) ? "" : com.fasterxml.jackson.core.io.NumberOutput.toString(v, true);
    }

    private static String csvField(String s) {
        return s.indexOf(',') >= 0 || s.indexOf('"') >= 0 ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }

    /** Per thread: when this thread's activity last heartbeat (System.nanoTime), so per-user calls beat sparsely. */
    private static final ThreadLocal<long[]> LAST_BEAT = ThreadLocal.withInitial(() -> new long[] {System.nanoTime()});
    /**
     * Heartbeats at most this often from the per-user loops: a heartbeat serializes its details and takes the
     * context's lock, and a 10,000-user cycle called it 70,000 times; the server needs one per heartbeat timeout (10 s).
     */
    static final long BEAT_GAP_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(500);

    /** Heartbeats when running as an activity (so a dead worker is noticed fast); no-op in plain calls. */
    private static void beat() {
        long[] last = LAST_BEAT.get();
        long now = System.nanoTime();
        if (now - last[0] < BEAT_GAP_NANOS) {
            return;
        }
        last[0] = now;
        heartbeat();
    }

    private static void heartbeat() {
        try {
            Activity.getExecutionContext().heartbeat(null);
        } catch (IllegalStateException notInActivity) {
            // called directly (tests, benchmarks)
        }
    }
}
