package io.foresight.activities.controlloop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.activities.ControlWorkerConfig;
import io.foresight.core.actuate.ApplyRequest;
import io.foresight.core.actuate.SimulatedCluster;
import io.foresight.core.actuate.UserAllocation;
import io.foresight.core.alloc.AllocationMode;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.policy.DecisionOutcome;
import io.foresight.core.policy.PolicyDecision;
import io.foresight.core.policy.PolicyGate;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import io.foresight.workflows.controlloop.ControlLoopActivities.AllocateResult;
import io.foresight.workflows.controlloop.ControlLoopActivities.CollectResult;
import io.foresight.workflows.controlloop.ControlLoopActivities.FeedbackResult;
import io.foresight.workflows.controlloop.ControlLoopActivities.MonitorResult;
import io.foresight.workflows.controlloop.ControlLoopActivities.PlanResult;
import io.foresight.workflows.controlloop.ControlLoopActivities.PolicyResult;
import io.foresight.workflows.controlloop.ControlLoopActivities.PredictResult;
import io.foresight.workflows.controlloop.ShardTask;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The activities called directly (no Temporal) on the real Bitbrains test slice. */
class ControlLoopActivitiesTest {
    static final String POOL = "pool-a";
    static final int WARMUP = ControlWorkerConfig.DEFAULT_WARMUP_STEPS;

    @TempDir
    Path state;
    String source;
    Trace trace;
    PrometheusRegistry registry;
    SimulatedCluster cluster;

    static Path slice() {
        try {
            return Path.of(ControlLoopActivitiesTest.class.getResource("/bitbrains/rnd-2013-07-6vm-700rows.csv.gz").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeEach
    void setUp() {
        source = "trace:" + slice();
        trace = BitbrainsReader.read(slice());
        registry = new PrometheusRegistry();
        cluster = new SimulatedCluster(state.resolve("cluster"));
    }

    ControlLoopActivitiesImpl activities(PolicyGate gate) {
        return new ControlLoopActivitiesImpl(ControlWorkerConfig.defaults(state).withMetrics(registry)
                .withActuator(cluster).withPolicy(gate));
    }

    /** Runs one cycle of one shard the way the workflow does, approving the given waiting ids. */
    static PolicyResult cycle(ControlLoopActivitiesImpl a, ShardTask t, List<String> approve) {
        CollectResult c = a.collect(t);
        PredictResult p = a.predict(t, c.ref());
        PlanResult pl = a.plan(t, p.ref());
        PolicyResult d = a.checkPolicy(t, pl.ref(), AllocationMode.ENFORCE);
        a.allocate(t, d.ref(), approve);
        return d;
    }

    @Test
    void collectReadsTheCycleIntervalOfTheRealTraceAndTheTraceCapacityAsBaseline() {
        ControlLoopActivitiesImpl a = activities(PolicyGate.PERMISSIVE);
        assertEquals(6, a.describePool(POOL, source).users());
        ShardTask t = ShardTask.of(POOL, source, 3, 1, 4); // users 4..5
        CollectResult c = a.collect(t);
        assertEquals(2, c.users());
        assertFalse(c.exhausted());
        ControlLoopActivitiesImpl.CollectFile f = new FileStateStore(state).read(c.ref(), ControlLoopActivitiesImpl.CollectFile.class);
        assertEquals(WARMUP + 3, f.interval());
        UserSeries u = trace.user(trace.userIds().get(4));
        assertEquals(u.user(), f.rows().get(0).user());
        assertEquals(u.usageAt(WARMUP + 3), ResourceVector.of(f.rows().get(0).usage()));
        assertEquals(u.capacityAt(WARMUP + 3), ResourceVector.of(f.rows().get(0).allocation()));
        assertEquals(u.timestamp(WARMUP + 3), c.intervalStart());
    }

    @Test
    void collectPastTheEndOfTheTraceReportsExhausted() {
        ControlLoopActivitiesImpl a = activities(PolicyGate.PERMISSIVE);
        int cycles = trace.users().values().stream().mapToInt(UserSeries::size).max().orElseThrow() - WARMUP;
        assertTrue(cycles >= 124, "700 samples per VM, on a grid that may have gaps");
        assertFalse(a.collect(ShardTask.of(POOL, source, cycles - 1, 0, 6)).exhausted());
        assertTrue(a.collect(ShardTask.of(POOL, source, cycles, 0, 6)).exhausted());
    }

    @Test
    void aCycleAppliesThePlannedTargetsAndTheNextCycleSeesThemInForce() {
        ControlLoopActivitiesImpl a = activities(PolicyGate.PERMISSIVE);
        ShardTask t0 = ShardTask.of(POOL, source, 0, 0, 6);
        PolicyResult d = cycle(a, t0, List.of());
        assertEquals(6, cluster.entries(POOL).get(0).allocations().size(), "every user of the shard is journaled");
        assertTrue(d.approved() > 0, "the first plan replaces the trace's provisioning for some users");

        ControlLoopActivitiesImpl.PlanFile plan = new FileStateStore(state).read(
                ControlLoopActivitiesImpl.ref(t0, "plan"), ControlLoopActivitiesImpl.PlanFile.class);
        CollectResult next = a.collect(ShardTask.of(POOL, source, 1, 0, 6));
        ControlLoopActivitiesImpl.CollectFile f = new FileStateStore(state).read(next.ref(), ControlLoopActivitiesImpl.CollectFile.class);
        for (int i = 0; i < 6; i++) {
            assertEquals(ResourceVector.of(plan.rows().get(i).target()), ResourceVector.of(f.rows().get(i).allocation()),
                    "user " + f.rows().get(i).user());
        }
    }

    @Test
    void withAProvisioningLeadTimeTheNextCycleSeesWhatIsInEffectNotWhatWasAsked() {
        // CPU and memory take 15 minutes (3 steps) to provision: an increase is not there at the next cycle
        cluster = new SimulatedCluster(state.resolve("cluster-lead"),
                SimulatedCluster.Config.defaults().withLeadSeconds(900, 900, 0, 0));
        ControlLoopActivitiesImpl a = activities(PolicyGate.PERMISSIVE);
        // every user starts with almost nothing, so the first plan raises everyone
        List<UserAllocation> small = new ArrayList<>();
        for (String u : trace.userIds()) {
            small.add(new UserAllocation(u, ResourceVector.of(0.01, 0.01, Double.NaN, Double.NaN), false));
        }
        long start = trace.user(trace.userIds().get(0)).timestamp(WARMUP);
        cluster.apply(new ApplyRequest(POOL, 0, "setup", start, small));
        ShardTask t0 = ShardTask.of(POOL, source, 0, 0, 6);
        cycle(a, t0, List.of());
        ControlLoopActivitiesImpl.PlanFile plan = new FileStateStore(state).read(
                ControlLoopActivitiesImpl.ref(t0, "plan"), ControlLoopActivitiesImpl.PlanFile.class);
        assertEquals(plan.effectiveAt(), cluster.clock(POOL), "the apply is requested for the decision's effective time");

        CollectResult next = a.collect(ShardTask.of(POOL, source, 1, 0, 6));
        ControlLoopActivitiesImpl.CollectFile f = new FileStateStore(state).read(next.ref(), ControlLoopActivitiesImpl.CollectFile.class);
        for (int i = 0; i < 6; i++) {
            String user = f.rows().get(i).user();
            double asked = plan.rows().get(i).target()[Resource.CPU.ordinal()];
            assertTrue(asked > 0.01, "the plan raises " + user);
            assertEquals(asked, cluster.target(POOL, user).orElseThrow().allocation().cpu(), 1e-12);
            assertEquals(0.01, f.rows().get(i).allocation()[Resource.CPU.ordinal()], 1e-12,
                    "still provisioning: the loop sees what the user really holds, " + user);
        }
    }

    @Test
    void allocateTwiceWithTheSameKeyAppliesOnce() {
        ControlLoopActivitiesImpl a = activities(PolicyGate.PERMISSIVE);
        ShardTask t = ShardTask.of(POOL, source, 0, 0, 6);
        CollectResult c = a.collect(t);
        PolicyResult d = a.checkPolicy(t, a.plan(t, a.predict(t, c.ref()).ref()).ref(), AllocationMode.ENFORCE);
        AllocateResult first = a.allocate(t, d.ref(), List.of());
        AllocateResult retry = a.allocate(t, d.ref(), List.of());
        assertFalse(first.duplicate());
        assertTrue(retry.duplicate());
        assertEquals(0, retry.applied());
        assertEquals(1, cluster.entries(POOL).size());
    }

    @Test
    void policyDecisionsLandInTheAuditTrailOncePerCycleAndUserEvenWhenRetried() {
        ControlLoopActivitiesImpl a = activities(PolicyGate.PERMISSIVE);
        ShardTask t = ShardTask.of(POOL, source, 0, 0, 6);
        String planRef = a.plan(t, a.predict(t, a.collect(t).ref()).ref()).ref();
        a.checkPolicy(t, planRef, AllocationMode.DRY_RUN);
        a.checkPolicy(t, planRef, AllocationMode.DRY_RUN); // an activity retry
        var records = new io.foresight.core.audit.DecisionLog(state.resolve(ControlLoopActivitiesImpl.DECISION_LOG)).readAll();
        assertEquals(6, records.size(), "the first cycle sets every user's allocation: one record per user");
        for (var r : records) {
            assertEquals(POOL, r.pool());
            assertEquals(io.foresight.core.alloc.AllocationMode.DRY_RUN, r.mode());
            assertFalse(r.applied(), "dry-run applies nothing");
            assertEquals(io.foresight.core.policy.DecisionOutcome.APPROVED, r.outcome());
        }
    }

    @Test
    void aRetriedPlanStartsFromTheSamePlannerState() throws Exception {
        ControlLoopActivitiesImpl a = activities(PolicyGate.PERMISSIVE);
        StateStore store = new FileStateStore(state);
        String memRef = "pools/" + POOL + "/planner/shard-0.json";
        for (int c = 0; c < 60; c++) {
            ShardTask t = ShardTask.of(POOL, source, c, 0, 6);
            String forecast = a.predict(t, a.collect(t).ref()).ref();
            a.plan(t, forecast);
            var mem = store.read(memRef, ControlLoopActivitiesImpl.PlannerMemory.class);
            boolean counting = mem.after().values().stream().anyMatch(v -> java.util.Arrays.stream(v).anyMatch(x -> x > 0));
            if (counting) {
                // demand is low for someone: a retry that started from the new state would count it twice
                String once = Files.readString(state.resolve(memRef));
                a.plan(t, forecast);
                a.plan(t, forecast);
                assertEquals(once, Files.readString(state.resolve(memRef)), "hysteresis counters advanced on a retry");
                return;
            }
            a.allocate(t, a.checkPolicy(t, ControlLoopActivitiesImpl.ref(t, "plan"), AllocationMode.ENFORCE).ref(), List.of());
        }
        throw new AssertionError("no user had low demand in 60 cycles: the test needs a scale-down candidate");
    }

    @Test
    void waitingChangesApplyOnlyWhenApproved() {
        PolicyGate needsApproval = (ctx, changes) -> changes.stream()
                .map(c -> new PolicyDecision(c.user(), DecisionOutcome.WAITING_APPROVAL, c.proposed(), false,
                        List.of("large-change-needs-approval"), List.of("over the step limit"), c.costDeltaPerHour()))
                .toList();
        ControlLoopActivitiesImpl a = activities(needsApproval);
        ShardTask t = ShardTask.of(POOL, source, 0, 0, 6);
        PolicyResult d = cycle(a, t, List.of());
        assertTrue(d.waiting() >= 2, "test needs at least two changes, got " + d.waiting());
        assertEquals(d.waiting(), d.firedRules().get("large-change-needs-approval"));
        String user0 = d.waitingChangeIds().get(0).substring((POOL + "/0/").length());
        ResourceVector baseline = trace.user(user0).capacityAt(WARMUP);
        assertEquals(baseline, cluster.current(POOL, user0).orElseThrow().allocation(), "not approved: keeps what it had");

        ShardTask t1 = ShardTask.of(POOL, source, 1, 0, 6);
        PolicyResult d1 = a.checkPolicy(t1, a.plan(t1, a.predict(t1, a.collect(t1).ref()).ref()).ref(), AllocationMode.ENFORCE);
        String approved = d1.waitingChangeIds().get(0);
        a.allocate(t1, d1.ref(), List.of(approved));
        String user = approved.substring((POOL + "/1/").length());
        ControlLoopActivitiesImpl.PlanFile plan = new FileStateStore(state).read(
                ControlLoopActivitiesImpl.ref(t1, "plan"), ControlLoopActivitiesImpl.PlanFile.class);
        ResourceVector target = plan.rows().stream().filter(r -> r.user().equals(user)).map(r -> ResourceVector.of(r.target()))
                .findFirst().orElseThrow();
        assertEquals(target, cluster.current(POOL, user).orElseThrow().allocation(), "approved: the planned target applies");
        String other = d1.waitingChangeIds().get(1).substring((POOL + "/1/").length());
        assertEquals(trace.user(other).capacityAt(WARMUP), cluster.current(POOL, other).orElseThrow().allocation());
    }

    @Test
    void monitorComparesUsageWithTheAllocationInForceAndExportsPoolMetrics() throws Exception {
        ControlLoopActivitiesImpl a = activities(PolicyGate.PERMISSIVE);
        cycle(a, ShardTask.of(POOL, source, 0, 0, 3), List.of());
        cycle(a, ShardTask.of(POOL, source, 0, 1, 3), List.of());
        a.monitor(POOL, source, 0, 2, "k0");
        cycle(a, ShardTask.of(POOL, source, 1, 0, 3), List.of());
        cycle(a, ShardTask.of(POOL, source, 1, 1, 3), List.of());
        MonitorResult m = a.monitor(POOL, source, 1, 2, "k1");

        // recompute from the trace and the journal: interval WARMUP+1 against what cycle 0 applied
        double shortfall = 0;
        double slack = 0;
        int under = 0;
        for (String u : trace.userIds()) {
            ResourceVector alloc = allocationAppliedAt(0, u);
            ResourceVector use = trace.user(u).usageAt(WARMUP + 1);
            shortfall += Math.max(0, use.cpu() - alloc.cpu());
            slack += Math.max(0, alloc.cpu() - use.cpu());
            boolean s = false;
            for (Resource r : Resource.values()) {
                s |= use.get(r) - alloc.get(r) > 1e-9;
            }
            under += s ? 1 : 0;
        }
        assertEquals(6, m.users());
        assertEquals(under, m.underProvisioned());
        assertEquals(shortfall, m.cpuShortfall(), 1e-9);
        assertEquals(slack, m.cpuSlack(), 1e-9);
        assertTrue(m.cpuForecastMae() >= 0, "cycle 1 has the forecasts of cycle 0");
        assertEquals(1 + 6 * 4, Files.readAllLines(state.resolve(m.ref())).size(), "one row per user and resource");
        assertEquals(6.0, gauge("foresight_pool_users", POOL));
        assertEquals(m.costPerHour(), gauge("foresight_pool_cost_per_hour", POOL), 1e-12);
    }

    private ResourceVector allocationAppliedAt(long cycle, String user) {
        return cluster.entries(POOL).stream().filter(e -> e.cycle() == cycle && e.allocations().containsKey(user))
                .map(e -> ResourceVector.of(e.allocations().get(user))).findFirst().orElseThrow();
    }

    private double gauge(String name, String pool) {
        for (MetricSnapshot s : registry.scrape()) {
            if (s.getMetadata().getName().equals(name)) {
                return ((GaugeSnapshot) s).getDataPoints().stream()
                        .filter(d -> pool.equals(d.getLabels().get("pool"))).findFirst().orElseThrow().getValue();
            }
        }
        throw new AssertionError("no metric " + name);
    }

    @Test
    void aModelThatStartsMissingRaisesPerUserDriftAndOneRetrainingRequest() {
        // the real slice forecast well by seasonal naive, then by a model that predicts ten times the usage
        java.util.concurrent.atomic.AtomicBoolean broken = new java.util.concurrent.atomic.AtomicBoolean();
        io.foresight.core.forecast.Forecaster good = io.foresight.core.forecast.SeasonalNaiveForecaster.daily();
        io.foresight.core.forecast.Forecaster bad = new io.foresight.core.forecast.Forecaster() {
            public String name() { return "ten-times"; }
            public io.foresight.core.forecast.Forecast forecast(UserSeries h, int now, int horizon) {
                io.foresight.core.forecast.Forecast f = good.forecast(h, now, horizon);
                double[][] p = new double[f.point().length][];
                for (int r = 0; r < p.length; r++) {
                    p[r] = java.util.Arrays.stream(f.point()[r]).map(v -> 10 * v + 1).toArray();
                }
                return new io.foresight.core.forecast.Forecast(f.user(), f.issuedAt(), f.stepSeconds(), f.quantile(), p, p, name());
            }
        };
        ControlLoopActivitiesImpl a = new ControlLoopActivitiesImpl(ControlWorkerConfig.defaults(state)
                .withMetrics(registry).withActuator(cluster)
                .withForecasters(() -> new ForecasterProvider.ModelInUse(broken.get() ? bad : good, "m"))
                .withDrift(new io.foresight.core.feedback.DriftDetector.Config(12, 1.0, 4.0, 12.0,
                        new double[] {0.02, 0.05, 0.1, 0.1})));
        int requests = 0;
        FeedbackResult first = null;
        for (int c = 0; c < 40; c++) {
            broken.set(c >= 20);
            ShardTask t = ShardTask.of(POOL, source, c, 0, 6);
            cycle(a, t, List.of());
            MonitorResult m = a.monitor(POOL, source, c, 1, "k");
            FeedbackResult fb = a.feedback(POOL, c, m, "k");
            assertEquals(fb, a.feedback(POOL, c, m, "k"), "a retried feedback gives the same answer");
            if (c < 21) {
                assertFalse(fb.retrainRequested(), "no drift while the model is good (cycle " + c + "): " + fb.reason());
            }
            if (fb.retrainRequested()) {
                requests++;
                first = first == null ? fb : first;
            }
        }
        assertEquals(1, requests, "one request, then the pool's cooldown");
        assertTrue(first.driftCount() >= 1 && first.reason().contains("drifted"), first.reason());
    }

    @Test
    void monitorDeletesCycleDataOlderThanTheRetention() {
        ControlLoopActivitiesImpl a = new ControlLoopActivitiesImpl(ControlWorkerConfig.defaults(state)
                .withMetrics(registry).withActuator(cluster).withRetainCycles(2));
        for (int c = 0; c < 4; c++) {
            cycle(a, ShardTask.of(POOL, source, c, 0, 6), List.of());
            a.monitor(POOL, source, c, 1, "k");
        }
        assertFalse(Files.exists(state.resolve(StateStore.cycleDir(POOL, 1))));
        assertTrue(Files.exists(state.resolve(StateStore.cycleDir(POOL, 2))));
        assertTrue(Files.exists(state.resolve(StateStore.cycleDir(POOL, 3) + "/outcomes.csv")));
        assertEquals(4, cluster.entries(POOL).size(), "the audit journal is never pruned");
    }

    @Test
    void slowLoadsHeartbeatUntilDoneAndKeepTheirError() {
        java.util.concurrent.atomic.AtomicInteger beats = new java.util.concurrent.atomic.AtomicInteger();
        String v = ControlLoopActivitiesImpl.whileBeating(() -> {
            try {
                Thread.sleep(400);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return "loaded";
        }, java.time.Duration.ofMillis(50), beats::incrementAndGet);
        assertEquals("loaded", v);
        assertTrue(beats.get() >= 4, "heartbeats while loading: " + beats.get());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ControlLoopActivitiesImpl
                .whileBeating(() -> { throw new IllegalArgumentException("no such trace"); }, java.time.Duration.ofMillis(50), () -> { }));
        assertEquals("no such trace", e.getMessage());
    }

    @Test
    void aMissingTraceFileIsAClearError() {
        ControlLoopActivitiesImpl a = activities(PolicyGate.PERMISSIVE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> a.describePool(POOL, "trace:/no/such/file.csv.gz"));
        assertTrue(e.getMessage().contains("no trace file at /no/such/file.csv.gz"), e.getMessage());
    }
}
