package io.foresight.activities.controlloop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.activities.ControlWorkerConfig;
import io.foresight.core.actuate.SimulatedCluster;
import io.foresight.core.alloc.AllocationMode;
import io.foresight.core.cost.PriceBook;
import io.foresight.core.engine.ApprovalModel;
import io.foresight.core.engine.CycleEngine;
import io.foresight.core.eval.Policies;
import io.foresight.core.eval.PoolReplay;
import io.foresight.core.forecast.BlendForecaster;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.model.UserProfile;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import io.foresight.rules.DroolsPolicyGate;
import io.foresight.rules.PolicyRepository;
import io.foresight.workflows.controlloop.ControlLoopActivities.CollectResult;
import io.foresight.workflows.controlloop.ControlLoopActivities.PlanResult;
import io.foresight.workflows.controlloop.ControlLoopActivities.PoolPolicyResult;
import io.foresight.workflows.controlloop.ControlLoopActivities.PredictResult;
import io.foresight.workflows.controlloop.ShardTask;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One engine, two drivers: the control loop's activities (called as the workflow calls them, without Temporal)
 * and {@code evaluate}'s pool replay run over the same real slice (the repo's 14 days of 20 Bitbrains VMs),
 * with the same fitted model, the bundled Drools rules and the same approval model, and must make the same
 * decision and hold the same allocation for every user in every interval.
 */
class OneEngineParityTest {
    static final String POOL = "parity";
    static final int WARMUP = 4 * 288;
    static final int CYCLES = 150;
    static final int SHARD = 7; // 20 users in 3 shards: the policy check must still see one pool

    @TempDir
    Path state;

    static Path slice() {
        Path p = Path.of("..", "data", "bitbrains-slice", "bitbrains-rnd-2013-07-01_14d_20vms.csv.gz");
        assertTrue(p.toFile().isFile(), "the repo's real slice is missing: " + p.toAbsolutePath());
        return p;
    }

    @Test
    void theLoopsActivitiesAndEvaluatesReplayDecideIdentically() throws Exception {
        Trace trace = BitbrainsReader.read(slice());
        // every part on in both drivers (profiles, learned headroom, spot), whatever the defaults
        // cold start too: a population fitted on the training days, cold for ten days so every user of the run starts
        // from it (the warm-up is four days) and the population's pattern and need floor drive both drivers
        Parity r = runBoth(state, trace, "trace:" + slice(), unhurried(PolicyRepository.bundled()),
                CycleEngine.Parts.ALL, WARMUP, CYCLES, true);
        assertTrue(r.changes() > 50, "the slice must exercise the policy check, got " + r.changes() + " decided changes");

        // ---- the same profile versions, published once each (the loop's log, retries deduplicated by version) ----
        List<String> loopVersions = new ArrayList<>();
        for (String line : java.nio.file.Files.readAllLines(state.resolve(ControlLoopActivitiesImpl.profileVersionsRef(POOL)))) {
            loopVersions.add(describe(StateStore.JSON.readValue(line, io.foresight.core.engine.ProfileState.class)));
        }
        java.util.Collections.sort(loopVersions);
        List<String> evalVersions = new ArrayList<>(r.evalVersions());
        java.util.Collections.sort(evalVersions);
        assertEquals(evalVersions, loopVersions, "profile versions");

        // ---- the same learned headroom: the bandit's evidence and the arms drawn for the next plan ----
        var loopHeadroom = new FileStateStore(state).read(ControlLoopActivitiesImpl.headroomRef(POOL),
                ControlLoopActivitiesImpl.HeadroomMemory.class).after();
        var last = r.evalHeadroom().get(r.evalHeadroom().size() - 1);
        assertEquals(last.next(), loopHeadroom.next(), "arms drawn for the next plan");
        assertEquals(StateStore.JSON.writeValueAsString(last.learner()), StateStore.JSON.writeValueAsString(loopHeadroom.learner()),
                "the bandit's evidence");
        assertTrue(last.next().values().stream().distinct().count() > 1, "the bandit explores: " + last.next());
        long learned = loopVersions.stream().filter(v -> !v.contains("UNKNOWN")).count();
        assertTrue(learned >= trace.userIds().size(), "every user of the slice gets a pattern, got " + loopVersions);
        assertTrue(loopVersions.stream().allMatch(v -> v.contains("population")) || loopVersions.stream()
                .filter(v -> v.contains("first profile (population")).count() == trace.userIds().size(),
                "every user starts from the population profile: " + loopVersions);
    }

    /**
     * Pattern models as the worker installs them ({@code <state>/pattern-model}, a passed gate) are served by the loop:
     * its profiles name patterns with the classifier (the profile versions record its version), decide as evaluate
     * does with the same classifier, and the installed population profile is the one cold start reads.
     */
    @Test
    void installedPatternModelsAreServedByTheLoopAsByEvaluate() throws Exception {
        Trace trace = BitbrainsReader.read(slice());
        Trace train = firstDays(trace, 3);
        // a forest splitting the slice's VMs at the median mean CPU of their first day: BATCH above, IDLE below
        int f = io.foresight.core.features.FeatureVector.NAMES.indexOf("cpu_mean");
        double[] means = train.users().values().stream().mapToDouble(s -> io.foresight.core.features.UserFeatures.profile(s,
                s.timestamp(0), s.timestamp(287) + s.stepSeconds()).values()[f]).sorted().toArray();
        int n = io.foresight.core.features.FeatureVector.NAMES.size();
        double[] std = new double[n];
        java.util.Arrays.fill(std, 1);
        var tree = new io.foresight.core.forecast.TreeEnsemble.Tree(1, new int[] {f, -1, -1},
                new double[] {means[means.length / 2], 0, 0}, new int[] {1, -1, -1}, new int[] {2, -1, -1},
                new double[] {0, io.foresight.core.model.Pattern.IDLE.ordinal(), io.foresight.core.model.Pattern.BATCH.ordinal()});
        var classifier = new io.foresight.core.features.PatternClassifier(io.foresight.core.features.PatternClassifier.FOREST,
                "random-forest/parity", new double[n], std, List.of(tree), null, null, Map.of());
        var population = io.foresight.core.engine.PopulationProfile.fit(train, u -> "default", 0.9);
        io.foresight.core.forecast.ModelArtifacts.savePatterns(state.resolve(ControlLoopActivitiesImpl.PATTERN_MODEL_DIR),
                "parity", classifier, population, 0, 1, Map.of(), Map.of(),
                new io.foresight.core.forecast.GateVerdict(true, "test: passed", Map.of()));
        assertEquals(population.majority(), ControlLoopActivitiesImpl.population(state).majority());

        runBoth(state, trace, "trace:" + slice(), unhurried(PolicyRepository.bundled()),
                CycleEngine.Parts.ALL, WARMUP, 40, false);
        List<String> lines = java.nio.file.Files.readAllLines(state.resolve(ControlLoopActivitiesImpl.profileVersionsRef(POOL)));
        java.util.Set<io.foresight.core.model.Pattern> named = new java.util.HashSet<>();
        for (String line : lines) {
            var v = StateStore.JSON.readValue(line, io.foresight.core.engine.ProfileState.class);
            assertEquals("random-forest/parity", v.models().get("pattern"), line);
            named.add(v.pattern());
        }
        assertTrue(named.contains(io.foresight.core.model.Pattern.BATCH) && named.contains(io.foresight.core.model.Pattern.IDLE),
                "the classifier, not the rules, names the patterns: " + named);
    }

    /**
     * The same on a job log (the repo's LCG slice) with the batch thresholds: the loop reads the SWF log through
     * its trace source, carries each interval's job state (running and queued jobs) through its collect files, and
     * the queue signal leads both drivers' bounds identically.
     */
    @Test
    void onAJobLogTheQueueSignalDecidesIdenticallyInBothDrivers() throws Exception {
        // the jobs of the slice's first 30 users, as a log of their own (the loop reads whole files)
        Path log = state.resolve("lcg-30-users.swf");
        java.util.Set<String> keep = new java.util.HashSet<>();
        List<String> lines = new ArrayList<>();
        try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(new java.util.zip.GZIPInputStream(
                java.nio.file.Files.newInputStream(Path.of("..", "data", "lcg-slice", "LCG-first-3-days.swf.gz")))))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String[] f = line.trim().split("\\s+");
                if (line.startsWith(";") || f.length < 12 || keep.contains(f[11]) || (keep.size() < 30 && keep.add(f[11]))) {
                    lines.add(line);
                }
            }
        }
        java.nio.file.Files.write(log, lines);
        Trace trace = io.foresight.core.trace.SwfReader.read(List.of(log));
        assertEquals(30, trace.users().size());
        assertTrue(trace.users().values().stream().allMatch(s -> s.jobs() != null), "a job log's series carry job states");
        Parity r = runBoth(state, trace, "trace:" + log,
                unhurried(PolicyRepository.bundled(io.foresight.rules.PoolKind.BATCH)),
                CycleEngine.Parts.DEFAULTS, 2 * 288, 80, false);
        assertTrue(r.changes() > 50, "the slice must exercise the policy check, got " + r.changes() + " decided changes");
        assertTrue(r.knownForecasts() > 0, "forecasts must rest on the jobs known to the log");
    }

    /** What both drivers did; the drivers were already checked equal, decision by decision. */
    /**
     * The bundled rules with a minute per change instead of 2 s: on a machine at load 26 one driver's check once ran over
     * the 2 s, was DENIED by the time budget (safe default) and left the team's budget to the next users, which the
     * other driver denied. A time-budget denial is the gate's safety net, not a decision the two drivers must agree on.
     */
    static DroolsPolicyGate unhurried(PolicyRepository rules) {
        return new DroolsPolicyGate(rules, PriceBook.DEFAULT, new DroolsPolicyGate.Budget(200, java.time.Duration.ofMinutes(1)));
    }

    record Parity(int changes, List<String> evalVersions, List<io.foresight.core.engine.LearnedHeadroom.State> evalHeadroom,
                  int knownForecasts, Map<String, List<double[]>> inForce) {}

    /**
     * Runs the loop's activities (three shards or more) and evaluate's pool replay over {@code warmup + cycles}
     * intervals of {@code trace} (read by the loop from {@code source}) and asserts the same decision for every user
     * in every cycle and the same allocation in force in every interval.
     */
    static Parity runBoth(Path state, Trace trace, String source, DroolsPolicyGate gate, CycleEngine.Parts parts, int warmup,
                          int cycles, boolean coldStart) throws Exception {
        return runBoth(state, trace, source, TraceUsageSource.resolver(warmup), gate, parts, warmup, cycles, coldStart);
    }

    /** As above with the loop's sources resolved by {@code sources} (both drivers read {@code source} through it). */
    static Parity runBoth(Path state, Trace trace, String source, UsageSource.Resolver sources, DroolsPolicyGate gate,
                          CycleEngine.Parts parts, int warmup, int cycles, boolean coldStart) throws Exception {
        Trace train = firstDays(trace, 3);
        var settings = Policies.ForesightSettings.defaults();
        PriceBook prices = PriceBook.DEFAULT;
        int horizon = Policies.engine(settings, gate, prices).horizon();
        BlendForecaster model = Policies.blend(train, settings, horizon);
        List<String> ids = trace.userIds();

        // ---- the loop's activities ----
        ControlWorkerConfig cfg = ControlWorkerConfig.defaults(state)
                .withUsageSources(sources)
                .withMetrics(new PrometheusRegistry())
                .withActuator(new SimulatedCluster(state.resolve("cluster")))
                .withPolicy(gate)
                .withPlanner(settings.planner())
                .withForecasters(ForecasterProvider.fixed(model, "parity-model"));
        io.foresight.core.engine.PopulationProfile population = null;
        if (coldStart) {
            io.foresight.core.engine.PopulationProfile fitted = io.foresight.core.engine.PopulationProfile.fit(train,
                    u -> "default", 0.9);
            population = new io.foresight.core.engine.PopulationProfile(fitted.stepSeconds(), 10 * 288, fitted.quantile(),
                    fitted.majority(), fitted.teamMajority(), fitted.firstHours(), fitted.patterns());
        }
        ControlLoopActivitiesImpl loop = new ControlLoopActivitiesImpl(cfg, parts, new FileStateStore(state), population);
        int users = ids.size();
        int shards = (users + SHARD - 1) / SHARD;
        StateStore store = new FileStateStore(state);
        Map<String, List<double[]>> loopInForce = new HashMap<>();
        List<Map<String, String>> loopOutcomes = new ArrayList<>();
        int waitingSeen = 0;
        int known = 0;
        for (long c = 0; c < cycles; c++) {
            List<ShardTask> tasks = new ArrayList<>();
            for (int s = 0; s < shards; s++) {
                ShardTask t = ShardTask.of(POOL, source, c, s, SHARD);
                tasks.add(t);
                CollectResult col = loop.collect(t);
                for (var row : store.read(col.ref(), ControlLoopActivitiesImpl.CollectFile.class).rows()) {
                    loopInForce.computeIfAbsent(row.user(), u -> new ArrayList<>()).add(row.allocation());
                }
                PredictResult p = loop.predict(t, col.ref());
                for (var row : store.read(p.ref(), ControlLoopActivitiesImpl.ForecastFile.class).rows()) {
                    known += row.forecast().knows(io.foresight.core.model.Resource.CPU) ? 1 : 0;
                }
                loop.plan(t, p.ref());
            }
            PoolPolicyResult d = loop.checkPoolPolicy(POOL, source, c, shards, SHARD, AllocationMode.ENFORCE, false);
            waitingSeen += d.waiting();
            Map<String, String> outcomes = new HashMap<>();
            for (int s = 0; s < shards; s++) {
                for (var row : store.read(d.decisionRefs().get(s), ControlLoopActivitiesImpl.DecisionFile.class).rows()) {
                    outcomes.put(row.user(), row.outcome());
                }
                // the operator of ApprovalModel.NOW: every waiting change approved in its cycle
                loop.allocate(tasks.get(s), d.decisionRefs().get(s), d.waitingByShard().get(s));
            }
            loopOutcomes.add(outcomes);
            loop.monitor(POOL, source, c, shards, ShardTask.poolKey(POOL, c));
        }

        // ---- evaluate's driver: the same engine the worker builds ----
        // pattern models installed in the loop's state are served by the loop; evaluate passes the same classifier
        var installed = ControlLoopActivitiesImpl.patternModels(state);
        PoolReplay replay = new PoolReplay(CycleEngine.foresight(settings.planner(), gate, prices, parts, population,
                installed == null ? null : installed.classifier()), model,
                "parity-model", POOL,
                ApprovalModel.NOW, UserProfile::newUser);
        List<PoolReplay.UserReplay> pool = new ArrayList<>();
        UsageSource src = sources.open(source);
        for (String id : ids) {
            UserSeries s = src.history(id, warmup + cycles); // what the loop reads, provisioned size included
            pool.add(new PoolReplay.UserReplay(s, warmup, s.capacityAt(warmup)));
        }
        Map<String, List<double[]>> evalInForce = new HashMap<>();
        List<Map<String, String>> evalOutcomes = new ArrayList<>();
        List<String> evalVersions = new ArrayList<>();
        List<io.foresight.core.engine.LearnedHeadroom.State> evalHeadroom = new ArrayList<>();
        replay.run(pool, new PoolReplay.Listener() {
            @Override
            public void learned(io.foresight.core.engine.LearnedHeadroom.State s) {
                evalHeadroom.add(s);
            }

            @Override
            public void profiled(io.foresight.core.engine.ProfileState v) {
                evalVersions.add(describe(v));
            }

            @Override
            public void interval(int user, int index, ResourceVector inForce, io.foresight.core.forecast.Forecast f) {
                evalInForce.computeIfAbsent(ids.get(user), u -> new ArrayList<>()).add(inForce.toArray());
            }

            @Override
            public void decided(long at, List<CycleEngine.UserDecision> decisions, java.util.Set<String> approved) {
                Map<String, String> o = new HashMap<>();
                decisions.forEach(x -> o.put(x.user(), x.outcome()));
                evalOutcomes.add(o);
            }
        }, null, 1);

        // ---- identical, interval by interval ----
        assertEquals(cycles, evalOutcomes.size());
        int changes = 0;
        for (int c = 0; c < cycles; c++) {
            assertEquals(loopOutcomes.get(c), evalOutcomes.get(c), "decisions of cycle " + c);
            for (String o : loopOutcomes.get(c).values()) {
                changes += o.equals("HOLD") ? 0 : 1;
            }
        }
        for (String id : ids) {
            List<double[]> a = loopInForce.get(id);
            List<double[]> b = evalInForce.get(id);
            assertEquals(a.size(), b.size(), id);
            for (int i = 0; i < a.size(); i++) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(a.get(i), b.get(i), 0.0,
                        "allocation in force of " + id + " at interval " + (warmup + i));
            }
        }
        System.out.println("parity: " + cycles + " cycles x " + ids.size() + " users, " + changes
                + " policy decisions, " + waitingSeen + " sent to approval, " + known + " forecasts on known jobs");
        return new Parity(changes, evalVersions, evalHeadroom, known, loopInForce);
    }

    static String describe(io.foresight.core.engine.ProfileState v) {
        return v.user() + " v" + v.version() + " @" + v.updatedAt() + " " + v.pattern() + " "
                + String.format(java.util.Locale.ROOT, "%.3f", v.confidence()) + " " + v.change();
    }

    static Trace firstDays(Trace t, int days) {
        Map<String, UserSeries> out = new java.util.LinkedHashMap<>();
        int n = days * 86400 / t.stepSeconds();
        t.users().forEach((id, s) -> out.put(id, s.slice(0, Math.min(n, s.size()))));
        return new Trace(t.stepSeconds(), out, t.report());
    }
}
